//! OpenPGM (libpgm-5.3), loaded at run time: the few functions and structs
//! libzmq's pgm_socket uses, declared by hand. libzmq.so.5 keeps no hard
//! dependency on libpgm: [`lib`] is None when `libpgm-5.3.so.0` does not
//! load, and then `zmq_has("pgm")` is 0 and pgm/epgm endpoints are refused
//! as by a libzmq built without OpenPGM.
//!
//! Every layout and signature here is checked against Debian's headers
//! (/usr/include/pgm-5.3, libpgm-dev) by the `layout_matches_headers` test,
//! which compiles a C file asserting the same sizes, offsets and function
//! types.

use libc::{c_char, c_int, c_void, size_t, sockaddr_storage, socklen_t};
use std::sync::OnceLock;

/// The shared object Debian's libzmq5 links (package libpgm-5.3-0).
pub const SONAME: &str = "libpgm-5.3.so.0";

pub const IPPROTO_PGM: c_int = 113;

// Socket options (socket.h's enum, counted from PGM_SEND_SOCK = 0x2000).
pub const PGM_SEND_SOCK: c_int = 0x2000;
pub const PGM_RECV_SOCK: c_int = 0x2001;
pub const PGM_REPAIR_SOCK: c_int = 0x2002;
pub const PGM_PENDING_SOCK: c_int = 0x2003;
pub const PGM_TIME_REMAIN: c_int = 0x2005;
pub const PGM_RATE_REMAIN: c_int = 0x2006;
pub const PGM_MTU: c_int = 0x2008;
pub const PGM_MSS: c_int = 0x200a;
pub const PGM_MULTICAST_LOOP: c_int = 0x200c;
pub const PGM_MULTICAST_HOPS: c_int = 0x200d;
pub const PGM_TOS: c_int = 0x200e;
pub const PGM_AMBIENT_SPM: c_int = 0x200f;
pub const PGM_HEARTBEAT_SPM: c_int = 0x2010;
pub const PGM_TXW_SQNS: c_int = 0x2012;
pub const PGM_PEER_EXPIRY: c_int = 0x2015;
pub const PGM_SPMR_EXPIRY: c_int = 0x2016;
pub const PGM_RXW_SQNS: c_int = 0x2018;
pub const PGM_NAK_BO_IVL: c_int = 0x201b;
pub const PGM_NAK_RPT_IVL: c_int = 0x201c;
pub const PGM_NAK_RDATA_IVL: c_int = 0x201d;
pub const PGM_NAK_DATA_RETRIES: c_int = 0x201e;
pub const PGM_NAK_NCF_RETRIES: c_int = 0x201f;
pub const PGM_SEND_ONLY: c_int = 0x2023;
pub const PGM_RECV_ONLY: c_int = 0x2024;
pub const PGM_NOBLOCK: c_int = 0x2027;
pub const PGM_SEND_GROUP: c_int = 0x2028;
pub const PGM_JOIN_GROUP: c_int = 0x2029;
pub const PGM_UDP_ENCAP_UCAST_PORT: c_int = 0x2030;
pub const PGM_UDP_ENCAP_MCAST_PORT: c_int = 0x2031;
pub const PGM_ODATA_MAX_RTE: c_int = 0x2034;

// pgm_recvmsgv / pgm_send results.
pub const PGM_IO_STATUS_ERROR: c_int = 0;
pub const PGM_IO_STATUS_NORMAL: c_int = 1;
pub const PGM_IO_STATUS_RESET: c_int = 2;
pub const PGM_IO_STATUS_WOULD_BLOCK: c_int = 5;
pub const PGM_IO_STATUS_RATE_LIMITED: c_int = 6;
pub const PGM_IO_STATUS_TIMER_PENDING: c_int = 7;

/// sizeof(struct group_req): how much of a pgm_group_source_req
/// PGM_JOIN_GROUP and PGM_SEND_GROUP take, as libzmq passes them.
pub const GROUP_REQ_LEN: usize = 136;

/// packet.h's PGM_MAX_FRAGMENTS: the skb slots of one pgm_msgv_t.
pub const PGM_MAX_FRAGMENTS: usize = 16;

/// The opaque `pgm_sock_t`.
#[repr(C)]
pub struct PgmSock {
    _private: [u8; 0],
}

