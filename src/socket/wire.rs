//! The socket side of the wire transports (tcp, ipc): bind creates the
//! listener here, in the caller's thread, so errors are reported by zmq_bind
//! and `*` ports are known at once; the I/O thread then accepts. Connect
//! makes the socket's pipe at once (unless ZMQ_IMMEDIATE), so messages queue
//! while the connection is being made or re-made.

use super::Socket;
use crate::constants::*;
use crate::error::{Errno, Result};
use crate::io::command::{IoCommand, SessionOptions, SocketMailbox, Target};
use crate::io::connecter;
use crate::pipe::pipe_pair;
use crate::socket::monitor::{emit, emit_closed_unknown_fd, Ends};
use crate::transport::address::{resolve_tcp_connect, tcp_endpoint_string};
use crate::transport::endpoint::{
    self, BindArgs, BindError, Bound, ConnectArgs, Dest, Opened, Scheme,
};
use crate::transport::filter::AcceptFilters;
use crate::transport::TransportOptions;
use std::sync::Arc;

/// A tcp/ipc endpoint of this socket, for unbind/disconnect and close.
pub struct WireEndpoint {
    /// As given to zmq_bind/zmq_connect.
    pub given: String,
    /// As ZMQ_LAST_ENDPOINT reports it (the real port for `*`).
    pub resolved: String,
    pub io: Arc<SocketMailbox>,
    pub bound: bool,
}

impl Socket {
    fn session_options(&self) -> Arc<SessionOptions> {
        let o = &self.base.options;
        Arc::new(SessionOptions {
            socket_id: self.base.id,
            socket_mailbox: self.base.mailbox.clone(),
            socket_type: o.socket_type,
            routing_id: o.routing_id.clone(),
            recv_routing_id: o.recv_routing_id,
            raw_socket: o.raw_socket || o.socket_type == ZMQ_STREAM,
            raw_notify: o.raw_notify,
            router_notify: o.router_notify,
            sndhwm: o.sndhwm,
            rcvhwm: o.rcvhwm,
            conflate: o.conflate,
            linger: self.base.linger.clone(),
            reconnect_ivl: o.reconnect_ivl,
            reconnect_ivl_max: o.reconnect_ivl_max,
            reconnect_stop: o.reconnect_stop,
            handshake_ivl: o.handshake_ivl,
            connect_timeout: o.connect_timeout,
            maxmsgsize: o.maxmsgsize,
            in_batch_size: o.in_batch_size.max(1) as usize,
            out_batch_size: o.session_out_batch(),
            zero_copy_recv: o.zero_copy_recv,
            heartbeat_ivl: o.heartbeat_ivl,
            heartbeat_ttl: o.heartbeat_ttl as i32 * 100,
            heartbeat_timeout: o.heartbeat_timeout,
            metadata: o
                .app_metadata
                .iter()
                .map(|(k, v)| (String::from_utf8_lossy(k).into_owned(), v.clone()))
                .collect(),
            hello_msg: o.effective_hello_msg().to_vec(),
            disconnect_msg: o.effective_disconnect_msg().to_vec(),
            hiccup_msg: o.effective_hiccup_msg().to_vec(),
            mechanism: o.mechanism,
            as_server: o.as_server,
            plain_username: o.plain_username.clone(),
            plain_password: o.plain_password.clone(),
            curve_public_key: o.curve_public_key,
            curve_secret_key: o.curve_secret_key,
            curve_server_key: o.curve_server_key,
            zap_domain: o.zap_domain.clone(),
            zap_enforce_domain: o.zap_enforce_domain,
            gssapi: o.gssapi.clone(),
            transport: TransportOptions {
                sndbuf: o.sndbuf,
                rcvbuf: o.rcvbuf,
                tos: o.tos,
                backlog: o.backlog,
                bindtodevice: String::from_utf8_lossy(&o.bindtodevice).into_owned(),
                tcp_keepalive: o.tcp_keepalive,
                tcp_keepalive_cnt: o.tcp_keepalive_cnt,
                tcp_keepalive_idle: o.tcp_keepalive_idle,
                tcp_keepalive_intvl: o.tcp_keepalive_intvl,
                tcp_maxrt: o.tcp_maxrt,
                priority: o.priority,
                busy_poll: o.busy_poll,
                accept_filters: AcceptFilters {
                    tcp: o.tcp_accept_filters.clone(),
                    ipc_uid: o.ipc_uid_accept_filters.clone(),
                    ipc_gid: o.ipc_gid_accept_filters.clone(),
                    ipc_pid: o.ipc_pid_accept_filters.clone(),
                },
                wss: std::sync::Arc::new(o.wss.clone()),
            },
            monitor: self.base.monitor.clone(),
            ctx: self.base.ctx.clone(),
        })
    }

