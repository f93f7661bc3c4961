//! Access control at accept time: ZMQ_TCP_ACCEPT_FILTER and
//! ZMQ_IPC_FILTER_UID/GID/PID, as libzmq's listeners apply them.
//!
//! A refused peer is closed right after accept, before any engine, session
//! or pipe exists: it never completes a handshake, so the binder can neither
//! hear from it nor send to it (libzmq: tcp_listener_t::accept and
//! ipc_listener_t::filter return retired_fd, and the listener reports
//! ACCEPT_FAILED).

use super::stream::Stream;
use std::ffi::CStr;
use std::net::IpAddr;
use std::os::unix::io::RawFd;

/// One ZMQ_TCP_ACCEPT_FILTER entry: a peer matches when its address shares
/// the first `prefix_len` bits with `address` (and is of the same family:
/// an IPv6 socket's filters hold IPv4 addresses v4-mapped, as the peers it
/// accepts appear).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpAcceptFilter {
    pub address: IpAddr,
    pub prefix_len: u8,
}

impl TcpAcceptFilter {
    pub fn matches(&self, peer: IpAddr) -> bool {
        // Compared as IPv6, an IPv4 address v4-mapped, so a filter and a
        // peer that name the same IPv4 host in the two forms (an IPv6
        // socket bound to an IPv4 address) still meet; an IPv4 prefix
        // covers the mapped address's last 32 bits.
        let (ours, bits) = match self.address {
            IpAddr::V4(a) => (a.to_ipv6_mapped(), u32::from(self.prefix_len.min(32)) + 96),
            IpAddr::V6(a) => (a, u32::from(self.prefix_len.min(128))),
        };
        let theirs = match peer {
            IpAddr::V4(a) => a.to_ipv6_mapped(),
            IpAddr::V6(a) => a,
        };
        let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
        u128::from(ours) & mask == u128::from(theirs) & mask
    }
}

/// The filters a listener applies to every connection it accepts, copied
/// from the socket's options at bind time (as libzmq's listener copies them).
#[derive(Clone, Debug, Default)]
pub struct AcceptFilters {
    pub tcp: Vec<TcpAcceptFilter>,
    pub ipc_uid: Vec<u32>,
    pub ipc_gid: Vec<u32>,
    pub ipc_pid: Vec<i32>,
}

impl AcceptFilters {
    /// May this freshly accepted peer stay?
    pub fn admits(&self, stream: &Stream) -> bool {
        match stream {
            Stream::Tcp(s) => {
                if self.tcp.is_empty() {
                    return true;
                }
                match s.peer_addr() {
                    Ok(a) => self.tcp.iter().any(|f| f.matches(a.ip())),
                    Err(_) => false,
                }
            }
            Stream::Ipc(_) => self.admits_ipc(stream.fd()),
            // libzmq's ws listener (wss's too) applies no
            // ZMQ_TCP_ACCEPT_FILTER.
            Stream::Udp(_)
            | Stream::Ws(_)
            | Stream::Wss(_)
            | Stream::Pgm(_)
            | Stream::Epgm(_)
            | Stream::Norm(_) => true,
        }
    }

    /// libzmq's rule: the peer's uid, gid or pid is listed, or its user is
    /// a member of a listed group.
    fn admits_ipc(&self, fd: RawFd) -> bool {
        if self.ipc_uid.is_empty() && self.ipc_gid.is_empty() && self.ipc_pid.is_empty() {
            return true;
        }
        let Some(cred) = peer_cred(fd) else {
            return false;
        };
        if self.ipc_uid.contains(&cred.uid)
            || self.ipc_gid.contains(&cred.gid)
            || self.ipc_pid.contains(&cred.pid)
        {
            return true;
        }
        let Some(user) = user_name(cred.uid) else {
            return false;
        };
        self.ipc_gid.iter().any(|&g| group_has_member(g, &user))
    }
}

