//! Commands delivered to a socket's mailbox by its peers, the context and
//! (with the wire transports) the I/O threads.

use super::monitor::{EventSink, PipeStatsQuery};
use super::security::ZapHandlers;
use crate::pipe::{Notice, Owner, PipeEnd, PipeRef};
use crate::transport::stream::Listener;
use crate::transport::TransportOptions;
use std::net::SocketAddr;
use std::sync::Arc;

pub enum Command {
    /// The peer wrote into a pipe we had found empty.
    ActivateRead(PipeRef),
    /// The peer read enough of a pipe we had found full to give us credit.
    ActivateWrite(PipeRef),
    /// The peer closed its end of a pipe.
    PipeTerm(PipeRef),
    /// A new pipe to attach (an inproc connecter's pipe reaching the binder).
    Bind(PipeEnd, String),
    /// The socket launched a listener or connecter (libzmq's `own`): nothing
    /// to do but wake ZMQ_FD, as libzmq's does (see `Socket::launched`).
    Own,
    /// The context is terminating: blocking calls return ETERM from now on.
    Stop,
    /// zmq_close from another thread while a call is inside the socket:
    /// that call returns ENOTSOCK (capi/socket.rs waits for it to leave).
    Closing,
    /// A connecter session gave up on its endpoint (its connection ended
    /// with reconnection off): zmq_disconnect of it is ENOENT from now on.
    EndpointEnded(String),
    /// zmq_socket_monitor_pipes_stats: the far end of this pipe reports its
    /// queue to the requesting socket's monitor.
    PipeStats(PipeRef, Box<PipeStatsQuery>),
    /// For an I/O thread.
    Io(Box<IoCommand>),
}

/// The ZMQ_GSSAPI_* options (libzmq's defaults: host-based names, encrypted).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GssapiOptions {
    /// ZMQ_GSSAPI_PRINCIPAL: our own principal (empty: default credentials).
    pub principal: Vec<u8>,
    /// ZMQ_GSSAPI_SERVICE_PRINCIPAL: the server a client authenticates to.
    pub service_principal: Vec<u8>,
    /// ZMQ_GSSAPI_PRINCIPAL_NAMETYPE and _SERVICE_PRINCIPAL_NAMETYPE (0..=2).
    pub principal_nt: i32,
    pub service_principal_nt: i32,
    /// ZMQ_GSSAPI_PLAINTEXT: no gss_wrap of READY and messages.
    pub plaintext: bool,
}

/// What a session needs to know of its socket, copied at bind/connect time.
pub struct SessionOptions {
    pub socket_id: u64,
    pub socket_mailbox: Arc<SocketMailbox>,
    pub socket_type: i32,
    pub routing_id: Vec<u8>,
    pub recv_routing_id: bool,
    /// Raw bytes instead of ZMTP: STREAM, or ROUTER with ZMQ_ROUTER_RAW.
    pub raw_socket: bool,
    /// ZMQ_STREAM_NOTIFY: a STREAM socket hears of connects and disconnects.
    pub raw_notify: bool,
    /// ZMQ_ROUTER_NOTIFY bits (ZMQ_NOTIFY_CONNECT 1, ZMQ_NOTIFY_DISCONNECT
    /// 2): a ROUTER hears of handshaken peers coming and going.
    pub router_notify: i32,
    pub sndhwm: i32,
    pub rcvhwm: i32,
    pub conflate: bool,
    /// ZMQ_LINGER as it is now: libzmq uses the value in force at close,
    /// so the socket shares it rather than copying it.
    pub linger: Arc<std::sync::atomic::AtomicI32>,
    pub reconnect_ivl: i32,
    pub reconnect_ivl_max: i32,
    /// ZMQ_RECONNECT_STOP_* bits (4.3.5 values).
    pub reconnect_stop: i32,
    pub handshake_ivl: i32,
    /// ZMQ_CONNECT_TIMEOUT: a tcp connect still under way after this many
    /// ms is closed and retried (0: the kernel's own timeout).
    pub connect_timeout: i32,
    pub maxmsgsize: i64,
    pub in_batch_size: usize,
    /// ZMQ_OUT_BATCH_SIZE: how many bytes of small frames the encoder
    /// gathers before a write (64 KiB while the application left the option
    /// alone: `Options::session_out_batch`).
    pub out_batch_size: usize,
    /// ZMQ_ZERO_COPY_RECV (the context's, when the socket was made): large
    /// received bodies may share the receive buffer; off, each gets its own.
    pub zero_copy_recv: bool,
    pub heartbeat_ivl: i32,
    pub heartbeat_ttl: i32,
    pub heartbeat_timeout: i32,
    pub metadata: Vec<(String, Vec<u8>)>,
    /// ZMQ_HELLO_MSG sent first on every connection, ZMQ_DISCONNECT_MSG
    /// delivered when an accepted connection ends, ZMQ_HICCUP_MSG when a
    /// made one does (each empty when unset or not for this socket type).
    pub hello_msg: Vec<u8>,
    pub disconnect_msg: Vec<u8>,
    pub hiccup_msg: Vec<u8>,
    /// Security: ZMQ_MECHANISM, the side (PLAIN/CURVE_SERVER) and credentials.
    pub mechanism: i32,
    pub as_server: bool,
    pub plain_username: Vec<u8>,
    pub plain_password: Vec<u8>,
    pub curve_public_key: [u8; 32],
    pub curve_secret_key: [u8; 32],
    pub curve_server_key: [u8; 32],
    pub zap_domain: Vec<u8>,
    pub zap_enforce_domain: bool,
    pub gssapi: GssapiOptions,
    pub transport: TransportOptions,
    pub monitor: Arc<dyn EventSink>,
    /// The context, to look for a ZAP handler (inproc://zeromq.zap.01).
    pub ctx: Arc<dyn ZapHandlers>,
}