    /// A listener or connecter now runs for this socket in an I/O thread.
    /// libzmq's socket sends itself an `own` command for each such child, so
    /// its ZMQ_FD turns readable after every zmq_bind/zmq_connect of a wire
    /// transport; programs that wait on ZMQ_FD from the start rely on that
    /// edge, so ours makes it the same way.
    fn launched(&mut self, w: WireEndpoint) {
        self.base.wire.push(w);
        self.base.mailbox.send(crate::io::command::Command::Own);
    }

    pub(super) fn bind_wire(&mut self, proto: &str, addr: &str, endpoint: &str) -> Result<()> {
        let scheme = scheme_for(proto, self.base.options.socket_type)?;
        let topts = self.session_options();
        let o = &self.base.options;
        let args = BindArgs {
            socket_type: o.socket_type,
            ipv6: o.ipv6,
            use_fd: o.use_fd,
            bindtodevice: &o.bindtodevice,
            transport: &topts.transport,
        };
        let (listener, resolved) = match (scheme.bind)(addr, &args) {
            Ok(Bound::Listener(l, resolved)) => (l, resolved),
            Ok(Bound::Session(sock, bound_at)) => {
                return self.start_udp(sock, addr, endpoint, Some(bound_at))
            }
            // libzmq: "bind can be used interchangeably with connect" here.
            Ok(Bound::AsConnect) => return self.connect_wire(proto, addr, endpoint),
            Err(BindError::Quiet(e)) => return Err(e),
            Err(BindError::Failed(e, opened)) => {
                // The socket it had opened, if any, is closed first.
                if opened != Opened::No {
                    let name = if opened == Opened::Named {
                        endpoint
                    } else {
                        ""
                    };
                    emit_closed_unknown_fd(&*self.base.monitor, Ends::bound(name, ""));
                }
                // libzmq names the address without the transport here.
                emit(&*self.base.monitor, ZMQ_EVENT_BIND_FAILED, e.0 as u64, addr);
                return Err(e);
            }
        };
        emit(
            &*self.base.monitor,
            ZMQ_EVENT_LISTENING,
            listener.fd() as u64,
            &resolved,
        );
        let io = self.base.ctx.io_thread(self.base.options.affinity)?;
        io.send(crate::io::command::Command::Io(Box::new(
            IoCommand::Listen {
                listener,
                endpoint: resolved.clone(),
                opts: self.session_options(),
            },
        )));
        self.base.options.last_endpoint = resolved.clone();
        self.launched(WireEndpoint {
            given: endpoint.to_owned(),
            resolved,
            io,
            bound: true,
        });
        Ok(())
    }

