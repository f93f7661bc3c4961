//! The byte streams and listeners the I/O threads drive: tcp and ipc
//! (Unix-domain) behind one type each, so sessions do not care which.

use mio::event::Source;
use mio::net::{TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};
use mio::{Interest, Registry, Token};
use std::io::{self, IoSlice, Read};
use std::os::fd::{AsRawFd, RawFd};

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

pub enum Stream {
    Tcp(TcpStream),
    Ipc(UnixStream),
    /// A bound udp socket (DGRAM): datagrams, driven by io/engine/udp.rs
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

    /// Set SO_RCVLOWAT of a tcp stream: readable (and woken) only once
    /// `bytes` are queued, or the peer hung up, or the receive window is
    /// nearly closed (so a peer held back by it never deadlocks us; Linux
    /// caps the value at half the largest receive buffer and grows the
    /// buffer to fit). False for other streams, which ignore it in poll.
    pub fn set_rcvlowat(&self, bytes: usize) -> bool {
        let Stream::Tcp(s) = self else { return false };
        let v = bytes.min(i32::MAX as usize) as libc::c_int;
        // SAFETY: `v` is a live c_int of the size passed; the fd is our open
        // socket.
        let rc = unsafe {
            libc::setsockopt(
                s.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVLOWAT,
                (&v as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        rc == 0
    }

    /// The TCP maximum segment size of a connected tcp stream (0 for any
    /// other stream, or when the kernel does not say).
    pub fn segment_size(&self) -> usize {
        match self {
            Stream::Tcp(s) => socket2::SockRef::from(s).mss().map_or(0, |m| m as usize),
            _ => 0,
        }
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
        if let Stream::Udp(_) = self {
            return Err(io::Error::from_raw_os_error(libc::EDESTADDRREQ));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp_pair() -> (Stream, std::net::TcpStream) {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let c = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (a, _) = l.accept().unwrap();
        (Stream::Tcp(TcpStream::from_std(c)), a)
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
