//! The endpoint side of a transport: what zmq_bind and zmq_connect need of
//! it, as a
//! descriptor ([`Scheme`]) each transport file exports and the registry in
//! stream.rs collects, so the socket looks a scheme up ([`scheme`]) instead
//! of matching on it.

use super::stream::{Listener, Stream};
use super::TransportOptions;
use crate::error::Errno;
use std::sync::Arc;

/// A transport as zmq_bind and zmq_connect see it.
pub struct Scheme {
    /// As in "tcp://...".
    pub name: &'static str,
    /// Whether a socket of this type may bind or connect it at all
    /// (ENOCOMPATPROTO otherwise, before anything is made).
    pub allows: fn(socket_type: i32) -> bool,
    /// Bind `addr` (the endpoint without "name://").
    pub bind: fn(addr: &str, args: &BindArgs) -> Result<Bound, BindError>,
    /// Check `addr` for zmq_connect and say how the connecter reaches it.
    pub connect: fn(addr: &str, args: &ConnectArgs) -> Result<Dest, Errno>,
}

/// What a connect is given of the socket's options.
pub struct ConnectArgs<'a> {
    pub socket_type: i32,
    pub ipv6: bool,
    /// ZMQ_BINDTODEVICE as set.
    pub bindtodevice: &'a [u8],
    pub multicast_loop: bool,
    pub multicast_hops: i32,
    /// ZMQ_SOCKS_PROXY (empty: none).
    pub socks_proxy: &'a [u8],
    /// ZMQ_RATE, ZMQ_RECOVERY_IVL and the rest a pgm socket is made with.
    pub pgm: super::pgm::PgmOptions,
}

/// How a connecter reaches an endpoint.
pub enum Dest {
    /// An address connected to afresh on every attempt.
    Dial(Arc<dyn Dial>),
    /// A tcp address with a host name, looked up before every attempt off
    /// the I/O thread (io/connecter/resolve.rs).
    TcpHost(String),
    /// A tcp address reached through the SOCKS5 proxy `proxy`, to which it
    /// goes as given (io/connecter/socks.rs).
    Socks { proxy: String, dest: String },
    /// A datagram socket made now that is its own session at once (udp).
    Session(std::net::UdpSocket),
    /// A multicast socket made now, its own session at once (pgm, epgm,
    /// norm): no connecting, no reconnecting.
    Multicast(super::stream::Stream),
}

/// An address a connecter connects to.
pub trait Dial: Send + Sync {
    /// Start a non-blocking connect (Err: its errno).
    fn dial(&self, opts: &TransportOptions) -> Result<Stream, i32>;
    /// The address as libzmq prints a connecter's once resolved.
    fn name(&self) -> String;
    /// Whether the connect finishes later, announced by CONNECT_DELAYED and
    /// bounded by ZMQ_CONNECT_TIMEOUT (libzmq's tcp connecter only).
    fn delayed(&self) -> bool {
        false
    }
}

/// What a bind is given of the socket's options.
pub struct BindArgs<'a> {
    pub socket_type: i32,
    pub ipv6: bool,
    /// ZMQ_USE_FD (-1: none).
    pub use_fd: i32,
    /// ZMQ_BINDTODEVICE as set.
    pub bindtodevice: &'a [u8],
    pub transport: &'a TransportOptions,
}

/// What a bind made.
pub enum Bound {
    /// A listener the I/O thread accepts on, and the endpoint as
    /// ZMQ_LAST_ENDPOINT shows it.
    Listener(Listener, String),
    /// A datagram socket that is its own session at once (udp), and the
    /// address it is bound to, named as monitor events name it.
    Session(std::net::UdpSocket, String),
    /// Binding is connecting (pgm, epgm, norm: libzmq's bind calls connect).
    AsConnect,
}

/// The bind of the multicast schemes: a connect.
pub fn bind_as_connect(_: &str, _: &BindArgs) -> Result<Bound, BindError> {
    Ok(Bound::AsConnect)
}

/// Why a bind failed, and which monitor events say so.
pub enum BindError {
    /// No events (udp's refusals, as libzmq's).
    Quiet(Errno),
    /// BIND_FAILED, after the CLOSED of the socket it had opened if any.
    Failed(Errno, Opened),
}

/// Whether a failed bind had opened a socket (libzmq reports its CLOSED).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    No,
    /// Closed before it knew its endpoint (tcp).
    Unnamed,
    /// Closed knowing its endpoint (ipc).
    Named,
}

/// Transports whose library is loaded at run time, and whether it is
/// there: without it the scheme is unknown (EPROTONOSUPPORT), as in a
/// libzmq built without it.
type Loaded = fn() -> bool;
const LOADED: &[(&str, Loaded)] = &[
    ("pgm", super::pgm::available),
    ("epgm", super::pgm::available),
    ("norm", super::norm::available),
];

/// The transport registered under `name`.
pub fn scheme(name: &str) -> Option<&'static Scheme> {
    if let Some((_, loaded)) = LOADED.iter().find(|(n, _)| *n == name) {
        if !loaded() {
            return None;
        }
    }
    super::stream::SCHEMES
        .iter()
        .copied()
        .find(|s| s.name == name)
}
