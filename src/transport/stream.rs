//! The byte streams and listeners the I/O threads drive: tcp and ipc
//! (Unix-domain) behind one type each, so sessions do not care which.

use mio::event::Source;
use mio::net::{TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};
use mio::{Interest, Registry, Token};
use std::io::{self, IoSlice, Read};
use std::os::fd::{AsRawFd, RawFd};

use crate::msg::ReadBuf;

pub enum Stream {
    Tcp(TcpStream),
    Ipc(UnixStream),
    /// A bound udp socket (DGRAM): datagrams, driven by session/udp.rs
    /// rather than read/write.
    Udp(UdpSocket),
}

impl Stream {
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Ipc(s) => s.read(buf),
            Stream::Udp(s) => s.recv(buf),
        }
    }

    /// Read into possibly uninitialised memory (no zero-fill first).
    pub fn read_into(&mut self, mut buf: ReadBuf<'_>) -> io::Result<usize> {
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

    /// Write `bufs` in order with one system call: sendmsg(2) with
    /// MSG_NOSIGNAL, so a peer that has gone away makes it fail with EPIPE
    /// instead of raising SIGPIPE, which would kill the application (the
    /// default action; the I/O threads do not block signals).
    pub fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        if let Stream::Udp(_) = self {
            return Err(io::Error::from_raw_os_error(libc::EDESTADDRREQ));
        }
        // SAFETY: an all-zero msghdr is valid (no name, no control data).
        let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
        // IoSlice is guaranteed ABI-compatible with iovec on Unix; sendmsg
        // only reads the iovecs and the bytes they describe.
        hdr.msg_iov = bufs.as_ptr().cast_mut().cast::<libc::iovec>();
        hdr.msg_iovlen = bufs.len().min(libc::c_int::MAX as usize) as _;
        // SAFETY: `hdr` points at `bufs.len()` valid iovecs, each describing
        // a readable region borrowed for the duration of the call; `fd` is
        // our open socket.
        let n = unsafe { libc::sendmsg(self.fd(), &hdr, libc::MSG_NOSIGNAL) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n as usize)
    }

    pub fn fd(&self) -> RawFd {
        match self {
            Stream::Tcp(s) => s.as_raw_fd(),
            Stream::Ipc(s) => s.as_raw_fd(),
            Stream::Udp(s) => s.as_raw_fd(),
        }
    }

    /// The remote address as ZMQ's "Peer-Address" property shows it.
    pub fn peer_address(&self) -> String {
        match self {
            Stream::Tcp(s) => s
                .peer_addr()
                .map(|a| a.ip().to_string())
                .unwrap_or_default(),
            Stream::Ipc(_) | Stream::Udp(_) => String::new(),
        }
    }

    /// A non-blocking connect finished: Ok if it succeeded.
    pub fn take_connect_error(&self) -> io::Result<()> {
        let err = match self {
            Stream::Tcp(s) => s.take_error()?,
            Stream::Ipc(s) => s.take_error()?,
            Stream::Udp(s) => s.take_error()?,
        };
        if let Some(e) = err {
            return Err(e);
        }
        match self {
            Stream::Tcp(s) => s.peer_addr().map(|_| ()),
            Stream::Ipc(_) | Stream::Udp(_) => Ok(()),
        }
    }
}

impl Source for Stream {
    fn register(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.register(r, t, i),
            Stream::Ipc(s) => s.register(r, t, i),
            Stream::Udp(s) => s.register(r, t, i),
        }
    }
    fn reregister(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.reregister(r, t, i),
            Stream::Ipc(s) => s.reregister(r, t, i),
            Stream::Udp(s) => s.reregister(r, t, i),
        }
    }
    fn deregister(&mut self, r: &Registry) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.deregister(r),
            Stream::Ipc(s) => s.deregister(r),
            Stream::Udp(s) => s.deregister(r),
        }
    }
}

pub enum Listener {
    Tcp(TcpListener),
    /// With the socket file it made, if any (not for abstract names).
    Ipc(UnixListener, Option<IpcFile>),
}

/// The file an ipc listener bound, to remove on unbind/close.
pub struct IpcFile {
    pub path: std::path::PathBuf,
    /// Device and inode at bind time: a file another socket has since
    /// bound at the same path is not ours to remove.
    pub id: Option<(u64, u64)>,
    /// The private directory made for `ipc://*`, removed with the file.
    pub dir: Option<std::path::PathBuf>,
}

impl IpcFile {
    pub fn new(path: std::path::PathBuf, dir: Option<std::path::PathBuf>) -> IpcFile {
        let id = file_id(&path);
        IpcFile { path, id, dir }
    }
}

fn file_id(path: &std::path::Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

impl Listener {
    pub fn accept(&self) -> io::Result<Stream> {
        match self {
            Listener::Tcp(l) => {
                let (s, _) = l.accept()?;
                let _ = s.set_nodelay(true);
                Ok(Stream::Tcp(s))
            }
            Listener::Ipc(l, _) => l.accept().map(|(s, _)| Stream::Ipc(s)),
        }
    }

    pub fn fd(&self) -> RawFd {
        match self {
            Listener::Tcp(l) => l.as_raw_fd(),
            Listener::Ipc(l, _) => l.as_raw_fd(),
        }
    }
}

impl Drop for Listener {
    /// An ipc listener removes its socket file on unbind/close, unless
    /// another socket has bound the same path since (libzmq 4.3 leaves an
    /// explicit path in place for that reason; removing only our own file
    /// cleans up without breaking the newer listener). The directory made
    /// for `ipc://*` goes too, as in libzmq.
    fn drop(&mut self) {
        if let Listener::Ipc(_, Some(f)) = self {
            if f.id.is_some() && file_id(&f.path) == f.id {
                let _ = std::fs::remove_file(&f.path);
            }
            if let Some(dir) = &f.dir {
                let _ = std::fs::remove_dir(dir);
            }
        }
    }
}

impl Source for Listener {
    fn register(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        match self {
            Listener::Tcp(l) => l.register(r, t, i),
            Listener::Ipc(l, _) => l.register(r, t, i),
        }
    }
    fn reregister(&mut self, r: &Registry, t: Token, i: Interest) -> io::Result<()> {
        match self {
            Listener::Tcp(l) => l.reregister(r, t, i),
            Listener::Ipc(l, _) => l.reregister(r, t, i),
        }
    }
    fn deregister(&mut self, r: &Registry) -> io::Result<()> {
        match self {
            Listener::Tcp(l) => l.deregister(r),
            Listener::Ipc(l, _) => l.deregister(r),
        }
    }
}
