//! tcp: listening and connecting sockets, with the socket options libzmq
//! applies (buffers, TOS, keepalive, no Nagle).

use super::address::{
    check_tcp_connect_syntax, literal_tcp_connect, resolve_tcp_bind, tcp_endpoint_string,
};
use super::endpoint::{BindArgs, BindError, Bound, ConnectArgs, Dest, Dial, Opened, Scheme};
use super::stream::{Accept, Conn, Listener, Stream};
use super::TransportOptions;
use crate::error::Errno;
use socket2::{Domain, Protocol, SockAddr, Socket, TcpKeepalive, Type};
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::Duration;

fn new_socket(addr: &SocketAddr, opts: &TransportOptions) -> io::Result<Socket> {
    let sock = Socket::new(
        Domain::for_address(*addr),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    sock.set_cloexec(true)?;
    sock.set_nonblocking(true)?;
    if opts.sndbuf >= 0 {
        sock.set_send_buffer_size(opts.sndbuf as usize)?;
    }
    if opts.rcvbuf >= 0 {
        sock.set_recv_buffer_size(opts.rcvbuf as usize)?;
    }
    if opts.tos != 0 {
        set_tos(&sock, opts.tos)?;
    }
    set_priority(&sock, opts);
    if !opts.bindtodevice.is_empty() {
        sock.bind_device(Some(opts.bindtodevice.as_bytes()))?;
    }
    if opts.busy_poll > 0 {
        // As libzmq, a refusal (EPERM without CAP_NET_ADMIN) is ignored.
        let _ = set_int_opt(&sock, libc::SOL_SOCKET, libc::SO_BUSY_POLL, opts.busy_poll);
    }
    Ok(sock)
}

/// ZMQ_TOS as libzmq's set_ip_type_of_service: IP_TOS, and the IPv6
/// traffic class too (refused on a socket that is not IPv6: ignored).
fn set_tos(sock: &Socket, tos: i32) -> io::Result<()> {
    sock.set_tos(tos as u32)?;
    let _ = set_int_opt(sock, libc::IPPROTO_IPV6, libc::IPV6_TCLASS, tos);
    Ok(())
}

/// ZMQ_PRIORITY, on every socket libzmq sets it on: listening, accepted
/// and connecting. Values above 6 need CAP_NET_ADMIN; a refusal leaves the
/// default (libzmq asserts instead).
fn set_priority(sock: &Socket, opts: &TransportOptions) {
    if opts.priority != 0 {
        let _ = set_int_opt(sock, libc::SOL_SOCKET, libc::SO_PRIORITY, opts.priority);
    }
}

fn set_int_opt(
    sock: &Socket,
    level: libc::c_int,
    opt: libc::c_int,
    v: libc::c_int,
) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: an int option on a socket we hold; v lives across the call.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            level,
            opt,
            (&v as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn apply_stream_options(sock: &Socket, opts: &TransportOptions) -> io::Result<()> {
    sock.set_nodelay(true)?;
    if opts.tcp_keepalive == 1 {
        let mut ka = TcpKeepalive::new();
        if opts.tcp_keepalive_idle > 0 {
            ka = ka.with_time(Duration::from_secs(opts.tcp_keepalive_idle as u64));
        }
        if opts.tcp_keepalive_intvl > 0 {
            ka = ka.with_interval(Duration::from_secs(opts.tcp_keepalive_intvl as u64));
        }
        if opts.tcp_keepalive_cnt > 0 {
            ka = ka.with_retries(opts.tcp_keepalive_cnt as u32);
        }
        sock.set_tcp_keepalive(&ka)?;
    } else if opts.tcp_keepalive == 0 {
        sock.set_keepalive(false)?;
    }
    if opts.tcp_maxrt > 0 {
        sock.set_tcp_user_timeout(Some(Duration::from_millis(opts.tcp_maxrt as u64)))?;
    }
    Ok(())
}

/// Bind and listen; returns the listener and the address actually bound
/// (the real port for `*`).
pub fn listen(addr: SocketAddr, opts: &TransportOptions) -> io::Result<(Listener, SocketAddr)> {
    listen_socket(addr, opts).map(|(l, bound)| (Listener::Tcp(l), bound))
}

/// [`listen`], the bare socket (for transports over tcp: ws).
pub fn listen_socket(
    addr: SocketAddr,
    opts: &TransportOptions,
) -> io::Result<(mio::net::TcpListener, SocketAddr)> {
    let sock = new_socket(&addr, opts)?;
    sock.set_reuse_address(true)?;
    if addr.is_ipv6() {
        // A "*" bind with ZMQ_IPV6 accepts IPv4 too, as libzmq's does.
        let _ = sock.set_only_v6(false);
    }
    sock.bind(&SockAddr::from(addr))?;
    sock.listen(opts.backlog.max(1))?;
    let bound = sock
        .local_addr()?
        .as_socket()
        .ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))?;
    let std_listener: std::net::TcpListener = sock.into();
    Ok((mio::net::TcpListener::from_std(std_listener), bound))
}