#[repr(C)]
pub struct PgmError {
    pub domain: c_int,
    pub code: c_int,
    pub message: *mut c_char,
}

#[repr(C)]
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, Debug)]
pub struct Tsi {
    pub gsi: [u8; 6],
    pub sport: u16,
}

#[repr(C)]
pub struct GroupSourceReq {
    pub gsr_interface: u32,
    pub gsr_group: sockaddr_storage,
    pub gsr_source: sockaddr_storage,
    pub gsr_addr: sockaddr_storage,
}

#[repr(C)]
pub struct AddrInfo {
    pub ai_family: libc::sa_family_t,
    pub ai_recv_addrs_len: u32,
    pub ai_recv_addrs: *mut GroupSourceReq,
    pub ai_send_addrs_len: u32,
    pub ai_send_addrs: *mut GroupSourceReq,
}

#[repr(C)]
pub struct SockAddr {
    pub sa_port: u16,
    pub sa_addr: Tsi,
}

#[repr(C)]
pub struct InterfaceReq {
    pub ir_interface: u32,
    pub ir_scope_id: u32,
    pub ir_address: sockaddr_storage,
}

/// `struct pgm_sk_buff_t`: only `tsi`, `len`, `data` and `users` are read;
/// the rest is there for the offsets.
#[repr(C)]
pub struct SkBuff {
    pub link: [*mut c_void; 3],
    pub sock: *mut PgmSock,
    pub tstamp: u64,
    pub tsi: Tsi,
    pub sequence: u32,
    pub padding: u32,
    pub cb: [c_char; 48],
    pub len: u16,
    pub bits: u32,
    pub pgm_header: *mut c_void,
    pub pgm_opt_fragment: *mut c_void,
    pub pgm_opt_pgmcc_data: *mut c_void,
    pub pgm_data: *mut c_void,
    pub head: *mut c_void,
    pub data: *mut c_void,
    pub tail: *mut c_void,
    pub end: *mut c_void,
    pub truesize: u32,
    pub users: u32,
}

#[repr(C)]
pub struct Msgv {
    pub msgv_len: u32,
    pub msgv_skb: [*mut SkBuff; PGM_MAX_FRAGMENTS],
}

// The C types of the functions used, as the headers declare them (`bool`
// is C99's, one byte).
pub type InitFn = unsafe extern "C" fn(*mut *mut PgmError) -> bool;
pub type GetAddrInfoFn = unsafe extern "C" fn(
    *const c_char,
    *const AddrInfo,
    *mut *mut AddrInfo,
    *mut *mut PgmError,
) -> bool;
pub type FreeAddrInfoFn = unsafe extern "C" fn(*mut AddrInfo);
pub type SocketFn = unsafe extern "C" fn(
    *mut *mut PgmSock,
    libc::sa_family_t,
    c_int,
    c_int,
    *mut *mut PgmError,
) -> bool;
pub type SetSockOptFn =
    unsafe extern "C" fn(*mut PgmSock, c_int, c_int, *const c_void, socklen_t) -> bool;
pub type GetSockOptFn =
    unsafe extern "C" fn(*mut PgmSock, c_int, c_int, *mut c_void, *mut socklen_t) -> bool;
pub type GsiFromDataFn = unsafe extern "C" fn(*mut [u8; 6], *const u8, size_t) -> bool;
pub type Bind3Fn = unsafe extern "C" fn(
    *mut PgmSock,
    *const SockAddr,
    socklen_t,
    *const InterfaceReq,
    socklen_t,
    *const InterfaceReq,
    socklen_t,
    *mut *mut PgmError,
) -> bool;
pub type ConnectFn = unsafe extern "C" fn(*mut PgmSock, *mut *mut PgmError) -> bool;
pub type CloseFn = unsafe extern "C" fn(*mut PgmSock, bool) -> bool;
pub type SendFn = unsafe extern "C" fn(*mut PgmSock, *const c_void, size_t, *mut size_t) -> c_int;
pub type RecvMsgvFn = unsafe extern "C" fn(
    *mut PgmSock,
    *mut Msgv,
    size_t,
    c_int,
    *mut size_t,
    *mut *mut PgmError,
) -> c_int;
pub type ErrorFreeFn = unsafe extern "C" fn(*mut PgmError);
pub type FreeFn = unsafe extern "C" fn(*mut c_void);

