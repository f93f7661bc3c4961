//! NORM (libnorm.so.1, NRL's NACK-Oriented Reliable Multicast), loaded at
//! run time: the few functions libzmq's norm_engine calls, declared by
//! hand. libzmq.so.5 keeps no hard dependency on libnorm: [`lib`] is None
//! when it does not load, and then `zmq_has("norm")` is 0 and norm://
//! endpoints are refused as by a libzmq built without NORM.
//!
//! Every signature and layout here is checked against Debian's header
//! (/usr/include/normApi.h, libnorm-dev) by the `matches_norm_api_h` test.

use crate::util::dl::Library;
use libc::{c_char, c_int, c_uint, c_void};
use std::sync::OnceLock;

/// The shared object Debian's libzmq5 links (package libnorm1).
pub const SONAME: &str = "libnorm.so.1";

/// Every NORM handle (instance, session, node, object): `const void *`.
pub type Handle = *const c_void;

// NormEventType values libzmq acts on.
pub const NORM_TX_QUEUE_VACANCY: c_int = 1;
pub const NORM_TX_QUEUE_EMPTY: c_int = 2;
pub const NORM_REMOTE_SENDER_INACTIVE: c_int = 14;
pub const NORM_RX_OBJECT_NEW: c_int = 17;
pub const NORM_RX_OBJECT_UPDATED: c_int = 19;
pub const NORM_RX_OBJECT_ABORTED: c_int = 21;
/// NormObjectType NORM_OBJECT_STREAM.
pub const NORM_OBJECT_STREAM: c_int = 3;
/// NormSyncPolicy NORM_SYNC_STREAM.
pub const NORM_SYNC_STREAM: c_int = 1;
/// NormFlushMode NORM_FLUSH_ACTIVE.
pub const NORM_FLUSH_ACTIVE: c_int = 2;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct NormEvent {
    pub kind: c_int,
    pub session: Handle,
    pub sender: Handle,
    pub object: Handle,
}

/// The functions used, with their C types (`bool` is C99's, one byte; the
/// enums are passed as int, their size checked).
pub struct Lib {
    pub create_instance: unsafe extern "C" fn(bool) -> Handle,
    pub destroy_instance: unsafe extern "C" fn(Handle),
    pub stop_instance: unsafe extern "C" fn(Handle),
    pub get_descriptor: unsafe extern "C" fn(Handle) -> c_int,
    pub get_next_event: unsafe extern "C" fn(Handle, *mut NormEvent, bool) -> bool,
    pub create_session: unsafe extern "C" fn(Handle, *const c_char, u16, u32) -> Handle,
    pub destroy_session: unsafe extern "C" fn(Handle),
    pub is_unicast_address: unsafe extern "C" fn(*const c_char) -> bool,
    pub set_ttl: unsafe extern "C" fn(Handle, u8) -> bool,
    pub set_rx_port_reuse: unsafe extern "C" fn(Handle, bool, *const c_char, *const c_char, u16),
    pub set_loopback: unsafe extern "C" fn(Handle, bool) -> bool,
    pub set_multicast_interface: unsafe extern "C" fn(Handle, *const c_char) -> bool,
    pub set_default_unicast_nack: unsafe extern "C" fn(Handle, bool),
    pub set_default_sync_policy: unsafe extern "C" fn(Handle, c_int),
    pub start_receiver: unsafe extern "C" fn(Handle, u32) -> bool,
    pub stop_receiver: unsafe extern "C" fn(Handle),
    pub get_random_session_id: unsafe extern "C" fn() -> u16,
    pub start_sender: unsafe extern "C" fn(Handle, u16, u32, u16, u16, u16, u8) -> bool,
    pub stop_sender: unsafe extern "C" fn(Handle),
    pub set_congestion_control: unsafe extern "C" fn(Handle, bool, bool),
    pub stream_open: unsafe extern "C" fn(Handle, u32, *const c_char, c_uint) -> Handle,
    pub stream_write: unsafe extern "C" fn(Handle, *const c_char, c_uint) -> c_uint,
    pub stream_flush: unsafe extern "C" fn(Handle, bool, c_int),
    pub stream_read: unsafe extern "C" fn(Handle, *mut c_char, *mut c_uint) -> bool,
    pub stream_seek_msg_start: unsafe extern "C" fn(Handle) -> bool,
    pub object_get_type: unsafe extern "C" fn(Handle) -> c_int,
    pub node_delete: unsafe extern "C" fn(Handle),
    /// The library's NORM_*_INVALID and NORM_NODE_ANY constants.
    pub instance_invalid: Handle,
    pub session_invalid: Handle,
    pub object_invalid: Handle,
    pub node_any: u32,
}

