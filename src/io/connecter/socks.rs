//! Connecting through a SOCKS5 proxy (ZMQ_SOCKS_PROXY), libzmq's
//! socks_connecter: a tcp connect to the proxy, the RFC 1928/1929 exchange
//! (`transport::socks::SocksClient`, sans-I/O) driven by readiness on the
//! I/O thread, then the engine on that stream exactly as after a direct
//! connect.
//!
//! As libzmq: the destination goes to the proxy as given (a host name is
//! the proxy's to resolve, never ours), monitor events name the proxy
//! ("tcp://" + ZMQ_SOCKS_PROXY as given), CONNECTED comes once the proxy has
//! said yes, and any failure is CLOSED then CONNECT_RETRIED. Unlike
//! libzmq, a proxy that stops answering cannot hold the attempt forever:
//! its tcp connect is bounded by ZMQ_CONNECT_TIMEOUT and the exchange by
//! ZMQ_HANDSHAKE_IVL (each when positive).

use super::super::command::Target;
use super::super::monitor::Ends;
use super::super::session::{emit_at, Session, Sessions};
use super::super::thread::{token, Reactor};
use super::HostTarget;
use crate::constants::*;
use crate::transport::address::literal_tcp_connect;
use crate::transport::socks::SocksClient;
use crate::transport::stream::{Conn, Stream};
use crate::util::clock::now_ms;
use mio::Interest;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;

/// A tcp connecter's target with ZMQ_SOCKS_PROXY set (snapshotted at
/// zmq_connect, as libzmq's session reads its options then).
#[derive(Clone)]
pub struct SocksTarget {
    /// The proxy: an address, or a host name looked up before every
    /// attempt as a direct connecter's (see resolve.rs).
    pub(in crate::io) proxy: Target,
    /// The endpoint's address as given, after "tcp://".
    dest: String,
    /// ZMQ_SOCKS_USERNAME (non-empty: basic auth) and ZMQ_SOCKS_PASSWORD.
    credentials: Option<(Vec<u8>, Vec<u8>)>,
    /// "tcp://" + the proxy as given: what monitor events name.
    pub(in crate::io) endpoint: String,
}

impl SocksTarget {
    pub fn new(
        proxy: &str,
        dest: &str,
        username: &[u8],
        password: &[u8],
        ipv6: bool,
    ) -> SocksTarget {
        // libzmq checks nothing of the proxy at zmq_connect: what does not
        // resolve (no port, a "tcp://" prefix) fails every attempt.
        let proxy_target = match literal_tcp_connect(proxy, ipv6) {
            Ok(Some((addr, source))) => Target::Dial(crate::transport::tcp::dial(addr, source)),
            _ => Target::TcpHost(Box::new(HostTarget::new(proxy, ipv6))),
        };
        SocksTarget {
            proxy: proxy_target,
            dest: dest.to_owned(),
            credentials: (!username.is_empty()).then(|| (username.to_vec(), password.to_vec())),
            endpoint: format!("tcp://{proxy}"),
        }
    }
}

/// An attempt between the tcp connect to the proxy and its last reply.
pub struct Exchange {
    stream: mio::net::TcpStream,
    client: SocksClient,
    /// The tcp connect to the proxy is under way.
    connecting: bool,
}

enum Step {
    Wait,
    Done,
    Failed,
}

