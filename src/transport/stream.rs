//! The byte streams and listeners the I/O threads drive, one variant per
//! transport, generated from the registry below: a transport plugs in with
//! its own file (`transport/<name>.rs`, implementing [`Conn`] for its
//! connected socket and [`Accept`] for its listener) and one line in the
//! `transports!` registry. The engine stays transport-blind: it reads and
//! writes through the descriptor (readv, sendmsg) whatever the transport,
//! and asks [`Conn`] only for what differs (names, tcp tuning); wss alone
//! reads and writes through its TLS session (`transport::tls`), behind the
//! same `Stream` calls.
//!
//! An enum rather than a `Box<dyn Conn>`: the per-message calls (`fd`, the
//! reads and writes) stay static, and a new variant makes the compiler list
//! any `match` still to extend.

use mio::event::Source;
use mio::{Interest, Registry, Token};
use std::io::{self, IoSlice};
use std::os::fd::{AsRawFd, RawFd};

use super::endpoint::Scheme;
use super::TransportOptions;
use crate::msg::ReadBuf;

/// The most buffers one write takes (the engines fill at most this many).
pub const MAX_IOV: usize = 64;

/// How much of a vectored write [`Stream::write_vectored`] may hold back.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Trim {
    /// Write everything.
    None,
    /// With more than one segment of this size queued, whole segments only.
    Segments(usize),
    /// At most this many bytes.
    Cap(usize),
}

/// A transport's connected socket: what the engine asks beyond its
/// descriptor.
pub trait Conn: Source + AsRawFd {
    /// Our end as libzmq names it in events ("tcp://127.0.0.1:5555",
    /// "ipc:///tmp/x"); empty if the kernel will not say.
    fn local_name(&self) -> String;
    /// The peer's end, named as `local_name` names ours.
    fn remote_name(&self) -> String;
    /// The remote address as ZMQ's "Peer-Address" property shows it.
    fn peer_address(&self) -> String {
        String::new()
    }
    /// A non-blocking connect finished: Ok if it succeeded.
    fn connect_result(&self) -> io::Result<()>;
    /// See [`Stream::set_rcvlowat`]; false where the transport ignores it.
    fn set_rcvlowat(&self, _bytes: usize) -> bool {
        false
    }
    /// See [`Stream::grow_send_buffer`]; nothing where the transport leaves
    /// its send buffer alone.
    fn grow_send_buffer(&self, _bytes: usize) {}
    /// See [`Stream::segment_size`]; 0 where there are no segments.
    fn segment_size(&self) -> usize {
        0
    }
    /// Apply the socket's options to a connection just accepted.
    fn accepted(&self, _opts: &TransportOptions) {}
    /// Datagrams (udp): driven by io/engine/udp.rs, not by reads and writes.
    fn is_datagram(&self) -> bool {
        false
    }
    /// A WebSocket (ws): the engine runs ZWS over the bytes, starting with
    /// the upgrade this says how to make.
    fn websocket(&self) -> Option<&super::ws::WsEnd> {
        None
    }
}

/// A transport's listening socket.
pub trait Accept: Source + AsRawFd {
    type Conn;
    fn accept_conn(&self) -> io::Result<Self::Conn>;
}

/// Generates [`Stream`], [`Listener`] and [`SCHEMES`] from the registry:
/// one line per transport, `Variant(connected socket type[, listener
/// type]) = its endpoint descriptor`.
macro_rules! transports {
    ($($name:ident($conn:ty $(, $listener:ty)?) = $scheme:path),* $(,)?) => {
        /// Every transport's endpoint side, looked up by
        /// [`scheme`](super::endpoint::scheme).
        pub static SCHEMES: &[&Scheme] = &[$(&$scheme,)*];

        pub enum Stream {
            $($name($conn),)*
        }

        pub enum Listener {
            $($($name($listener),)?)*
        }

        impl Stream {
            /// The descriptor every read and write goes through (a static
            /// match: it is on the per-message path).
            pub fn fd(&self) -> RawFd {
                match self {
                    $(Stream::$name(s) => s.as_raw_fd(),)*
                }
            }

            /// Datagrams (udp) rather than a byte stream: asked on every
            /// write and pump, so static too.
            pub fn is_datagram(&self) -> bool {
                match self {
                    $(Stream::$name(s) => Conn::is_datagram(s),)*
                }
            }

            fn conn(&self) -> &dyn Conn {
                match self {
                    $(Stream::$name(s) => s,)*
                }
            }

            fn conn_mut(&mut self) -> &mut dyn Conn {
                match self {
                    $(Stream::$name(s) => s,)*
                }
            }
        }

        impl Listener {
            pub fn accept(&self) -> io::Result<Stream> {
                match self {
                    $($(Listener::$name(l) => {
                        let l: &$listener = l;
                        l.accept_conn().map(Stream::$name)
                    })?)*
                }
            }

            pub fn fd(&self) -> RawFd {
                match self {
                    $($(Listener::$name(l) => {
                        let l: &$listener = l;
                        l.as_raw_fd()
                    })?)*
                }
            }

            fn source(&mut self) -> &mut dyn Source {
                match self {
                    $($(Listener::$name(l) => {
                        let l: &mut $listener = l;
                        l
                    })?)*
                }
            }
        }
    };
}

