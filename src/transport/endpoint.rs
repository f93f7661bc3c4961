//! The endpoint side of a transport: what zmq_bind needs of it, as a
//! descriptor ([`Scheme`]) each transport file exports and the registry in
//! stream.rs collects, so the socket looks a scheme up ([`scheme`]) instead
//! of matching on it.

use super::stream::Listener;
use super::TransportOptions;
use crate::error::Errno;

/// A transport as zmq_bind sees it.
pub struct Scheme {
    /// As in "tcp://...".
    pub name: &'static str,
    /// Whether a socket of this type may bind or connect it at all
    /// (ENOCOMPATPROTO otherwise, before anything is made).
    pub allows: fn(socket_type: i32) -> bool,
    /// Bind `addr` (the endpoint without "name://").
    pub bind: fn(addr: &str, args: &BindArgs) -> Result<Bound, BindError>,
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

/// The transport registered under `name`.
pub fn scheme(name: &str) -> Option<&'static Scheme> {
    super::stream::SCHEMES
        .iter()
        .copied()
        .find(|s| s.name == name)
}
