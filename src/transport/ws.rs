//! ws: ZeroMQ over WebSocket (libzmq's ws transport) is a tcp connection
//! whose bytes the engine runs through the ZWS layer (`zmtp::ws`). Here:
//! the endpoint ("ws://host:port/path"), the listening and connecting
//! sockets (tcp's, with its options), and what the engine needs to know to
//! start the upgrade ([`WsEnd`]: which side, the Host header, the path).
//!
//! wss is the same with TLS between the tcp stream and the WebSocket
//! (`transport::tls`): its connections carry a [`TlsSession`] that
//! `Stream`'s reads and writes go through; everything else is ws's.
//!
//! Endpoint names follow libzmq's ws_address: the path is what follows the
//! *last* '/' ("/" when there is none), the host what precedes the last
//! ':'; a listener's ZMQ_LAST_ENDPOINT and its connections' names end with
//! the path, a connecter's local end has none.

use super::address::{resolve_tcp_bind, resolve_tcp_connect, tcp_endpoint_string};
use super::endpoint::{BindArgs, BindError, Bound, ConnectArgs, Dest, Dial, Opened, Scheme};
use super::stream::{Accept, Conn, Listener, Stream};
use super::tcp;
use super::tls::{self, TlsSession};
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

/// A ws connection: a tcp stream and its [`WsEnd`]; for wss, its TLS.
pub struct WsStream {
    tcp: mio::net::TcpStream,
    end: WsEnd,
    tls: Option<Box<TlsSession>>,
}

/// A ws listener: tcp's, and the path its connections are named with; for
/// wss, the TLS configuration each connection starts with.
pub struct WsListener {
    tcp: mio::net::TcpListener,
    path: String,
    tls: Option<Arc<rustls::ServerConfig>>,
}

/// "ws://ip:port" or "wss://ip:port" (libzmq's ws_address_t and
/// wss_address_t to_string of a socket address).
fn name(addr: &SocketAddr, secure: bool) -> String {
    let t = tcp_endpoint_string(addr);
    let scheme = if secure { "wss" } else { "ws" };
    format!("{scheme}://{}", t.strip_prefix("tcp://").unwrap_or(&t))
}

/// An endpoint split as libzmq's ws_address_t::resolve splits it: the
/// address to resolve, the host (before the last ':'), the path (from the
/// last '/'). The address is the host and the port with anything from a
/// '/' on cut off each, as libzmq's resolver reads them ("h:1/a/b" is h:1,
/// so a ZMQ_LAST_ENDPOINT with a path appended again still connects).
fn split(addr: &str) -> Result<(String, &str, &str), Errno> {
    let colon = addr.rfind(':').ok_or(Errno::EINVAL)?;
    let host = &addr[..colon];
    let path = addr.rfind('/').map_or("/", |i| &addr[i..]);
    let cut = |s: &str| s.split('/').next().unwrap_or_default().to_owned();
    let hostport = cut(host) + ":" + &cut(&addr[colon + 1..]);
    Ok((hostport, host, path))
}

source_by_field!(WsStream, tcp);

impl WsStream {
    /// A name for an end of this connection.
    fn end_name(&self, addr: io::Result<SocketAddr>) -> String {
        let path = if self.end.client { "" } else { &self.end.path };
        addr.map(|a| name(&a, self.tls.is_some()) + path)
            .unwrap_or_default()
    }

    /// wss: the TLS session and the socket under it, which `Stream`'s
    /// reads and writes go through (None for ws: they use the descriptor).
    pub fn tls(&mut self) -> Option<(&mut TlsSession, &mut mio::net::TcpStream)> {
        let tls = self.tls.as_deref_mut()?;
        Some((tls, &mut self.tcp))
    }

    /// wss: TLS output waits for the socket.
    pub fn tls_wants_write(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| t.wants_write())
    }
}

impl Conn for WsStream {
    fn local_name(&self) -> String {
        self.end_name(self.tcp.local_addr())
    }

    fn remote_name(&self) -> String {
        self.end_name(self.tcp.peer_addr())
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
        let tls = match &self.tls {
            Some(config) => Some(Box::new(TlsSession::server(config.clone())?)),
            None => None,
        };
        Ok(WsStream {
            tcp,
            end: WsEnd {
                client: false,
                host: String::new(),
                path: self.path.clone(),
            },
            tls,
        })
    }
}