/// Listen on a socket the application bound itself (ZMQ_USE_FD); returns
/// the listener and its bound address, as libzmq names the endpoint.
pub fn adopt(fd: std::os::fd::RawFd) -> io::Result<(Listener, SocketAddr)> {
    adopt_socket(fd).map(|(l, bound)| (Listener::Tcp(l), bound))
}

/// [`adopt`], the bare socket.
pub fn adopt_socket(fd: std::os::fd::RawFd) -> io::Result<(mio::net::TcpListener, SocketAddr)> {
    let std_listener = std::net::TcpListener::from(super::stream::adopt_listener_fd(fd, true)?);
    let bound = std_listener.local_addr()?;
    Ok((mio::net::TcpListener::from_std(std_listener), bound))
}

/// Start a non-blocking connect (completion is signalled by writability).
pub fn connect(
    addr: SocketAddr,
    source: Option<SocketAddr>,
    opts: &TransportOptions,
) -> io::Result<Stream> {
    connect_socket(addr, source, opts).map(Stream::Tcp)
}

/// [`connect`], the bare socket (for transports over tcp: ws).
pub fn connect_socket(
    addr: SocketAddr,
    source: Option<SocketAddr>,
    opts: &TransportOptions,
) -> io::Result<mio::net::TcpStream> {
    let sock = new_socket(&addr, opts)?;
    if let Some(src) = source {
        sock.set_reuse_address(true)?;
        sock.bind(&SockAddr::from(src))?;
    }
    apply_stream_options(&sock, opts)?;
    match sock.connect(&SockAddr::from(addr)) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(e),
    }
    let std_stream: std::net::TcpStream = sock.into();
    Ok(mio::net::TcpStream::from_std(std_stream))
}

impl Conn for mio::net::TcpStream {
    fn local_name(&self) -> String {
        self.local_addr()
            .map(|a| tcp_endpoint_string(&a))
            .unwrap_or_default()
    }

    fn remote_name(&self) -> String {
        self.peer_addr()
            .map(|a| tcp_endpoint_string(&a))
            .unwrap_or_default()
    }

    fn peer_address(&self) -> String {
        self.peer_addr()
            .map(|a| a.ip().to_string())
            .unwrap_or_default()
    }

    fn connect_result(&self) -> io::Result<()> {
        if let Some(e) = self.take_error()? {
            return Err(e);
        }
        self.peer_addr().map(|_| ())
    }