    pub(super) fn connect_wire(&mut self, proto: &str, addr: &str, endpoint: &str) -> Result<()> {
        let scheme = scheme_for(proto, self.base.options.socket_type)?;
        let o = &self.base.options;
        let args = ConnectArgs {
            socket_type: o.socket_type,
            ipv6: o.ipv6,
            bindtodevice: &o.bindtodevice,
            multicast_loop: o.multicast_loop,
            multicast_hops: o.multicast_hops,
            socks_proxy: &o.socks_proxy_address,
            pgm: crate::transport::pgm::PgmOptions {
                rate: o.rate,
                recovery_ivl: o.recovery_ivl,
                multicast_hops: o.multicast_hops,
                multicast_maxtpdu: o.multicast_maxtpdu,
                sndbuf: o.sndbuf,
                rcvbuf: o.rcvbuf,
                in_batch_size: o.in_batch_size.max(1) as usize,
            },
        };
        let target = match (scheme.connect)(addr, &args)? {
            Dest::Session(sock) => return self.start_udp(sock, addr, endpoint, None),
            Dest::Multicast(conn) => {
                let target = connecter::target(Dest::Multicast(conn), false, &[], &[]);
                return self.start_session(target, endpoint, endpoint, None);
            }
            dest => connecter::target(
                dest,
                o.ipv6,
                &o.socks_proxy_username,
                &o.socks_proxy_password,
            ),
        };
        let io = self.base.ctx.io_thread(self.base.options.affinity)?;
        let opts = self.session_options();
        let pipe = if self.base.options.immediate {
            None
        } else {
            let o = &self.base.options;
            let hwm = |h: i32| if o.conflate { 0 } else { h.max(0) as u64 };
            // End 0 is the socket's: messages towards it are bounded by
            // RCVHWM, towards the session by SNDHWM.
            let (mine, theirs) = pipe_pair(hwm(o.rcvhwm), hwm(o.sndhwm));
            self.pattern.before_connect(&mut self.base);
            self.base
                .attach_pipe(self.pattern.as_mut(), mine, Some(endpoint.to_owned()));
            Some(theirs)
        };
        io.send(crate::io::command::Command::Io(Box::new(
            IoCommand::Connect {
                target,
                endpoint: endpoint.to_owned(),
                opts,
                pipe,
            },
        )));
        self.base.options.last_endpoint = endpoint.to_owned();
        self.launched(WireEndpoint {
            given: endpoint.to_owned(),
            resolved: endpoint.to_owned(),
            io,
            bound: false,
        });
        Ok(())
    }

    /// The pipe and I/O thread session of a udp socket made by bind_udp
    /// (`bound_at`: the address it is bound to) or connect_udp (None).
    fn start_udp(
        &mut self,
        sock: std::net::UdpSocket,
        addr: &str,
        endpoint: &str,
        bound_at: Option<String>,
    ) -> Result<()> {
        self.start_session(Target::Udp(Arc::new(sock)), addr, endpoint, bound_at)
    }

    /// The pipe and I/O thread session of a socket that is its own session
    /// (udp, pgm): the pipe is made now whatever ZMQ_IMMEDIATE says, and a
    /// connecting PUB/RADIO sends it everything (libzmq's subscribe_to_all).
    /// ZMQ_LAST_ENDPOINT becomes `last`.
    fn start_session(
        &mut self,
        target: Target,
        last: &str,
        endpoint: &str,
        bound_at: Option<String>,
    ) -> Result<()> {
        let bound = bound_at.is_some();
        let io = self.base.ctx.io_thread(self.base.options.affinity)?;
        let o = &self.base.options;
        let hwm = |h: i32| h.max(0) as u64;
        let (mine, theirs) = pipe_pair(hwm(o.rcvhwm), hwm(o.sndhwm));
        if !bound {
            self.pattern.before_attach_all(&mut self.base);
        }
        self.base
            .attach_pipe(self.pattern.as_mut(), mine, Some(endpoint.to_owned()));
        io.send(crate::io::command::Command::Io(Box::new(
            IoCommand::Connect {
                target,
                endpoint: endpoint.to_owned(),
                opts: self.session_options(),
                pipe: Some(theirs),
            },
        )));
        self.launched(WireEndpoint {
            given: endpoint.to_owned(),
            resolved: bound_at.unwrap_or_else(|| endpoint.to_owned()),
            io,
            bound,
        });
        self.base.options.last_endpoint = last.to_owned();
        Ok(())
    }