/// Where a connecter connects.
#[derive(Clone)]
pub enum Target {
    /// An address the transport connects to afresh on every attempt.
    Dial(Arc<dyn crate::transport::endpoint::Dial>),
    /// A tcp address with a host name: looked up before every attempt, off
    /// the I/O thread (see connecter/resolve.rs).
    TcpHost(Box<super::connecter::HostTarget>),
    /// A tcp address reached through a SOCKS5 proxy (ZMQ_SOCKS_PROXY).
    Socks(Box<super::connecter::SocksTarget>),
    /// A udp socket a DGRAM or DISH socket bound or a RADIO connected (the
    /// session uses a duplicate).
    Udp(Arc<std::net::UdpSocket>),
    /// The multicast socket (pgm, epgm, norm) a PUB/XPUB/SUB/XSUB made at
    /// zmq_connect (or bind), taken by the session's one and only engine.
    Multicast(Arc<parking_lot::Mutex<Option<crate::transport::stream::Stream>>>),
}

pub enum IoCommand {
    /// Start accepting on a listener the socket bound.
    Listen {
        listener: Listener,
        endpoint: String,
        opts: Arc<SessionOptions>,
    },
    /// Start a connecter session; `pipe` is its end of the socket's pipe
    /// (None with ZMQ_IMMEDIATE: the pipe is made once connected).
    Connect {
        target: Target,
        endpoint: String,
        opts: Arc<SessionOptions>,
        pipe: Option<PipeEnd>,
    },
    /// zmq_unbind: close the listener and the connections it accepted.
    Unbind { socket_id: u64, endpoint: String },
    /// zmq_disconnect of a connecter without a pipe (ZMQ_IMMEDIATE).
    Disconnect { socket_id: u64, endpoint: String },
    /// The socket closed: its listeners go; sessions flush within linger.
    SocketClosed { socket_id: u64 },
    /// A host name lookup for the connecter session at `key` finished.
    Resolved {
        key: usize,
        socket_id: u64,
        endpoint: String,
        /// The destination and the optional source address; None: the
        /// lookup failed.
        addr: Option<(SocketAddr, Option<SocketAddr>)>,
    },
    /// The context is ending: finish and exit.
    Stop,
}

pub type SocketMailbox = super::mailbox::Mailbox<Command>;

/// A pipe end's notices become commands in its owner's mailbox.
impl Owner for SocketMailbox {
    fn notify(&self, pipe: PipeRef, notice: Notice) {
        let cmd = match notice {
            Notice::ActivateRead => Command::ActivateRead(pipe),
            Notice::ActivateWrite => Command::ActivateWrite(pipe),
            Notice::PipeTerm => Command::PipeTerm(pipe),
            Notice::Other(any) => match any.downcast::<PipeStatsQuery>() {
                Ok(query) => Command::PipeStats(pipe, query),
                Err(_) => return,
            },
        };
        self.send(cmd);
    }
}
