//! Host names of tcp connecters, looked up before every connection attempt
//! as libzmq does (a name that does not resolve yet is retried at the
//! reconnect interval), but on a short-lived thread of its own: libzmq's
//! getaddrinfo in the I/O thread stalls every other connection of that
//! thread, ours does not.

use super::{Reactor, Session, Sessions};
use crate::io::command::{Command, IoCommand, SocketMailbox, Target};
use crate::transport::address::resolve_tcp_connect;
use crate::transport::tcp;
use std::net::SocketAddr;
use std::sync::Arc;

/// A connecter's target with a host name ("tcp://example.org:5555", with an
/// optional "src;" part).
#[derive(Clone)]
pub struct HostTarget {
    /// The address as given, after "tcp://".
    addr: String,
    ipv6: bool,
    /// A lookup is under way.
    pending: bool,
    /// The result of the lookup, for the attempt it was made for.
    resolved: Option<(SocketAddr, Option<SocketAddr>)>,
    /// The address of the latest lookup, naming the connecter in monitor
    /// events from then on.
    pub(super) last: Option<SocketAddr>,
}

impl HostTarget {
    pub fn new(addr: &str, ipv6: bool) -> HostTarget {
        HostTarget {
            addr: addr.to_owned(),
            ipv6,
            pending: false,
            resolved: None,
            last: None,
        }
    }
}

/// The host name a connecter looks up: its destination's, or through a
/// SOCKS proxy the proxy's (the destination is the proxy's to resolve).
fn host_target(t: Option<&mut Target>) -> Option<&mut HostTarget> {
    match t? {
        Target::TcpHost(h) => Some(h),
        Target::Socks(st) => match &mut st.proxy {
            Target::TcpHost(h) => Some(h),
            _ => None,
        },
        _ => None,
    }
}

/// The address to connect to now, if a lookup produced one; otherwise a
/// lookup starts (and None is returned).
pub(super) fn next_attempt(
    s: &mut Session,
    key: usize,
    mailbox: &Arc<SocketMailbox>,
) -> Option<Target> {
    let h = host_target(s.target.as_mut())?;
    if let Some((addr, source)) = h.resolved.take() {
        return Some(Target::Dial(tcp::dial(addr, source)));
    }
    if h.pending {
        return None;
    }
    h.pending = true;
    let (addr, ipv6) = (h.addr.clone(), h.ipv6);
    let (socket_id, endpoint) = (s.opts.socket_id, s.endpoint.clone());
    let mb = mailbox.clone();
    let lookup = move || {
        let found = resolve_tcp_connect(&addr, ipv6).ok();
        mb.send(Command::Io(Box::new(IoCommand::Resolved {
            key,
            socket_id,
            endpoint,
            addr: found,
        })));
    };
    let spawned = std::thread::Builder::new()
        .name("ZMQbg/resolve".into())
        .spawn(lookup);
    if spawned.is_err() {
        // No thread for it: this attempt fails like a failed lookup.
        h.pending = false;
        mailbox.send(Command::Io(Box::new(IoCommand::Resolved {
            key,
            socket_id: s.opts.socket_id,
            endpoint: s.endpoint.clone(),
            addr: None,
        })));
    }
    None
}

impl Sessions {
    /// A lookup finished: connect to what it found, or retry later (libzmq
    /// reports only CONNECT_RETRIED for a name that does not resolve).
    pub(in crate::io) fn resolved(
        &mut self,
        r: &Reactor,
        key: usize,
        socket_id: u64,
        endpoint: &str,
        addr: Option<(SocketAddr, Option<SocketAddr>)>,
    ) {
        let Some(s) = self.session(key) else { return };
        // The session may be gone, and its slot reused, since the lookup began.
        if s.opts.socket_id != socket_id
            || s.endpoint != endpoint
            || s.engine.is_some()
            || s.socks.is_some()
        {
            return;
        }
        let Some(h) = host_target(s.target.as_mut()) else {
            return;
        };
        if !h.pending {
            return;
        }
        h.pending = false;
        match addr {
            Some(found) => {
                h.last = Some(found.0);
                h.resolved = Some(found);
                self.start_connect(r, key);
            }
            None => {
                let closing = s.closing;
                self.schedule_reconnect(key);
                if closing {
                    self.check_done(r, key);
                }
            }
        }
    }
}