impl Exchange {
    /// Move the exchange on as far as it goes without waiting.
    fn drive(&mut self, readiness: bool) -> Step {
        if self.connecting {
            if !readiness {
                return Step::Wait;
            }
            if self.stream.connect_result().is_err() {
                return Step::Failed;
            }
            self.connecting = false;
        }
        loop {
            while !self.client.output().is_empty() {
                match self.stream.write(self.client.output()) {
                    Ok(n) if n > 0 => self.client.consume_output(n),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Step::Wait,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    _ => return Step::Failed,
                }
            }
            if self.client.done() {
                return Step::Done;
            }
            // Exactly what the reply still lacks: the peer's ZMTP greeting
            // right behind the proxy's last reply stays for the engine.
            let mut buf = [0u8; 512];
            let want = self.client.want().min(buf.len());
            match self.stream.read(&mut buf[..want]) {
                Ok(0) => return Step::Failed,
                Ok(n) => {
                    if self.client.input(&buf[..n]).is_err() {
                        return Step::Failed;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Step::Wait,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Step::Failed,
            }
        }
    }
}

/// A connecter's endpoint in monitor events: the proxy's for a SOCKS target.
pub(in crate::io) fn event_endpoint(target: &Target, endpoint: &str) -> String {
    match target {
        Target::Socks(st) => st.endpoint.clone(),
        _ => endpoint.to_owned(),
    }
}

/// A session ends mid-exchange: the attempt's socket closes (CLOSED, as
/// libzmq's connecter reports when it is terminated while connecting).
pub(in crate::io) fn abandon(r: &Reactor, s: &mut Session) {
    if let Some(mut x) = s.socks.take() {
        let _ = r.registry.deregister(&mut x.stream);
        let fd = x.stream.as_raw_fd() as i64;
        emit_at(
            &s.opts,
            ZMQ_EVENT_CLOSED,
            fd,
            Ends::connect("", &s.event_endpoint),
        );
    }
}

impl Sessions {
    /// The tcp connect to the proxy has started on `stream`.
    pub(super) fn start_socks(&mut self, r: &Reactor, key: usize, stream: Stream) {
        let Some(s) = self.session(key) else { return };
        let Some(Target::Socks(st)) = &s.target else {
            return;
        };
        let client = SocksClient::new(&st.dest, st.credentials.clone());
        let Stream::Tcp(mut stream) = stream else {
            return;
        };
        emit_at(
            &s.opts,
            ZMQ_EVENT_CONNECT_DELAYED,
            libc::EINPROGRESS as i64,
            Ends::connect("", &s.event_endpoint),
        );
        let fd = stream.as_raw_fd() as i64;
        // A destination no request can carry: libzmq learns it after the
        // proxy's choice and fails the attempt then; ours fails now.
        let Some(client) = client else {
            self.attempt_failed(r, key, fd);
            return;
        };
        let interest = Interest::READABLE | Interest::WRITABLE;
        if r.registry
            .register(&mut stream, token(key), interest)
            .is_err()
        {
            self.attempt_failed(r, key, fd);
            return;
        }
        s.connect_deadline = deadline(s.opts.connect_timeout);
        s.socks = Some(Box::new(Exchange {
            stream,
            client,
            connecting: true,
        }));
    }

    /// Readiness on an attempt's socket while the exchange runs.
    pub(in crate::io) fn socks_ready(&mut self, r: &Reactor, key: usize, readiness: bool) {
        let Some(s) = self.session(key) else { return };
        let Some(x) = s.socks.as_mut() else { return };
        let was_connecting = x.connecting;
        match x.drive(readiness) {
            Step::Wait => {
                if was_connecting && !x.connecting {
                    // Connected to the proxy: the exchange has a
                    // handshake's time.
                    s.connect_deadline = deadline(s.opts.handshake_ivl);
                }
            }
            Step::Done => self.socks_done(r, key),
            Step::Failed => self.socks_failed(r, key),
        }
    }

    /// The proxy connected us: CONNECTED, then the engine on the stream.
    fn socks_done(&mut self, r: &Reactor, key: usize) {
        let Some(s) = self.session(key) else { return };
        let Some(x) = s.socks.take() else { return };
        s.connect_deadline = None;
        s.reconnect_ivl = s.opts.reconnect_ivl;
        let mut stream = Stream::Tcp(x.stream);
        // start_engine registers it afresh; bytes already queued (the
        // peer's greeting) raise an event then, and its first pump reads.
        let _ = r.registry.deregister(&mut stream);
        let local = stream.local_name();
        let ends = Ends::connect(&local, &s.event_endpoint);
        emit_at(&s.opts, ZMQ_EVENT_CONNECTED, stream.fd() as i64, ends);
        self.start_engine(r, key, stream, false);
    }

    /// A refusal, a protocol error, the proxy gone or silent: close and
    /// retry later, as libzmq's socks connecter.
    pub(in crate::io) fn socks_failed(&mut self, r: &Reactor, key: usize) {
        let Some(s) = self.session(key) else { return };
        let Some(mut x) = s.socks.take() else { return };
        let _ = r.registry.deregister(&mut x.stream);
        let fd = x.stream.as_raw_fd() as i64;
        drop(x);
        self.attempt_failed(r, key, fd);
    }
}

/// `ms` from now, if positive.
pub(super) fn deadline(ms: i32) -> Option<u64> {
    (ms > 0).then(|| now_ms() + ms as u64)
}