// SAFETY: function pointers and constant values read once at load; libnorm
// serialises its own calls (each takes the instance's lock).
unsafe impl Send for Lib {}
// SAFETY: as above; nothing in the table is written after loading.
unsafe impl Sync for Lib {}

/// libnorm, loaded on first use; None when it is not installed (or lacks
/// a symbol we use). The library is never unloaded.
pub fn lib() -> Option<&'static Lib> {
    static LIB: OnceLock<Option<Lib>> = OnceLock::new();
    LIB.get_or_init(load).as_ref()
}

// Each transmute's target is the type of the field it fills (inferred):
// spelling it again would repeat every signature of `Lib`.
#[allow(clippy::missing_transmute_annotations)]
fn load() -> Option<Lib> {
    let l = Library::open(SONAME)?;
    macro_rules! f {
        ($name:literal) => {
            // SAFETY: the symbol is the libnorm function of that name, whose
            // C type the field's type mirrors (checked against normApi.h by
            // the test below); transmute infers the field's type.
            unsafe { std::mem::transmute(l.sym($name)?) }
        };
    }
    macro_rules! constant {
        ($name:literal, $t:ty) => {
            // SAFETY: an exported `const` data object of that C type, set
            // when the library loaded and never changed.
            unsafe { *(l.sym($name)? as *const $t) }
        };
    }
    Some(Lib {
        create_instance: f!("NormCreateInstance"),
        destroy_instance: f!("NormDestroyInstance"),
        stop_instance: f!("NormStopInstance"),
        get_descriptor: f!("NormGetDescriptor"),
        get_next_event: f!("NormGetNextEvent"),
        create_session: f!("NormCreateSession"),
        destroy_session: f!("NormDestroySession"),
        is_unicast_address: f!("NormIsUnicastAddress"),
        set_ttl: f!("NormSetTTL"),
        set_rx_port_reuse: f!("NormSetRxPortReuse"),
        set_loopback: f!("NormSetLoopback"),
        set_multicast_interface: f!("NormSetMulticastInterface"),
        set_default_unicast_nack: f!("NormSetDefaultUnicastNack"),
        set_default_sync_policy: f!("NormSetDefaultSyncPolicy"),
        start_receiver: f!("NormStartReceiver"),
        stop_receiver: f!("NormStopReceiver"),
        get_random_session_id: f!("NormGetRandomSessionId"),
        start_sender: f!("NormStartSender"),
        stop_sender: f!("NormStopSender"),
        set_congestion_control: f!("NormSetCongestionControl"),
        stream_open: f!("NormStreamOpen"),
        stream_write: f!("NormStreamWrite"),
        stream_flush: f!("NormStreamFlush"),
        stream_read: f!("NormStreamRead"),
        stream_seek_msg_start: f!("NormStreamSeekMsgStart"),
        object_get_type: f!("NormObjectGetType"),
        node_delete: f!("NormNodeDelete"),
        instance_invalid: constant!("NORM_INSTANCE_INVALID", Handle),
        session_invalid: constant!("NORM_SESSION_INVALID", Handle),
        object_invalid: constant!("NORM_OBJECT_INVALID", Handle),
        node_any: constant!("NORM_NODE_ANY", u32),
    })
}

#[cfg(test)]
#[path = "ffi_check.rs"]
mod check;