/// The functions used.
pub struct Lib {
    pub init: InitFn,
    pub getaddrinfo: GetAddrInfoFn,
    pub freeaddrinfo: FreeAddrInfoFn,
    pub socket: SocketFn,
    pub setsockopt: SetSockOptFn,
    pub getsockopt: GetSockOptFn,
    pub gsi_create_from_data: GsiFromDataFn,
    pub bind3: Bind3Fn,
    pub connect: ConnectFn,
    pub close: CloseFn,
    pub send: SendFn,
    pub recvmsgv: RecvMsgvFn,
    pub error_free: ErrorFreeFn,
    pub free: FreeFn,
}

/// OpenPGM, loaded and initialised (pgm_init) on first use; None when the
/// library is not installed or will not initialise. The library stays
/// loaded for the life of the process (libzmq calls pgm_shutdown only when
/// its last context ends, and never unloads it either).
pub fn lib() -> Option<&'static Lib> {
    static LIB: OnceLock<Option<Lib>> = OnceLock::new();
    LIB.get_or_init(load).as_ref()
}

fn load() -> Option<Lib> {
    let l = crate::util::dl::Library::open(SONAME)?;
    let sym = |s: &str| l.sym(s);
    macro_rules! f {
        ($name:literal, $t:ty) => {
            // SAFETY: the symbol is the function of that name in libpgm,
            // whose C type the field's type mirrors (checked against the
            // headers by the layout test).
            unsafe { std::mem::transmute::<*mut c_void, $t>(sym($name)?) }
        };
    }
    let lib = Lib {
        init: f!("pgm_init", InitFn),
        getaddrinfo: f!("pgm_getaddrinfo", GetAddrInfoFn),
        freeaddrinfo: f!("pgm_freeaddrinfo", FreeAddrInfoFn),
        socket: f!("pgm_socket", SocketFn),
        setsockopt: f!("pgm_setsockopt", SetSockOptFn),
        getsockopt: f!("pgm_getsockopt", GetSockOptFn),
        gsi_create_from_data: f!("pgm_gsi_create_from_data", GsiFromDataFn),
        bind3: f!("pgm_bind3", Bind3Fn),
        connect: f!("pgm_connect", ConnectFn),
        close: f!("pgm_close", CloseFn),
        send: f!("pgm_send", SendFn),
        recvmsgv: f!("pgm_recvmsgv", RecvMsgvFn),
        error_free: f!("pgm_error_free", ErrorFreeFn),
        free: f!("pgm_free", FreeFn),
    };
    let mut err: *mut PgmError = std::ptr::null_mut();
    // SAFETY: pgm_init takes an error out-pointer; it may be called more
    // than once (reference counted), we call it once.
    if !unsafe { (lib.init)(&mut err) } {
        // SAFETY: null or the error pgm_init just gave us.
        unsafe { lib.free_error(err) };
        return None;
    }
    Some(lib)
}

impl Lib {
    /// Free an error pgm filled in (nothing if none).
    ///
    /// # Safety
    /// `err` is null or a pgm_error_t libpgm handed us, not yet freed.
    pub unsafe fn free_error(&self, err: *mut PgmError) {
        if !err.is_null() {
            // SAFETY (caller): libpgm's, freed once.
            unsafe { (self.error_free)(err) }
        }
    }

    /// skbuff.h's static inline pgm_free_skb: drop one reference.
    ///
    /// # Safety
    /// `skb` is a buffer libpgm handed us, whose reference we own.
    pub unsafe fn free_skb(&self, skb: *mut SkBuff) {
        // SAFETY (caller): `skb` is live; `users` is updated atomically by
        // libpgm too, so it is read through an atomic of the same size.
        let users = unsafe {
            &*(std::ptr::addr_of_mut!((*skb).users) as *const std::sync::atomic::AtomicU32)
        };
        if users.fetch_sub(1, std::sync::atomic::Ordering::AcqRel) == 1 {
            // SAFETY: the last reference: libpgm allocated it with pgm_malloc.
            unsafe { (self.free)(skb.cast()) }
        }
    }
}

#[cfg(test)]
#[path = "ffi_check.rs"]
mod check;
