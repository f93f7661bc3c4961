//! Transports: endpoint parsing, and per transport its sockets (tcp, ipc;
//! udp for DGRAM, RADIO and DISH), each in its own file, plugged into the
//! `Stream` / `Listener` the I/O threads drive and the `Scheme`s zmq_bind
//! and zmq_connect look up (endpoint.rs), through the registry in
//! stream.rs.

/// `Source` for a transport type, every call going to the source `$src`
/// makes of the value (`$this`).
macro_rules! source_via {
    ($ty:ty, $this:ident => $src:expr) => {
        impl mio::event::Source for $ty {
            fn register(
                &mut self,
                r: &mio::Registry,
                t: mio::Token,
                i: mio::Interest,
            ) -> std::io::Result<()> {
                let $this = self;
                mio::event::Source::register($src, r, t, i)
            }
            fn reregister(
                &mut self,
                r: &mio::Registry,
                t: mio::Token,
                i: mio::Interest,
            ) -> std::io::Result<()> {
                let $this = self;
                mio::event::Source::reregister($src, r, t, i)
            }
            fn deregister(&mut self, r: &mio::Registry) -> std::io::Result<()> {
                let $this = self;
                mio::event::Source::deregister($src, r)
            }
        }
    };
}

/// `Source` and `AsRawFd` for a transport type that wraps one socket in a
/// field: every call goes to that field (ws over its tcp stream and
/// listener, ipc's listener over mio's).
macro_rules! source_by_field {
    ($ty:ty, $field:ident) => {
        source_via!($ty, s => &mut s.$field);

        impl std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                std::os::fd::AsRawFd::as_raw_fd(&self.$field)
            }
        }
    };
}

/// `Source` through the descriptor of the type's `AsRawFd`, and `Conn` for
/// its box, for the multicast sessions that are their own connection (pgm,
/// epgm, norm: their library's descriptor, a name, no peer, no connecting).
macro_rules! multicast_source {
    ($ty:ty) => {
        source_via!($ty, s => &mut mio::unix::SourceFd(&std::os::fd::AsRawFd::as_raw_fd(s)));

        impl $crate::transport::stream::Conn for Box<$ty> {
            fn local_name(&self) -> String {
                self.name().to_owned()
            }
            fn remote_name(&self) -> String {
                String::new()
            }
            fn connect_result(&self) -> std::io::Result<()> {
                Ok(())
            }
        }
    };
}

pub mod address;
pub mod endpoint;
pub mod filter;
pub mod ipc;
pub mod norm;
pub mod pgm;
pub mod socks;
pub mod stream;
pub mod tcp;
pub mod tls;
pub mod udp;
pub mod ws;

/// The socket options the transports apply, copied from the socket's
/// options when a listener or connection is made.
#[derive(Clone, Debug)]
pub struct TransportOptions {
    pub sndbuf: i32,
    pub rcvbuf: i32,
    pub tos: i32,
    pub backlog: i32,
    pub bindtodevice: String,
    pub tcp_keepalive: i32,
    pub tcp_keepalive_cnt: i32,
    pub tcp_keepalive_idle: i32,
    pub tcp_keepalive_intvl: i32,
    pub tcp_maxrt: i32,
    /// ZMQ_PRIORITY: SO_PRIORITY of every tcp socket (0: leave it).
    pub priority: i32,
    /// ZMQ_BUSY_POLL: SO_BUSY_POLL in microseconds (0: leave it).
    pub busy_poll: i32,
    /// ZMQ_TCP_ACCEPT_FILTER and ZMQ_IPC_FILTER_*: who a listener admits.
    pub accept_filters: filter::AcceptFilters,
    /// ZMQ_WSS_*: wss's certificates, trust and expected host name.
    pub wss: std::sync::Arc<tls::WssOptions>,
}

impl Default for TransportOptions {
    fn default() -> Self {
        TransportOptions {
            sndbuf: -1,
            rcvbuf: -1,
            tos: 0,
            backlog: 100,
            bindtodevice: String::new(),
            tcp_keepalive: -1,
            tcp_keepalive_cnt: -1,
            tcp_keepalive_idle: -1,
            tcp_keepalive_intvl: -1,
            tcp_maxrt: 0,
            priority: 0,
            busy_poll: 0,
            accept_filters: Default::default(),
            wss: Default::default(),
        }
    }
}
