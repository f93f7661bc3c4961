//! One OpenPGM socket set up as libzmq's pgm_socket_t does (the options,
//! the GSI, the bind, the groups), its descriptors gathered in one epoll
//! set so the I/O thread's reactor watches a single descriptor, and the
//! calls the engine makes: send one APDU, receive a batch of APDUs.

use super::ffi::{self, Lib, Msgv, PgmError, PgmSock, Tsi};
use crate::error::Errno;
use libc::{c_int, c_void, socklen_t};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// The socket options a pgm endpoint is made with (libzmq reads them when
/// the session starts, i.e. at zmq_connect / zmq_bind).
#[derive(Clone, Debug)]
pub struct PgmOptions {
    /// ZMQ_RATE, kilobits per second.
    pub rate: i32,
    /// ZMQ_RECOVERY_IVL, milliseconds.
    pub recovery_ivl: i32,
    pub multicast_hops: i32,
    pub multicast_maxtpdu: i32,
    pub sndbuf: i32,
    pub rcvbuf: i32,
    /// ZMQ_IN_BATCH_SIZE: how many bytes of APDUs one receive may return.
    pub in_batch_size: usize,
}

/// What a receive gave.
pub enum Recv {
    /// APDUs: [`PgmConn::apdus`] lists them.
    Data,
    /// Unrecoverable loss from this sender: its stream restarts.
    Reset(Tsi),
    /// Nothing to read.
    WouldBlock,
    /// Nothing to read before this many ms (a pgm timer or the rate limit).
    Later(u64),
}

/// What a send did.
pub enum Sent {
    Done,
    /// Over ZMQ_RATE: try again in this many ms.
    RateLimited(u64),
    /// The kernel has no room: wait for the send descriptor.
    WouldBlock,
}

pub struct PgmConn {
    lib: &'static Lib,
    sock: *mut PgmSock,
    epoll: OwnedFd,
    send_fd: Option<RawFd>,
    /// EPOLLOUT is asked for on `send_fd`.
    want_out: bool,
    max_tsdu: usize,
    receiver: bool,
    msgv: Vec<Msgv>,
    /// The APDUs of the last receive: (msgv index, bytes).
    got: Vec<(usize, usize)>,
    scratch: Vec<u8>,
    name: String,
}

// SAFETY: the pgm socket is used by one thread at a time (the I/O thread
// that owns the session; the application thread only made it), and libpgm
// locks its own shared state.
unsafe impl Send for PgmConn {}

/// A failed call's error freed, as libzmq's EINVAL. `err` is what the
/// failed call left in its out-pointer (null or its error).
fn pgm_error(lib: &Lib, err: *mut PgmError) -> Errno {
    // SAFETY: null or the error the call just gave us, freed once here.
    unsafe { lib.free_error(err) };
    Errno::EINVAL
}

/// libzmq's init_address: the port after the last ':' (C's atoi), the
/// network before it (fewer than 255 bytes), resolved by pgm_getaddrinfo.
pub fn resolve(lib: &Lib, addr: &str) -> Result<(*mut ffi::AddrInfo, u16), Errno> {
    let (network, port) = addr.rsplit_once(':').ok_or(Errno::EINVAL)?;
    if network.len() >= 255 {
        return Err(Errno::EINVAL);
    }
    let digits: String = port
        .trim_start()
        .chars()
        .enumerate()
        .take_while(|&(i, c)| c.is_ascii_digit() || (i == 0 && (c == '+' || c == '-')))
        .map(|(_, c)| c)
        .collect();
    let port = digits.parse::<i64>().unwrap_or(0) as u16;
    let cnet = std::ffi::CString::new(network).map_err(|_| Errno::EINVAL)?;
    let mut res: *mut ffi::AddrInfo = std::ptr::null_mut();
    let mut err: *mut PgmError = std::ptr::null_mut();
    // SAFETY: a NUL-terminated string, no hints, and out-pointers we own.
    if !unsafe { (lib.getaddrinfo)(cnet.as_ptr(), std::ptr::null(), &mut res, &mut err) } {
        return Err(pgm_error(lib, err));
    }
    Ok((res, port))
}

