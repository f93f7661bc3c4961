//! ws: ZeroMQ over WebSocket (libzmq's ws transport) is a tcp connection
//! whose bytes the engine runs through the ZWS layer (`zmtp::ws`). Here:
//! the endpoint ("ws://host:port/path"), the listening and connecting
//! sockets (tcp's, with its options), and what the engine needs to know to
//! start the upgrade ([`WsEnd`]: which side, the Host header, the path).
//!
//! Endpoint names follow libzmq's ws_address: the path is what follows the
//! *last* '/' ("/" when there is none), the host what precedes the last
//! ':'; a listener's ZMQ_LAST_ENDPOINT and its connections' names end with
//! the path, a connecter's local end has none.

use super::address::{resolve_tcp_bind, resolve_tcp_connect, tcp_endpoint_string};
use super::endpoint::{BindArgs, BindError, Bound, ConnectArgs, Dest, Dial, Opened, Scheme};
use super::stream::{Accept, Conn, Listener, Stream};
use super::tcp;
use super::TransportOptions;
use crate::error::Errno;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

/// What the engine needs to open the WebSocket.
#[derive(Clone, Debug)]
pub struct WsEnd {
    /// We connected (we send the upgrade request, and mask).
    pub client: bool,
    /// The Host header a client sends (the endpoint's host as given).
    pub host: String,
    /// The resource: a client asks for it; a listener names its
    /// connections with it.
    pub path: String,
}

/// A ws connection: a tcp stream and its [`WsEnd`].
pub struct WsStream {
    tcp: mio::net::TcpStream,
    end: WsEnd,
}

/// A ws listener: tcp's, and the path its connections are named with.
pub struct WsListener {
    tcp: mio::net::TcpListener,
    path: String,
}

/// "ws://ip:port" (libzmq's ws_address_t::to_string of a socket address).
fn name(addr: &SocketAddr) -> String {
    let t = tcp_endpoint_string(addr);
    format!("ws://{}", t.strip_prefix("tcp://").unwrap_or(&t))
}

/// An endpoint split as libzmq's ws_address_t::resolve splits it: the
/// address without the path, the host (before the last ':'), the path.
fn split(addr: &str) -> Result<(&str, &str, &str), Errno> {
    let colon = addr.rfind(':').ok_or(Errno::EINVAL)?;
    let host = &addr[..colon];
    let (hostport, path) = match addr.rfind('/') {
        Some(i) => (&addr[..i], &addr[i..]),
        None => (addr, "/"),
    };
    Ok((hostport, host, path))
}

source_by_field!(WsStream, tcp);

impl Conn for WsStream {
    fn local_name(&self) -> String {
        let path = if self.end.client { "" } else { &self.end.path };
        self.tcp
            .local_addr()
            .map(|a| name(&a) + path)
            .unwrap_or_default()
    }

    fn remote_name(&self) -> String {
        let path = if self.end.client { "" } else { &self.end.path };
        self.tcp
            .peer_addr()
            .map(|a| name(&a) + path)
            .unwrap_or_default()
    }

    fn peer_address(&self) -> String {
        self.tcp.peer_address()
    }

    fn connect_result(&self) -> io::Result<()> {
        self.tcp.connect_result()
    }

    fn segment_size(&self) -> usize {
        self.tcp.segment_size()
    }

    fn accepted(&self, opts: &TransportOptions) {
        self.tcp.accepted(opts)
    }

    fn websocket(&self) -> Option<&WsEnd> {
        Some(&self.end)
    }
}

source_by_field!(WsListener, tcp);

impl Accept for WsListener {
    type Conn = WsStream;

    fn accept_conn(&self) -> io::Result<WsStream> {
        let tcp = self.tcp.accept_conn()?;
        Ok(WsStream {
            tcp,
            end: WsEnd {
                client: false,
                host: String::new(),
                path: self.path.clone(),
            },
        })
    }
}

/// ws's endpoint side (see [`Scheme`]).
pub const SCHEME: Scheme = Scheme {
    name: "ws",
    allows: tcp::not_dgram,
    bind: bind_endpoint,
    connect: connect_endpoint,
};

fn bind_endpoint(addr: &str, args: &BindArgs) -> Result<Bound, BindError> {
    let (hostport, _, path) = split(addr).map_err(|e| BindError::Failed(e, Opened::No))?;
    let path = path.to_owned();
    let (tcp, bound) = if args.use_fd != -1 {
        tcp::adopt_socket(args.use_fd).map_err(|e| BindError::Failed(Errno::from(e), Opened::No))?
    } else {
        let at =
            resolve_tcp_bind(hostport, args.ipv6).map_err(|e| BindError::Failed(e, Opened::No))?;
        tcp::listen_socket(at, args.transport)
            .map_err(|e| BindError::Failed(Errno::from(e), Opened::Unnamed))?
    };
    let endpoint = name(&bound) + &path;
    Ok(Bound::Listener(
        Listener::Ws(WsListener { tcp, path }),
        endpoint,
    ))
}

/// libzmq resolves a ws address at zmq_connect, host names included.
fn connect_endpoint(addr: &str, args: &ConnectArgs) -> Result<Dest, Errno> {
    let (hostport, host, path) = split(addr)?;
    let (to, _) = resolve_tcp_connect(hostport, args.ipv6)?;
    Ok(Dest::Dial(Arc::new(WsDial {
        addr: to,
        host: host.to_owned(),
        path: path.to_owned(),
    })))
}

struct WsDial {
    addr: SocketAddr,
    host: String,
    path: String,
}

impl Dial for WsDial {
    fn dial(&self, opts: &TransportOptions) -> Result<Stream, i32> {
        let tcp = tcp::connect_socket(self.addr, None, opts)
            .map_err(|err| err.raw_os_error().unwrap_or(0))?;
        Ok(Stream::Ws(WsStream {
            tcp,
            end: WsEnd {
                client: true,
                host: self.host.clone(),
                path: self.path.clone(),
            },
        }))
    }

    /// As libzmq's ws_address_t::to_string: the host as given.
    fn name(&self) -> String {
        format!("ws://{}:{}{}", self.host, self.addr.port(), self.path)
    }

    fn delayed(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_split_as_libzmq() {
        assert_eq!(
            split("127.0.0.1:5555/a").unwrap(),
            ("127.0.0.1:5555", "127.0.0.1", "/a")
        );
        assert_eq!(split("*:*").unwrap(), ("*:*", "*", "/"));
        // The last '/' only.
        assert_eq!(split("h:1/a/b").unwrap().2, "/b");
        assert!(split("nocolon").is_err());
    }

    #[test]
    fn bind_names_the_path() {
        let t = TransportOptions::default();
        let args = BindArgs {
            socket_type: 0,
            ipv6: false,
            use_fd: -1,
            bindtodevice: b"",
            transport: &t,
        };
        let Ok(Bound::Listener(_, e)) = bind_endpoint("127.0.0.1:*/x", &args) else {
            panic!("no listener")
        };
        assert!(e.starts_with("ws://127.0.0.1:") && e.ends_with("/x"), "{e}");
        let Ok(Bound::Listener(_, e)) = bind_endpoint("127.0.0.1:*", &args) else {
            panic!("no listener")
        };
        assert!(e.ends_with('/'), "{e}");
    }
}