/// ws's endpoint side (see [`Scheme`]).
pub const SCHEME: Scheme = Scheme {
    name: "ws",
    allows: tcp::not_dgram,
    bind: |addr, args| bind_endpoint(addr, args, false),
    connect: |addr, args| connect_endpoint(addr, args, false),
};

/// wss's: ws's endpoints, with TLS.
pub const SCHEME_WSS: Scheme = Scheme {
    name: "wss",
    allows: tcp::not_dgram,
    bind: |addr, args| bind_endpoint(addr, args, true),
    connect: |addr, args| connect_endpoint(addr, args, true),
};

fn bind_endpoint(addr: &str, args: &BindArgs, secure: bool) -> Result<Bound, BindError> {
    let (hostport, _, path) = split(addr).map_err(|e| BindError::Failed(e, Opened::No))?;
    let path = path.to_owned();
    // libzmq loads the key and chain when the listener is made (and
    // asserts if they do not load); ours refuses the bind.
    let tls = match secure {
        true => Some(
            tls::server_config(&args.transport.wss)
                .ok_or(BindError::Failed(Errno::EINVAL, Opened::No))?,
        ),
        false => None,
    };
    let (tcp, bound) = if args.use_fd != -1 {
        tcp::adopt_socket(args.use_fd).map_err(|e| BindError::Failed(Errno::from(e), Opened::No))?
    } else {
        let at =
            resolve_tcp_bind(&hostport, args.ipv6).map_err(|e| BindError::Failed(e, Opened::No))?;
        tcp::listen_socket(at, args.transport)
            .map_err(|e| BindError::Failed(Errno::from(e), Opened::Unnamed))?
    };
    let endpoint = name(&bound, secure) + &path;
    let secure = tls.is_some();
    let listener = WsListener { tcp, path, tls };
    Ok(Bound::Listener(
        match secure {
            true => Listener::Wss(listener),
            false => Listener::Ws(listener),
        },
        endpoint,
    ))
}

/// libzmq resolves a ws address at zmq_connect, host names included.
fn connect_endpoint(addr: &str, args: &ConnectArgs, secure: bool) -> Result<Dest, Errno> {
    let (hostport, host, path) = split(addr)?;
    let (to, _) = resolve_tcp_connect(&hostport, args.ipv6)?;
    Ok(Dest::Dial(Arc::new(WsDial {
        addr: to,
        host: host.to_owned(),
        path: path.to_owned(),
        secure,
    })))
}

struct WsDial {
    addr: SocketAddr,
    host: String,
    path: String,
    secure: bool,
}

impl Dial for WsDial {
    fn dial(&self, opts: &TransportOptions) -> Result<Stream, i32> {
        // As libzmq's wss engine: the trust and the name are read from the
        // options each time a connection is made.
        let tls = match self.secure {
            true => {
                let (config, name) = tls::client_config(&opts.wss, &self.host);
                let s = TlsSession::client(config, name).map_err(|_| tls::TLS_ERRNO)?;
                Some(Box::new(s))
            }
            false => None,
        };
        let tcp = tcp::connect_socket(self.addr, None, opts)
            .map_err(|err| err.raw_os_error().unwrap_or(0))?;
        let s = WsStream {
            tcp,
            end: WsEnd {
                client: true,
                host: self.host.clone(),
                path: self.path.clone(),
            },
            tls,
        };
        Ok(match self.secure {
            true => Stream::Wss(s),
            false => Stream::Ws(s),
        })
    }

    /// As libzmq's ws_address_t::to_string: the host as given.
    fn name(&self) -> String {
        let scheme = if self.secure { "wss" } else { "ws" };
        format!("{scheme}://{}:{}{}", self.host, self.addr.port(), self.path)
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
            ("127.0.0.1:5555".into(), "127.0.0.1", "/a")
        );
        assert_eq!(split("*:*").unwrap(), ("*:*".into(), "*", "/"));
        // The path from the last '/'; the port up to the first.
        assert_eq!(split("h:1/a/b").unwrap(), ("h:1".into(), "h", "/b"));
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
        let Ok(Bound::Listener(_, e)) = bind_endpoint("127.0.0.1:*/x", &args, false) else {
            panic!("no listener")
        };
        assert!(e.starts_with("ws://127.0.0.1:") && e.ends_with("/x"), "{e}");
        let Ok(Bound::Listener(_, e)) = bind_endpoint("127.0.0.1:*", &args, false) else {
            panic!("no listener")
        };
        assert!(e.ends_with('/'), "{e}");
    }
}