/// zmq_connect's check of a pgm address (libzmq's connect_internal): it
/// resolves, with a port other than 0.
pub fn check_address(lib: &Lib, addr: &str) -> Result<(), Errno> {
    let (res, port) = resolve(lib, addr)?;
    // SAFETY: `res` came from pgm_getaddrinfo, freed once.
    unsafe { (lib.freeaddrinfo)(res) };
    if port == 0 {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// libzmq's compute_sqns: the window in packets that holds RECOVERY_IVL at
/// RATE (at least one).
fn sqns(o: &PgmOptions, tpdu: i32) -> c_int {
    let rate = (o.rate as u64) / 8;
    let size = (o.recovery_ivl as u64) * rate;
    (size / tpdu.max(1) as u64).max(1) as c_int
}

impl PgmConn {
    /// Socket `sock`'s integer option.
    fn set(&self, level: c_int, opt: c_int, v: c_int) -> Result<(), Errno> {
        self.set_raw(level, opt, &v as *const c_int as *const c_void, 4)
    }

    fn set_raw(&self, level: c_int, opt: c_int, v: *const c_void, len: usize) -> Result<(), Errno> {
        // SAFETY: `v` points to `len` readable bytes for the call; the
        // socket is ours and open.
        if unsafe { (self.lib.setsockopt)(self.sock, level, opt, v, len as socklen_t) } {
            Ok(())
        } else {
            Err(Errno::EINVAL)
        }
    }

    fn get<T: Copy>(&self, opt: c_int, init: T) -> Option<T> {
        let mut v = init;
        let mut len = std::mem::size_of::<T>() as socklen_t;
        // SAFETY: `v` has room for `len` bytes; the socket is ours.
        let ok = unsafe {
            (self.lib.getsockopt)(
                self.sock,
                ffi::IPPROTO_PGM,
                opt,
                &mut v as *mut T as *mut c_void,
                &mut len,
            )
        };
        (ok && len as usize == std::mem::size_of::<T>()).then_some(v)
    }

    /// A pgm socket for `addr` ("iface;group:port"), raw PGM or, with
    /// `udp`, encapsulated in udp (epgm); a sender (PUB, XPUB) or a
    /// receiver (SUB, XSUB). Errors as libzmq's init: EINVAL.
    pub fn open(addr: &str, udp: bool, receiver: bool, o: &PgmOptions) -> Result<PgmConn, Errno> {
        let lib = ffi::lib().ok_or(Errno::EPROTONOSUPPORT)?;
        let (res, port) = resolve(lib, addr)?;
        let out = Self::open_resolved(lib, res, port, udp, receiver, o);
        // SAFETY: `res` came from pgm_getaddrinfo, freed once, after its
        // last use in open_resolved.
        unsafe { (lib.freeaddrinfo)(res) };
        let mut c = out?;
        c.name = format!("{}://{addr}", if udp { "epgm" } else { "pgm" });
        Ok(c)
    }

    fn open_resolved(
        lib: &'static Lib,
        res: *mut ffi::AddrInfo,
        port: u16,
        udp: bool,
        receiver: bool,
        o: &PgmOptions,
    ) -> Result<PgmConn, Errno> {
        // SAFETY: pgm_getaddrinfo succeeded, so `res` and its first send
        // and receive address are valid.
        let (family, recv, nrecv, send) = unsafe {
            let r = &*res;
            if r.ai_recv_addrs_len == 0 || r.ai_send_addrs_len == 0 {
                return Err(Errno::EINVAL);
            }
            (
                (*r.ai_send_addrs).gsr_group.ss_family,
                r.ai_recv_addrs,
                r.ai_recv_addrs_len as usize,
                r.ai_send_addrs,
            )
        };
        let mut sock: *mut PgmSock = std::ptr::null_mut();
        let mut err: *mut PgmError = std::ptr::null_mut();
        let proto = if udp {
            libc::IPPROTO_UDP
        } else {
            ffi::IPPROTO_PGM
        };
        // SAFETY: out-pointers we own.
        if !unsafe { (lib.socket)(&mut sock, family, libc::SOCK_SEQPACKET, proto, &mut err) } {
            return Err(pgm_error(lib, err));
        }
        // SAFETY: epoll_create1 has no pointer arguments.
        let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if ep < 0 {
            // SAFETY: the socket just made, closed once.
            unsafe { (lib.close)(sock, false) };
            return Err(Errno::from(std::io::Error::last_os_error()));
        }
        let mut c = PgmConn {
            lib,
            sock,
            // SAFETY: a descriptor we just opened and own alone.
            epoll: unsafe { OwnedFd::from_raw_fd(ep) },
            send_fd: None,
            want_out: false,
            max_tsdu: 0,
            receiver,
            msgv: Vec::new(),
            got: Vec::new(),
            scratch: Vec::new(),
            name: String::new(),
        };
        // From here on Drop closes the socket (without flushing, as libzmq's
        // err_abort).
        let pgm = ffi::IPPROTO_PGM;
        if udp {
            c.set(pgm, ffi::PGM_UDP_ENCAP_UCAST_PORT, c_int::from(port))?;
            c.set(pgm, ffi::PGM_UDP_ENCAP_MCAST_PORT, c_int::from(port))?;
        }
        if o.rcvbuf >= 0 {
            c.set(libc::SOL_SOCKET, libc::SO_RCVBUF, o.rcvbuf)?;
        }
        if o.sndbuf >= 0 {
            c.set(libc::SOL_SOCKET, libc::SO_SNDBUF, o.sndbuf)?;
        }
        let tpdu = o.multicast_maxtpdu;
        c.set(pgm, ffi::PGM_MTU, tpdu)?;
        let secs = |s: i64| (s * 1_000_000) as c_int;
        let msecs = |s: i64| (s * 1000) as c_int;
        if receiver {
            c.set(pgm, ffi::PGM_RECV_ONLY, 1)?;
            c.set(pgm, ffi::PGM_RXW_SQNS, sqns(o, tpdu))?;
            c.set(pgm, ffi::PGM_PEER_EXPIRY, secs(300))?;
            c.set(pgm, ffi::PGM_SPMR_EXPIRY, msecs(25))?;
            c.set(pgm, ffi::PGM_NAK_BO_IVL, msecs(50))?;
            c.set(pgm, ffi::PGM_NAK_RPT_IVL, msecs(200))?;
            c.set(pgm, ffi::PGM_NAK_RDATA_IVL, msecs(200))?;
            c.set(pgm, ffi::PGM_NAK_DATA_RETRIES, 50)?;
            c.set(pgm, ffi::PGM_NAK_NCF_RETRIES, 50)?;
        } else {
            c.set(pgm, ffi::PGM_SEND_ONLY, 1)?;
            c.set(
                pgm,
                ffi::PGM_ODATA_MAX_RTE,
                ((o.rate as i64 * 1000) / 8) as c_int,
            )?;
            c.set(pgm, ffi::PGM_TXW_SQNS, sqns(o, tpdu))?;
            c.set(pgm, ffi::PGM_AMBIENT_SPM, secs(30))?;
            let heartbeat: [c_int; 9] = [
                msecs(100),
                msecs(100),
                msecs(100),
                msecs(100),
                msecs(1300),
                secs(7),
                secs(16),
                secs(25),
                secs(30),
            ];
            c.set_raw(
                pgm,
                ffi::PGM_HEARTBEAT_SPM,
                heartbeat.as_ptr().cast(),
                std::mem::size_of_val(&heartbeat),
            )?;
        }
        // A random GSI, the data-destination port, a random source port.
        let mut addr = ffi::SockAddr {
            sa_port: port,
            sa_addr: Tsi::default(),
        };
        let mut seed = [0u8; 8];
        getrandom::getrandom(&mut seed).map_err(|_| Errno::EINVAL)?;
        // SAFETY: a 6-byte GSI to fill and 8 bytes of seed.
        if !unsafe { (lib.gsi_create_from_data)(&mut addr.sa_addr.gsi, seed.as_ptr(), seed.len()) }
        {
            return Err(Errno::EINVAL);
        }
        // SAFETY: an all-zero interface request is valid (then filled in).
        let mut ifr: ffi::InterfaceReq = unsafe { std::mem::zeroed() };
        // SAFETY: `recv` points to at least one entry (checked above).
        let first = unsafe { &*recv };
        ifr.ir_interface = first.gsr_interface;
        if c_int::from(family) == libc::AF_INET6 {
            // SAFETY: an AF_INET6 group is a sockaddr_in6 inside the storage.
            let sa6 = unsafe { &*(&first.gsr_group as *const _ as *const libc::sockaddr_in6) };
            ifr.ir_scope_id = sa6.sin6_scope_id;
        }
        let ifr_len = std::mem::size_of::<ffi::InterfaceReq>() as socklen_t;
        // SAFETY: the structs live across the call, with their sizes.
        if !unsafe {
            (lib.bind3)(
                c.sock,
                &addr,
                std::mem::size_of::<ffi::SockAddr>() as socklen_t,
                &ifr,
                ifr_len,
                &ifr,
                ifr_len,
                &mut err,
            )
        } {
            return Err(pgm_error(lib, err));
        }
        // The groups to join, and where to send: a struct group_req's worth
        // of each entry, as libzmq passes them.
        let group_req = ffi::GROUP_REQ_LEN;
        for i in 0..nrecv {
            // SAFETY: `i` < ai_recv_addrs_len.
            let g = unsafe { recv.add(i) };
            c.set_raw(pgm, ffi::PGM_JOIN_GROUP, g.cast(), group_req)?;
        }
        c.set_raw(pgm, ffi::PGM_SEND_GROUP, send.cast(), group_req)?;
        c.set(pgm, ffi::PGM_MULTICAST_LOOP, 0)?;
        c.set(pgm, ffi::PGM_MULTICAST_HOPS, o.multicast_hops)?;
        if c_int::from(family) != libc::AF_INET6 {
            // Expedited forwarding, as libzmq; not every system allows it.
            let _ = c.set(pgm, ffi::PGM_TOS, 0x2e << 2);
        }
        c.set(pgm, ffi::PGM_NOBLOCK, 1)?;
        // SAFETY: our socket and an error out-pointer.
        if !unsafe { (lib.connect)(c.sock, &mut err) } {
            return Err(pgm_error(lib, err));
        }
        c.max_tsdu = c
            .get::<c_int>(ffi::PGM_MSS, 0)
            .filter(|&m| m > 2)
            .ok_or(Errno::EINVAL)? as usize;
        let fds: &[c_int] = if receiver {
            &[ffi::PGM_RECV_SOCK, ffi::PGM_PENDING_SOCK]
        } else {
            &[
                ffi::PGM_RECV_SOCK,
                ffi::PGM_REPAIR_SOCK,
                ffi::PGM_PENDING_SOCK,
            ]
        };
        for &opt in fds {
            let fd = c.get::<c_int>(opt, -1).ok_or(Errno::EINVAL)?;
            c.watch(libc::EPOLL_CTL_ADD, fd, libc::EPOLLIN as u32)?;
        }
        if !receiver {
            let fd = c
                .get::<c_int>(ffi::PGM_SEND_SOCK, -1)
                .ok_or(Errno::EINVAL)?;
            c.watch(libc::EPOLL_CTL_ADD, fd, 0)?;
            c.send_fd = Some(fd);
        } else {
            let n = o.in_batch_size.div_ceil(c.max_tsdu).max(1);
            // SAFETY: an all-zero pgm_msgv_t (no buffers) is valid.
            c.msgv = (0..n).map(|_| unsafe { std::mem::zeroed() }).collect();
        }
        Ok(c)
    }

    fn watch(&self, op: c_int, fd: RawFd, events: u32) -> Result<(), Errno> {
        let mut ev = libc::epoll_event {
            events,
            u64: fd as u64,
        };
        // SAFETY: our epoll descriptor, an event struct for the call.
        if unsafe { libc::epoll_ctl(self.epoll.as_raw_fd(), op, fd, &mut ev) } < 0 {
            return Err(Errno::from(std::io::Error::last_os_error()));
        }
        Ok(())
    }

    /// The largest APDU one send carries (libzmq's out buffer size).
    pub fn max_tsdu(&self) -> usize {
        self.max_tsdu
    }

    /// A SUB/XSUB's socket (else a PUB/XPUB's).
    pub fn is_receiver(&self) -> bool {
        self.receiver
    }

    /// The endpoint as given ("epgm://iface;group:port").
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Ask (or stop asking) the reactor to report the send descriptor
    /// writable, through the epoll set.
    fn want_output(&mut self, on: bool) {
        if let (Some(fd), true) = (self.send_fd, on != self.want_out) {
            let ev = if on { libc::EPOLLOUT as u32 } else { 0 };
            if self.watch(libc::EPOLL_CTL_MOD, fd, ev).is_ok() {
                self.want_out = on;
            }
        }
    }

    /// A timer libpgm asked for, in ms (PGM_TIME_REMAIN or PGM_RATE_REMAIN).
    fn remain(&self, opt: c_int) -> u64 {
        let tv = self.get(
            opt,
            libc::timeval {
                tv_sec: 0,
                tv_usec: 0,
            },
        );
        match tv {
            Some(tv) => (tv.tv_sec.max(0) as u64) * 1000 + (tv.tv_usec.max(0) as u64) / 1000,
            None => 1,
        }
    }

    /// Send one APDU whole (libzmq's pgm_socket_t::send).
    pub fn send(&mut self, apdu: &[u8]) -> Sent {
        let mut n: usize = 0;
        // SAFETY: `apdu` is readable for its length; `n` is ours.
        let status =
            unsafe { (self.lib.send)(self.sock, apdu.as_ptr().cast(), apdu.len(), &mut n) };
        match status {
            ffi::PGM_IO_STATUS_NORMAL => {
                self.want_output(false);
                Sent::Done
            }
            ffi::PGM_IO_STATUS_RATE_LIMITED => Sent::RateLimited(self.remain(ffi::PGM_RATE_REMAIN)),
            _ => {
                self.want_output(true);
                Sent::WouldBlock
            }
        }
    }

    /// A sender's upstream: NAKs and SPMRs (libzmq's process_upstream).
    /// Some(ms): call again then.
    pub fn process_upstream(&mut self) -> Option<u64> {
        // SAFETY: an all-zero pgm_msgv_t is valid.
        let mut dummy: Msgv = unsafe { std::mem::zeroed() };
        let mut n = 0usize;
        let mut err: *mut PgmError = std::ptr::null_mut();
        // SAFETY: one msgv slot and out-pointers we own.
        let status =
            unsafe { (self.lib.recvmsgv)(self.sock, &mut dummy, 1, 0x2000, &mut n, &mut err) };
        // SAFETY: null or the error the call just gave us.
        unsafe { self.lib.free_error(err) };
        match status {
            ffi::PGM_IO_STATUS_TIMER_PENDING => Some(self.remain(ffi::PGM_TIME_REMAIN)),
            ffi::PGM_IO_STATUS_RATE_LIMITED => Some(self.remain(ffi::PGM_RATE_REMAIN)),
            _ => None,
        }
    }

    /// Receive a batch of APDUs (libzmq's pgm_socket_t::receive).
    pub fn recv(&mut self) -> Recv {
        self.got.clear();
        let mut n = 0usize;
        let mut err: *mut PgmError = std::ptr::null_mut();
        // SAFETY: `msgv` has msgv.len() slots; out-pointers we own. 0x2000
        // is MSG_ERRQUEUE, as libzmq passes it.
        let status = unsafe {
            (self.lib.recvmsgv)(
                self.sock,
                self.msgv.as_mut_ptr(),
                self.msgv.len(),
                0x2000,
                &mut n,
                &mut err,
            )
        };
        // SAFETY: null or the error the call just gave us.
        unsafe { self.lib.free_error(err) };
        match status {
            ffi::PGM_IO_STATUS_NORMAL => {}
            ffi::PGM_IO_STATUS_TIMER_PENDING => {
                return Recv::Later(self.remain(ffi::PGM_TIME_REMAIN))
            }
            ffi::PGM_IO_STATUS_RATE_LIMITED => {
                return Recv::Later(self.remain(ffi::PGM_RATE_REMAIN))
            }
            ffi::PGM_IO_STATUS_RESET => {
                let skb = self
                    .msgv
                    .first()
                    .map_or(std::ptr::null_mut(), |m| m.msgv_skb[0]);
                if skb.is_null() {
                    return Recv::Reset(Tsi::default());
                }
                // SAFETY: on a reset libpgm hands us the first skb of the
                // lost sender, whose reference we own and drop.
                let tsi = unsafe { (*skb).tsi };
                // SAFETY: as above, freed once.
                unsafe { self.lib.free_skb(skb) };
                return Recv::Reset(tsi);
            }
            _ => return Recv::WouldBlock,
        }
        // Walk the slots until the bytes reported are accounted for.
        let mut left = n;
        for (i, m) in self.msgv.iter().enumerate() {
            if left == 0 {
                break;
            }
            let mut len = 0usize;
            for &skb in m
                .msgv_skb
                .iter()
                .take((m.msgv_len as usize).min(ffi::PGM_MAX_FRAGMENTS))
            {
                if !skb.is_null() {
                    // SAFETY: libpgm filled this slot with a live skb.
                    len += unsafe { (*skb).len } as usize;
                }
            }
            if len == 0 {
                break;
            }
            self.got.push((i, len));
            left = left.saturating_sub(len);
        }
        Recv::Data
    }

    /// The APDUs of the last [`recv`](Self::recv): (sender, bytes). An APDU
    /// that came in fragments (never from libzmq, which sends at most a
    /// TSDU) is joined first.
    pub fn for_each_apdu(&mut self, mut f: impl FnMut(Tsi, &[u8])) {
        for k in 0..self.got.len() {
            let (i, len) = self.got[k];
            let m = &self.msgv[i];
            let count = (m.msgv_len as usize).min(ffi::PGM_MAX_FRAGMENTS);
            let first = m.msgv_skb[0];
            if first.is_null() {
                continue;
            }
            // SAFETY: a live skb from the last receive (libpgm keeps it until
            // the next one).
            let tsi = unsafe { (*first).tsi };
            if count == 1 {
                // SAFETY: `data` points to `len` bytes of the skb.
                let bytes = unsafe { std::slice::from_raw_parts((*first).data as *const u8, len) };
                f(tsi, bytes);
                continue;
            }
            self.scratch.clear();
            for &skb in &m.msgv_skb[..count] {
                if !skb.is_null() {
                    // SAFETY: as above, each fragment's `len` bytes at `data`.
                    let part = unsafe {
                        std::slice::from_raw_parts((*skb).data as *const u8, (*skb).len as usize)
                    };
                    self.scratch.extend_from_slice(part);
                }
            }
            let bytes = std::mem::take(&mut self.scratch);
            f(tsi, &bytes);
            self.scratch = bytes;
        }
    }
}

impl Drop for PgmConn {
    fn drop(&mut self) {
        // SAFETY: our socket, closed once; `true` flushes what is queued
        // (libzmq's destructor does the same).
        unsafe { (self.lib.close)(self.sock, true) };
    }
}

impl AsRawFd for PgmConn {
    fn as_raw_fd(&self) -> RawFd {
        self.epoll.as_raw_fd()
    }
}

multicast_source!(PgmConn);

impl crate::transport::stream::Stream {
    /// A pgm/epgm stream: Some(receiver?), for the engine to pick the pgm
    /// wire (io/engine/pgm.rs).
    pub fn pgm_receiver(&self) -> Option<bool> {
        use crate::transport::stream::Stream;
        match self {
            Stream::Pgm(c) | Stream::Epgm(c) => Some(c.is_receiver()),
            _ => None,
        }
    }

    /// The pgm socket of a pgm/epgm stream.
    pub fn pgm_mut(&mut self) -> Option<&mut PgmConn> {
        use crate::transport::stream::Stream;
        match self {
            Stream::Pgm(c) | Stream::Epgm(c) => Some(c),
            _ => None,
        }
    }
}
