//! ipc: Unix-domain stream sockets, including `ipc://*` (a generated path)
//! and Linux abstract names (`ipc://@name`).

use super::endpoint::{BindArgs, BindError, Bound, ConnectArgs, Dest, Dial, Opened, Scheme};
use super::stream::{Accept, Conn, Listener, Stream};
use crate::error::{Errno, Result};
use std::io;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::SocketAddr;
use std::path::PathBuf;

/// sockaddr_un's sun_path size minus the NUL.
const MAX_PATH: usize = 107;

fn unix_addr(path: &str) -> Result<SocketAddr> {
    if path.is_empty() || path == "@" {
        return Err(Errno::EINVAL);
    }
    if let Some(name) = path.strip_prefix('@') {
        return SocketAddr::from_abstract_name(name.as_bytes())
            .map_err(|_| Errno(libc::ENAMETOOLONG));
    }
    if path.len() > MAX_PATH {
        return Err(Errno(libc::ENAMETOOLONG));
    }
    SocketAddr::from_pathname(path).map_err(|_| Errno::EINVAL)
}

/// A fresh path for `ipc://*`: a private temporary directory holding "socket",
/// under the first of TMPDIR, TEMPDIR and TMP that is set, as libzmq (which
/// falls back to the current directory; /tmp is kinder).
fn wildcard_path() -> Result<String> {
    let base = ["TMPDIR", "TEMPDIR", "TMP"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|d| !d.is_empty()))
        .unwrap_or_else(|| "/tmp".into());
    let mut template = format!("{base}/tmpXXXXXX\0").into_bytes();
    // SAFETY: mkdtemp edits the NUL-terminated template in place.
    let p = unsafe { libc::mkdtemp(template.as_mut_ptr().cast()) };
    if p.is_null() {
        return Err(Errno::from(std::io::Error::last_os_error()));
    }
    template.pop();
    let dir = String::from_utf8(template).map_err(|_| Errno::EINVAL)?;
    Ok(format!("{dir}/socket"))
}

/// Bind; returns the listener and the endpoint as ZMQ_LAST_ENDPOINT shows it.
pub fn listen(path: &str, backlog: i32) -> Result<(Listener, String)> {
    let wildcard = path == "*";
    let path = if wildcard {
        wildcard_path()?
    } else {
        path.to_owned()
    };
    let addr = unix_addr(&path)?;
    let abstract_name = path.starts_with('@');
    if !abstract_name {
        // A stale socket file from an earlier run would make bind fail.
        let _ = std::fs::remove_file(&path);
    }
    let dir = wildcard.then(|| {
        let p = PathBuf::from(&path);
        p.parent().map(PathBuf::from).unwrap_or_default()
    });
    let std_listener = match bind_with_backlog(&addr, backlog) {
        Ok(l) => l,
        Err(e) => {
            if let Some(dir) = &dir {
                let _ = std::fs::remove_dir(dir);
            }
            return Err(e);
        }
    };
    std_listener.set_nonblocking(true).map_err(Errno::from)?;
    let listener = mio::net::UnixListener::from_std(std_listener);
    let owned = (!abstract_name).then(|| IpcFile::new(PathBuf::from(&path), dir));
    let listener = IpcListener {
        listener,
        file: owned,
    };
    Ok((Listener::Ipc(listener), format!("ipc://{path}")))
}

/// Listen on a socket the application bound itself (ZMQ_USE_FD). The
/// endpoint is `path` as given (libzmq does not ask the socket), and the
/// socket file is the application's: it is never removed here.
pub fn adopt(fd: std::os::fd::RawFd, path: &str) -> Result<(Listener, String)> {
    let owned = super::stream::adopt_listener_fd(fd, false).map_err(Errno::from)?;
    let std_listener = std::os::unix::net::UnixListener::from(owned);
    let listener = mio::net::UnixListener::from_std(std_listener);
    let listener = IpcListener {
        listener,
        file: None,
    };
    Ok((Listener::Ipc(listener), format!("ipc://{path}")))
}

fn bind_with_backlog(addr: &SocketAddr, backlog: i32) -> Result<std::os::unix::net::UnixListener> {
    use std::os::fd::AsRawFd;
    let l = std::os::unix::net::UnixListener::bind_addr(addr).map_err(Errno::from)?;
    // std listens with its own backlog; listening again sets ZMQ_BACKLOG's.
    // SAFETY: listen on a descriptor we own.
    unsafe { libc::listen(l.as_raw_fd(), backlog.max(1)) };
    Ok(l)
}