    /// zmq_unbind / zmq_disconnect of a tcp/ipc endpoint. Unbind accepts
    /// the resolved form (ZMQ_LAST_ENDPOINT) or the exact string given when
    /// it had no wildcard, as libzmq.
    pub(super) fn term_wire(&mut self, endpoint: &str, unbind: bool) -> Result<()> {
        if unbind && endpoint.starts_with("udp://") {
            // libzmq 4.3.4 files a udp bind without a listener, so unbind
            // does not find it: the socket stays bound until it is closed.
            // (A RADIO's udp connect disconnects like any connect.)
            return Err(Errno::ENOENT);
        }
        // A pgm/epgm/norm bind is a connect (as in libzmq, whose unbind and
        // disconnect both find it).
        let either = ["pgm://", "epgm://", "norm://"]
            .iter()
            .any(|s| endpoint.starts_with(s));
        let pos = self.base.wire.iter().position(|w| {
            (w.bound == unbind || either)
                && (w.resolved == endpoint || (w.given == endpoint && !w.given.contains('*')))
        });
        // libzmq also resolves a tcp unbind address, so a host name
        // ("tcp://localhost:5555") finds the listener bound to its address.
        let pos = pos.or_else(|| {
            let addr = endpoint.strip_prefix("tcp://").filter(|_| unbind)?;
            let (at, _) = resolve_tcp_connect(addr, self.base.options.ipv6).ok()?;
            let canonical = tcp_endpoint_string(&at);
            self.base
                .wire
                .iter()
                .position(|w| w.bound && w.resolved == canonical)
        });
        let Some(i) = pos else {
            return Err(Errno::ENOENT);
        };
        let w = self.base.wire.swap_remove(i);
        let cmd = if unbind {
            IoCommand::Unbind {
                socket_id: self.base.id,
                endpoint: w.resolved.clone(),
            }
        } else {
            IoCommand::Disconnect {
                socket_id: self.base.id,
                endpoint: w.given.clone(),
            }
        };
        w.io.send(crate::io::command::Command::Io(Box::new(cmd)));
        if !unbind {
            // Our end of the connecter's pipe goes; the session drains it
            // within linger and stops reconnecting.
            self.drop_endpoint_pipes(&w.given);
        }
        Ok(())
    }

    /// A connecter session gave up on `endpoint`: forget it, as libzmq's
    /// socket does on its session's term_endpoint.
    pub(super) fn wire_endpoint_ended(&mut self, endpoint: &str) {
        if let Some(i) = self
            .base
            .wire
            .iter()
            .position(|w| !w.bound && w.given == endpoint)
        {
            self.base.wire.swap_remove(i);
        }
    }

    /// On close: the I/O threads forget our listeners.
    pub(super) fn close_wire(&mut self) {
        let mut told: Vec<*const SocketMailbox> = Vec::new();
        for w in self.base.wire.drain(..) {
            let p = Arc::as_ptr(&w.io);
            if !told.contains(&p) {
                told.push(p);
                w.io.send(crate::io::command::Command::Io(Box::new(
                    IoCommand::SocketClosed {
                        socket_id: self.base.id,
                    },
                )));
            }
        }
    }
}

/// The transport registered for `proto`, if `socket_type` may use it
/// (libzmq refuses some mixes with ENOCOMPATPROTO).
fn scheme_for(proto: &str, socket_type: i32) -> Result<&'static Scheme> {
    let scheme = endpoint::scheme(proto).ok_or(Errno::EPROTONOSUPPORT)?;
    if (scheme.allows)(socket_type) {
        Ok(scheme)
    } else {
        Err(Errno::ENOCOMPATPROTO)
    }
}
