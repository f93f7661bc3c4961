//! ipc: Unix-domain stream sockets, including `ipc://*` (a generated path)
//! and Linux abstract names (`ipc://@name`).

use super::stream::{IpcFile, Listener, Stream};
use crate::error::{Errno, Result};
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
    Ok((Listener::Ipc(listener, owned), format!("ipc://{path}")))
}

/// Listen on a socket the application bound itself (ZMQ_USE_FD). The
/// endpoint is `path` as given (libzmq does not ask the socket), and the
/// socket file is the application's: it is never removed here.
pub fn adopt(fd: std::os::fd::RawFd, path: &str) -> Result<(Listener, String)> {
    let owned = super::stream::adopt_listener_fd(fd, false).map_err(Errno::from)?;
    let std_listener = std::os::unix::net::UnixListener::from(owned);
    let listener = mio::net::UnixListener::from_std(std_listener);
    Ok((Listener::Ipc(listener, None), format!("ipc://{path}")))
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