    /// Set SO_RCVLOWAT: readable (and woken) only once `bytes` are queued,
    /// or the peer hung up, or the receive window is nearly closed (so a
    /// peer held back by it never deadlocks us; Linux caps the value at
    /// half the largest receive buffer and grows the buffer to fit).
    fn set_rcvlowat(&self, bytes: usize) -> bool {
        let v = bytes.min(i32::MAX as usize) as libc::c_int;
        // SAFETY: `v` is a live c_int of the size passed; the fd is our open
        // socket.
        let rc = unsafe {
            libc::setsockopt(
                self.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVLOWAT,
                (&v as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        rc == 0
    }

    /// The TCP maximum segment size (0 when the kernel does not say).
    fn segment_size(&self) -> usize {
        socket2::SockRef::from(self).mss().map_or(0, |m| m as usize)
    }

    /// Options on an accepted connection.
    fn accepted(&self, opts: &TransportOptions) {
        let sock = socket2::SockRef::from(self);
        let _ = apply_stream_options(&sock, opts);
        // libzmq's listener gives each accepted socket the ToS and priority.
        if opts.tos != 0 {
            let _ = set_tos(&sock, opts.tos);
        }
        set_priority(&sock, opts);
        if opts.sndbuf >= 0 {
            let _ = sock.set_send_buffer_size(opts.sndbuf as usize);
        }
        if opts.rcvbuf >= 0 {
            let _ = sock.set_recv_buffer_size(opts.rcvbuf as usize);
        }
    }
}

impl Accept for mio::net::TcpListener {
    type Conn = mio::net::TcpStream;

    fn accept_conn(&self) -> io::Result<mio::net::TcpStream> {
        let (s, _) = self.accept()?;
        let _ = s.set_nodelay(true);
        Ok(s)
    }
}

/// tcp's endpoint side (see [`Scheme`]).
pub const SCHEME: Scheme = Scheme {
    name: "tcp",
    allows: not_dgram,
    bind: bind_endpoint,
    connect: connect_endpoint,
};

fn connect_endpoint(addr: &str, args: &ConnectArgs) -> Result<Dest, Errno> {
    check_tcp_connect_syntax(addr)?;
    if !args.socks_proxy.is_empty() {
        // As libzmq, the destination is not resolved here: it goes to the
        // proxy as given.
        return Ok(Dest::Socks {
            proxy: String::from_utf8_lossy(args.socks_proxy).into_owned(),
            dest: addr.to_owned(),
        });
    }
    Ok(match literal_tcp_connect(addr, args.ipv6)? {
        Some((addr, source)) => Dest::Dial(dial(addr, source)),
        None => Dest::TcpHost(addr.to_owned()),
    })
}

/// A tcp address (and the optional source address to bind first) as a
/// connecter's [`Dial`].
pub fn dial(addr: SocketAddr, source: Option<SocketAddr>) -> Arc<dyn Dial> {
    Arc::new(TcpDial { addr, source })
}

struct TcpDial {
    addr: SocketAddr,
    source: Option<SocketAddr>,
}

impl Dial for TcpDial {
    fn dial(&self, opts: &TransportOptions) -> Result<Stream, i32> {
        connect(self.addr, self.source, opts).map_err(|err| err.raw_os_error().unwrap_or(0))
    }
    fn name(&self) -> String {
        tcp_endpoint_string(&self.addr)
    }
    fn delayed(&self) -> bool {
        true
    }
}

/// Every socket type but DGRAM, which we keep to udp: libzmq 4.3.4 lets it
/// bind tcp, where it would speak ZMTP with [address, body] messages no
/// peer understands. (ipc's too.)
pub(super) fn not_dgram(socket_type: i32) -> bool {
    socket_type != crate::constants::ZMQ_DGRAM
}

fn bind_endpoint(addr: &str, args: &BindArgs) -> Result<Bound, BindError> {
    // ZMQ_USE_FD: the application's own bound socket; the address given to
    // zmq_bind is not used.
    if args.use_fd != -1 {
        return adopt(args.use_fd)
            .map(|(l, bound)| Bound::Listener(l, tcp_endpoint_string(&bound)))
            .map_err(|e| BindError::Failed(Errno::from(e), Opened::No));
    }
    let at = resolve_tcp_bind(addr, args.ipv6).map_err(|e| BindError::Failed(e, Opened::No))?;
    let (l, bound) = listen(at, args.transport)
        .map_err(|e| BindError::Failed(Errno::from(e), Opened::Unnamed))?;
    Ok(Bound::Listener(l, tcp_endpoint_string(&bound)))
}