fn peer_cred(fd: RawFd) -> Option<libc::ucred> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: fd is an open Unix stream socket; cred and len are valid for
    // writes of the sizes given.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    (rc == 0).then_some(cred)
}

/// Room for getpwuid_r/getgrgid_r's strings; doubled while they say ERANGE.
const NSS_BUF_START: usize = 1024;
const NSS_BUF_MAX: usize = 1 << 20;

fn user_name(uid: u32) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; NSS_BUF_START];
    loop {
        // SAFETY: zeroed passwd is a valid out-parameter (plain pointers
        // and integers).
        let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the call; buf's length is passed.
        let rc = unsafe {
            libc::getpwuid_r(uid, &mut pw, buf.as_mut_ptr().cast(), buf.len(), &mut found)
        };
        if rc == libc::ERANGE && buf.len() < NSS_BUF_MAX {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 || found.is_null() || pw.pw_name.is_null() {
            return None;
        }
        // SAFETY: pw_name points into buf, NUL-terminated by getpwuid_r.
        return Some(unsafe { CStr::from_ptr(pw.pw_name) }.to_bytes().to_vec());
    }
}

fn group_has_member(gid: u32, user: &[u8]) -> bool {
    let mut buf = vec![0u8; NSS_BUF_START];
    loop {
        // SAFETY: zeroed group is a valid out-parameter.
        let mut gr: libc::group = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::group = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the call; buf's length is passed.
        let rc = unsafe {
            libc::getgrgid_r(gid, &mut gr, buf.as_mut_ptr().cast(), buf.len(), &mut found)
        };
        if rc == libc::ERANGE && buf.len() < NSS_BUF_MAX {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 || found.is_null() || gr.gr_mem.is_null() {
            return false;
        }
        let mut member = gr.gr_mem;
        // SAFETY: gr_mem is a NULL-terminated array of NUL-terminated
        // strings inside buf, which outlives this loop.
        unsafe {
            while !(*member).is_null() {
                if CStr::from_ptr(*member).to_bytes() == user {
                    return true;
                }
                member = member.add(1);
            }
        }
        return false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(a: &str, bits: u8) -> TcpAcceptFilter {
        TcpAcceptFilter {
            address: a.parse().unwrap(),
            prefix_len: bits,
        }
    }

    #[test]
    fn prefix_match() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(f("10.1.0.0", 16).matches(ip("10.1.200.3")));
        assert!(!f("10.1.0.0", 16).matches(ip("10.2.0.1")));
        assert!(f("10.1.128.0", 17).matches(ip("10.1.255.1")));
        assert!(!f("10.1.128.0", 17).matches(ip("10.1.127.1")));
        assert!(f("127.0.0.1", 32).matches(ip("127.0.0.1")));
        assert!(!f("127.0.0.1", 32).matches(ip("127.0.0.2")));
        // A 0-bit mask admits any address of the family, and only that.
        assert!(f("1.2.3.4", 0).matches(ip("9.9.9.9")));
        assert!(!f("1.2.3.4", 0).matches(ip("::1")));
        assert!(f("::", 0).matches(ip("::1")));
        // The same IPv4 host in both forms.
        assert!(f("::ffff:127.0.0.1", 128).matches(ip("127.0.0.1")));
        assert!(f("127.0.0.0", 8).matches(ip("::ffff:127.9.9.9")));
        assert!(!f("127.0.0.0", 8).matches(ip("::ffff:128.0.0.1")));
        assert!(f("::ffff:127.0.0.1", 128).matches(ip("::ffff:127.0.0.1")));
        assert!(!f("::1", 128).matches(ip("127.0.0.1")));
    }

    #[test]
    fn user_and_groups_resolve() {
        // root exists on every Linux system, as group 0.
        assert_eq!(user_name(0).as_deref(), Some(&b"root"[..]));
        assert!(!group_has_member(0, b"no-such-user-here"));
    }
}