// The registry.
transports! {
    Tcp(mio::net::TcpStream, mio::net::TcpListener) = super::tcp::SCHEME,
    Ipc(mio::net::UnixStream, super::ipc::IpcListener) = super::ipc::SCHEME,
    Udp(mio::net::UdpSocket) = super::udp::SCHEME,
    Ws(super::ws::WsStream, super::ws::WsListener) = super::ws::SCHEME,
    Wss(super::ws::WsStream, super::ws::WsListener) = super::ws::SCHEME_WSS,
    Pgm(Box<super::pgm::PgmConn>) = super::pgm::SCHEME,
    Epgm(Box<super::pgm::PgmConn>) = super::pgm::SCHEME_EPGM,
    Norm(Box<super::norm::NormConn>) = super::norm::SCHEME,
}

impl Stream {
    /// Read into possibly uninitialised memory (no zero-fill first).
    pub fn read_into(&mut self, mut buf: ReadBuf<'_>) -> io::Result<usize> {
        if let Stream::Wss(s) = self {
            if let Some((tls, tcp)) = s.tls() {
                return tls.read(tcp, buf, None);
            }
        }
        let fd = self.fd();
        // SAFETY: read(2) only writes into the region; nothing uninitialised
        // is written into it from here.
        let dst = unsafe { buf.as_uninit_mut() };
        // SAFETY: `dst` is valid for writes of `dst.len()` bytes for the
        // duration of the call; `fd` is our open socket.
        let n = unsafe { libc::read(fd, dst.as_mut_ptr().cast(), dst.len()) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = n as usize;
        // SAFETY: the kernel wrote the first `n` bytes (it returns how many).
        unsafe { buf.assume_init(n) };
        Ok(n)
    }

    /// [`read_into`](Self::read_into) `first`, then `second` (if any) with
    /// the same system call (readv(2)).
    pub fn read_into_vectored(
        &mut self,
        mut first: ReadBuf<'_>,
        second: Option<ReadBuf<'_>>,
    ) -> io::Result<usize> {
        let Some(mut second) = second.filter(|b| !b.is_empty()) else {
            return self.read_into(first);
        };
        if let Stream::Wss(s) = self {
            if let Some((tls, tcp)) = s.tls() {
                return tls.read(tcp, first, Some(second));
            }
        }
        let fd = self.fd();
        // SAFETY: readv(2) only writes into the regions; nothing
        // uninitialised is written into them from here.
        let (a, b) = unsafe { (first.as_uninit_mut(), second.as_uninit_mut()) };
        let (a_len, b_len) = (a.len(), b.len());
        let iov = [
            libc::iovec {
                iov_base: a.as_mut_ptr().cast(),
                iov_len: a_len,
            },
            libc::iovec {
                iov_base: b.as_mut_ptr().cast(),
                iov_len: b_len,
            },
        ];
        // SAFETY: both iovecs describe regions valid for writes of their
        // lengths for the duration of the call; `fd` is our open socket.
        let n = unsafe { libc::readv(fd, iov.as_ptr(), 2) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = n as usize;
        // SAFETY: readv fills the iovecs in order: the kernel wrote the first
        // `n` bytes across them.
        unsafe {
            first.assume_init(n.min(a_len));
            second.assume_init(n.saturating_sub(a_len));
        }
        Ok(n)
    }

    /// Set SO_RCVLOWAT of a tcp stream: readable (and woken) only once
    /// `bytes` are queued, or the peer hung up, or the receive window is
    /// nearly closed (so a peer held back by it never deadlocks us; Linux
    /// caps the value at half the largest receive buffer and grows the
    /// buffer to fit). False for other streams, which ignore it in poll.
    pub fn set_rcvlowat(&self, bytes: usize) -> bool {
        self.conn().set_rcvlowat(bytes)
    }

    /// Raise the kernel's send buffer to at least `bytes` (as SO_SNDBUF
    /// counts them) on a stream whose buffer does not grow by itself (ipc:
    /// Unix sockets have no autotuning); other transports leave it alone,
    /// and a refusal by the kernel leaves the default.
    pub fn grow_send_buffer(&self, bytes: usize) {
        self.conn().grow_send_buffer(bytes)
    }

    /// The TCP maximum segment size of a connected tcp stream (0 for any
    /// other stream, or when the kernel does not say).
    pub fn segment_size(&self) -> usize {
        self.conn().segment_size()
    }

    /// Write `bufs` in order with one system call: sendmsg(2) with
    /// MSG_NOSIGNAL, so a peer that has gone away makes it fail with EPIPE
    /// instead of raising SIGPIPE, which would kill the application (the
    /// default action; the I/O threads do not block signals).
    ///
    /// `trim` may write less than all of `bufs` (the rest goes with the
    /// next write). [`Trim::Segments`] (a tcp stream's MSS) with more than
    /// one segment's worth queued writes only whole segments: writes that
    /// end in a part-filled segment with more data right behind measured 2x
    /// slower for 64 KiB messages over loopback (Linux 6.18). [`Trim::Cap`]
    /// writes at most that many bytes.
    pub fn write_vectored(&mut self, bufs: &[IoSlice<'_>], trim: Trim) -> io::Result<usize> {
        if self.is_datagram() {
            return Err(io::Error::from_raw_os_error(libc::EDESTADDRREQ));
        }
        if let Stream::Wss(s) = self {
            if let Some((tls, tcp)) = s.tls() {
                return tls.write(tcp, bufs);
            }
        }
        // SAFETY: an all-zero msghdr is valid (no name, no control data).
        let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
        // Counted and filled only when trimming can apply.
        let total: usize = if trim != Trim::None && bufs.len() <= MAX_IOV {
            bufs.iter().map(|b| b.len()).sum()
        } else {
            0
        };
        // How many bytes to write when fewer than all (0: all of them).
        let mut room = match trim {
            Trim::Segments(seg) if seg > 0 && total > seg => total / seg * seg,
            Trim::Cap(cap) if total > cap => cap,
            _ => 0,
        };
        let mut trimmed: [libc::iovec; MAX_IOV];
        if room > 0 {
            trimmed = [libc::iovec {
                iov_base: std::ptr::null_mut(),
                iov_len: 0,
            }; MAX_IOV];
            let mut k = 0;
            for b in bufs {
                if room == 0 {
                    break;
                }
                let len = b.len().min(room);
                trimmed[k] = libc::iovec {
                    iov_base: b.as_ptr().cast_mut().cast(),
                    iov_len: len,
                };
                room -= len;
                k += 1;
            }
            hdr.msg_iov = trimmed.as_mut_ptr();
            hdr.msg_iovlen = k as _;
        } else {
            // IoSlice is guaranteed ABI-compatible with iovec on Unix;
            // sendmsg only reads the iovecs and the bytes they describe.
            hdr.msg_iov = bufs.as_ptr().cast_mut().cast::<libc::iovec>();
            hdr.msg_iovlen = bufs.len().min(libc::c_int::MAX as usize) as _;
        }
        // SAFETY: `hdr` points at `bufs.len()` valid iovecs, each describing
        // a readable region borrowed for the duration of the call; `fd` is
        // our open socket.
        let n = unsafe { libc::sendmsg(self.fd(), &hdr, libc::MSG_NOSIGNAL) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n as usize)
    }

    /// The remote address as ZMQ's "Peer-Address" property shows it.
    pub fn peer_address(&self) -> String {
        self.conn().peer_address()
    }

    /// A non-blocking connect finished: Ok if it succeeded.
    pub fn take_connect_error(&self) -> io::Result<()> {
        self.conn().connect_result()
    }

    /// Our end as monitor events name it (see [`Conn::local_name`]).
    pub fn local_name(&self) -> String {
        self.conn().local_name()
    }

    /// The peer's end as monitor events name it.
    pub fn remote_name(&self) -> String {
        self.conn().remote_name()
    }

    /// Apply the socket's options to a connection just accepted.
    pub fn accepted(&self, opts: &TransportOptions) {
        self.conn().accepted(opts)
    }

    /// Output of the transport's own (TLS records) waits for the socket:
    /// a write, even of nothing, moves it.
    pub fn wants_write(&self) -> bool {
        match self {
            Stream::Wss(s) => s.tls_wants_write(),
            _ => false,
        }
    }

    /// See [`Conn::websocket`].
    pub fn websocket(&self) -> Option<&super::ws::WsEnd> {
        self.conn().websocket()
    }
}

impl Source for Stream {
    fn register(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        self.conn_mut().register(r, t, i)
    }
    fn reregister(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        self.conn_mut().reregister(r, t, i)
    }
    fn deregister(&mut self, r: &Registry) -> io::Result<()> {
        self.conn_mut().deregister(r)
    }
}

impl Source for Listener {
    fn register(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        self.source().register(r, t, i)
    }
    fn reregister(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        self.source().reregister(r, t, i)
    }
    fn deregister(&mut self, r: &Registry) -> io::Result<()> {
        self.source().deregister(r)
    }
}

/// A descriptor the application made and gave with ZMQ_USE_FD, checked to
/// be a stream socket of the given domain (AF_INET/AF_INET6 or AF_UNIX).
/// From here on it is the listener's: libzmq's listener closes it too.
pub fn adopt_listener_fd(fd: RawFd, inet: bool) -> io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    let int_opt = |opt: libc::c_int| -> io::Result<libc::c_int> {
        let mut v: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: v and len are valid for writes of the sizes given; a bad
        // descriptor makes the call fail (EBADF/ENOTSOCK), nothing else.
        let rc = unsafe {
            libc::getsockopt(
                fd,
                libc::SOL_SOCKET,
                opt,
                (&mut v as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        if rc == 0 {
            Ok(v)
        } else {
            Err(io::Error::last_os_error())
        }
    };
    let domain = int_opt(libc::SO_DOMAIN)?;
    let wanted = if inet {
        domain == libc::AF_INET || domain == libc::AF_INET6
    } else {
        domain == libc::AF_UNIX
    };
    if int_opt(libc::SO_TYPE)? != libc::SOCK_STREAM || !wanted {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    // SAFETY: fd is an open socket (getsockopt succeeded) that the
    // application handed over with ZMQ_USE_FD, as libzmq takes it.
    let owned = unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) };
    let sock = socket2::Socket::from(owned);
    sock.set_nonblocking(true)?;
    Ok(sock.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mio::net::TcpStream;
    use std::io::Read;

    fn tcp_pair() -> (Stream, std::net::TcpStream) {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let c = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (a, _) = l.accept().unwrap();
        (Stream::Tcp(TcpStream::from_std(c)), a)
    }

    /// ZMQ_USE_FD takes only a stream socket of the transport's family:
    /// anything else is EINVAL at bind (and stays the caller's to close).
    #[test]
    fn use_fd_refuses_what_is_not_a_listening_stream_socket() {
        use std::os::fd::AsRawFd;
        let einval = |r: io::Result<std::os::fd::OwnedFd>| {
            r.err().and_then(|e| e.raw_os_error()) == Some(libc::EINVAL)
        };
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        assert!(einval(adopt_listener_fd(udp.as_raw_fd(), true)));
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        assert!(einval(adopt_listener_fd(tcp.as_raw_fd(), false)));
        let file = std::fs::File::open("/dev/null").unwrap();
        assert!(adopt_listener_fd(file.as_raw_fd(), true).is_err());
        // A tcp listener is taken (the OwnedFd now owns it: hand it back).
        let owned = adopt_listener_fd(tcp.as_raw_fd(), true).unwrap();
        std::mem::forget(owned);
    }

    #[test]
    fn writes_end_on_a_segment_boundary_while_more_is_queued() {
        let (mut s, mut peer) = tcp_pair();
        assert!(s.segment_size() > 0, "a connected tcp stream has an MSS");
        let a = [1u8; 700];
        let b = [2u8; 1800];
        let bufs = [IoSlice::new(&a), IoSlice::new(&b)];
        // 2500 bytes queued, segments of 1000: two whole segments go now.
        assert_eq!(s.write_vectored(&bufs, Trim::Segments(1000)).unwrap(), 2000);
        // The rest is under a segment: all of it goes.
        assert_eq!(
            s.write_vectored(&[IoSlice::new(&b[1300..])], Trim::Segments(1000))
                .unwrap(),
            500
        );
        // A cap: no more than it.
        assert_eq!(s.write_vectored(&bufs, Trim::Cap(800)).unwrap(), 800);
        // No trim: everything.
        assert_eq!(s.write_vectored(&bufs, Trim::None).unwrap(), 2500);
        let mut got = vec![0u8; 5800];
        let mut n = 0;
        while n < got.len() {
            n += peer.read(&mut got[n..]).unwrap();
        }
        let mut want = Vec::new();
        want.extend_from_slice(&a);
        want.extend_from_slice(&b[..1300]);
        want.extend_from_slice(&b[1300..]);
        want.extend_from_slice(&a);
        want.extend_from_slice(&b[..100]);
        want.extend_from_slice(&a);
        want.extend_from_slice(&b);
        assert_eq!(got, want);
    }
}