/// Start a non-blocking connect.
pub fn connect(path: &str) -> Result<Stream> {
    let addr = unix_addr(path)?;
    let s = std::os::unix::net::UnixStream::connect_addr(&addr).map_err(Errno::from)?;
    s.set_nonblocking(true).map_err(Errno::from)?;
    Ok(Stream::Ipc(mio::net::UnixStream::from_std(s)))
}

pub fn check_path(path: &str) -> Result<()> {
    if path != "*" {
        unix_addr(path)?;
    }
    Ok(())
}

/// A listening Unix-domain socket, with the socket file it made, if any
/// (not for abstract names).
pub struct IpcListener {
    listener: mio::net::UnixListener,
    file: Option<IpcFile>,
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

impl Drop for IpcListener {
    /// An ipc listener removes its socket file on unbind/close, unless
    /// another socket has bound the same path since (libzmq 4.3 leaves an
    /// explicit path in place for that reason; removing only our own file
    /// cleans up without breaking the newer listener). The directory made
    /// for `ipc://*` goes too, as in libzmq.
    fn drop(&mut self) {
        if let Some(f) = &self.file {
            if f.id.is_some() && file_id(&f.path) == f.id {
                let _ = std::fs::remove_file(&f.path);
            }
            if let Some(dir) = &f.dir {
                let _ = std::fs::remove_dir(dir);
            }
        }
    }
}

impl Accept for IpcListener {
    type Conn = mio::net::UnixStream;

    fn accept_conn(&self) -> io::Result<mio::net::UnixStream> {
        self.listener.accept().map(|(s, _)| s)
    }
}

source_by_field!(IpcListener, listener);

impl Conn for mio::net::UnixStream {
    fn local_name(&self) -> String {
        self.local_addr().map(|a| ipc_name(&a)).unwrap_or_default()
    }

    fn remote_name(&self) -> String {
        self.peer_addr().map(|a| ipc_name(&a)).unwrap_or_default()
    }

    fn connect_result(&self) -> io::Result<()> {
        match self.take_error()? {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// libzmq leaves an ipc socket's buffers at the system's defaults (its
    /// ZMQ_SNDBUF is tcp's), and so does ours until a large body comes.
    fn grow_send_buffer(&self, bytes: usize) {
        let sock = socket2::SockRef::from(self);
        if sock.send_buffer_size().is_ok_and(|now| now >= bytes) {
            return;
        }
        // Linux doubles what it is asked for (bookkeeping) and caps the
        // request at net.core.wmem_max. A refusal leaves the default: the
        // connection works as before.
        let _ = sock.set_send_buffer_size(bytes / 2);
    }
}

/// "ipc://path", "ipc://@abstract", or "ipc://" for an unnamed socket.
fn ipc_name(a: &std::os::unix::net::SocketAddr) -> String {
    if let Some(p) = a.as_pathname() {
        format!("ipc://{}", p.display())
    } else if let Some(n) = a.as_abstract_name() {
        format!("ipc://@{}", String::from_utf8_lossy(n))
    } else {
        "ipc://".to_owned()
    }
}

/// ipc's endpoint side (see [`Scheme`]).
pub const SCHEME: Scheme = Scheme {
    name: "ipc",
    allows: super::tcp::not_dgram,
    bind: bind_endpoint,
    connect: connect_endpoint,
};

fn connect_endpoint(addr: &str, _: &ConnectArgs) -> Result<Dest> {
    // libzmq takes "ipc://*" literally when connecting.
    check_path(addr)?;
    Ok(Dest::Dial(std::sync::Arc::new(IpcDial(addr.to_owned()))))
}

/// A path a connecter connects to.
struct IpcDial(String);

impl Dial for IpcDial {
    fn dial(&self, _: &super::TransportOptions) -> std::result::Result<Stream, i32> {
        connect(&self.0).map_err(|err| err.0)
    }
    fn name(&self) -> String {
        format!("ipc://{}", self.0)
    }
}

fn bind_endpoint(addr: &str, args: &BindArgs) -> std::result::Result<Bound, BindError> {
    // ZMQ_USE_FD: the application's own bound socket, which the address
    // given to zmq_bind only names.
    let (listened, opened) = if args.use_fd != -1 {
        (adopt(args.use_fd, addr), Opened::No)
    } else if addr != "*" && check_path(addr).is_ok() {
        (listen(addr, args.transport.backlog), Opened::Named)
    } else {
        (listen(addr, args.transport.backlog), Opened::No)
    };
    listened
        .map(|(l, name)| Bound::Listener(l, name))
        .map_err(|e| BindError::Failed(e, opened))
}
