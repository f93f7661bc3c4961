//! The hand-written NORM declarations of ffi.rs checked against Debian's
//! header (libnorm-dev, valid only as C++: it has references and default
//! arguments): a C++ file assigns each function to a pointer of the C type
//! written next to its Rust field here (any other type is an error), and
//! prints the sizes, offsets and constants ffi.rs assumes.

use super::*;
use std::mem::{offset_of, size_of};

/// Each function's C type, as `Lib` declares it (same order).
const SIGNATURES: &[(&str, &str)] = &[
    ("NormCreateInstance", "NormInstanceHandle (*)(bool)"),
    ("NormDestroyInstance", "void (*)(NormInstanceHandle)"),
    ("NormStopInstance", "void (*)(NormInstanceHandle)"),
    (
        "NormGetDescriptor",
        "NormDescriptor (*)(NormInstanceHandle)",
    ),
    (
        "NormGetNextEvent",
        "bool (*)(NormInstanceHandle, NormEvent *, bool)",
    ),
    (
        "NormCreateSession",
        "NormSessionHandle (*)(NormInstanceHandle, const char *, UINT16, NormNodeId)",
    ),
    ("NormDestroySession", "void (*)(NormSessionHandle)"),
    ("NormIsUnicastAddress", "bool (*)(const char *)"),
    ("NormSetTTL", "bool (*)(NormSessionHandle, unsigned char)"),
    (
        "NormSetRxPortReuse",
        "void (*)(NormSessionHandle, bool, const char *, const char *, UINT16)",
    ),
    ("NormSetLoopback", "bool (*)(NormSessionHandle, bool)"),
    (
        "NormSetMulticastInterface",
        "bool (*)(NormSessionHandle, const char *)",
    ),
    (
        "NormSetDefaultUnicastNack",
        "void (*)(NormSessionHandle, bool)",
    ),
    (
        "NormSetDefaultSyncPolicy",
        "void (*)(NormSessionHandle, NormSyncPolicy)",
    ),
    ("NormStartReceiver", "bool (*)(NormSessionHandle, UINT32)"),
    ("NormStopReceiver", "void (*)(NormSessionHandle)"),
    ("NormGetRandomSessionId", "NormSessionId (*)(void)"),
    (
        "NormStartSender",
        "bool (*)(NormSessionHandle, NormSessionId, UINT32, UINT16, UINT16, UINT16, UINT8)",
    ),
    ("NormStopSender", "void (*)(NormSessionHandle)"),
    (
        "NormSetCongestionControl",
        "void (*)(NormSessionHandle, bool, bool)",
    ),
    (
        "NormStreamOpen",
        "NormObjectHandle (*)(NormSessionHandle, UINT32, const char *, unsigned int)",
    ),
    (
        "NormStreamWrite",
        "unsigned int (*)(NormObjectHandle, const char *, unsigned int)",
    ),
    (
        "NormStreamFlush",
        "void (*)(NormObjectHandle, bool, NormFlushMode)",
    ),
    (
        "NormStreamRead",
        "bool (*)(NormObjectHandle, char *, unsigned int *)",
    ),
    ("NormStreamSeekMsgStart", "bool (*)(NormObjectHandle)"),
    ("NormObjectGetType", "NormObjectType (*)(NormObjectHandle)"),
    ("NormNodeDelete", "void (*)(NormNodeHandle)"),
];

/// (C expression, the value ffi.rs assumes).
fn expected() -> Vec<(&'static str, usize)> {
    vec![
        ("sizeof(bool)", size_of::<bool>()),
        ("sizeof(NormInstanceHandle)", size_of::<Handle>()),
        ("sizeof(NormDescriptor)", size_of::<c_int>()),
        ("sizeof(NormNodeId)", size_of::<u32>()),
        ("sizeof(NormSessionId)", size_of::<u16>()),
        ("sizeof(NormSyncPolicy)", size_of::<c_int>()),
        ("sizeof(NormFlushMode)", size_of::<c_int>()),
        ("sizeof(NormObjectType)", size_of::<c_int>()),
        ("sizeof(NormEventType)", size_of::<c_int>()),
        ("sizeof(NormEvent)", size_of::<NormEvent>()),
        (
            "offsetof(NormEvent, session)",
            offset_of!(NormEvent, session),
        ),
        ("offsetof(NormEvent, sender)", offset_of!(NormEvent, sender)),
        ("offsetof(NormEvent, object)", offset_of!(NormEvent, object)),
        ("NORM_TX_QUEUE_VACANCY", NORM_TX_QUEUE_VACANCY as usize),
        ("NORM_TX_QUEUE_EMPTY", NORM_TX_QUEUE_EMPTY as usize),
        (
            "NORM_REMOTE_SENDER_INACTIVE",
            NORM_REMOTE_SENDER_INACTIVE as usize,
        ),
        ("NORM_RX_OBJECT_NEW", NORM_RX_OBJECT_NEW as usize),
        ("NORM_RX_OBJECT_UPDATED", NORM_RX_OBJECT_UPDATED as usize),
        ("NORM_RX_OBJECT_ABORTED", NORM_RX_OBJECT_ABORTED as usize),
        ("NORM_OBJECT_STREAM", NORM_OBJECT_STREAM as usize),
        ("NORM_SYNC_STREAM", NORM_SYNC_STREAM as usize),
        ("NORM_FLUSH_ACTIVE", NORM_FLUSH_ACTIVE as usize),
    ]
}

#[test]
fn loads_when_installed() {
    // scripts/deps.sh installs libnorm1: here it must load, every symbol.
    assert!(lib().is_some(), "{SONAME} did not load");
}

#[test]
fn matches_norm_api_h() {
    crate::util::dl::check_bindings(
        "norm",
        "c++",
        "#include <normApi.h>\n",
        SIGNATURES,
        &expected(),
        &["-lnorm"],
    );
    // The invalid handles are null and NORM_NODE_ANY all ones, as read.
    let l = lib().unwrap();
    assert!(l.instance_invalid.is_null() && l.session_invalid.is_null());
    assert!(l.object_invalid.is_null());
    assert_eq!(l.node_any, u32::MAX);
}
