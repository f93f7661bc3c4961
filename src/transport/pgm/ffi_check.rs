//! The hand-written OpenPGM declarations of ffi.rs checked against Debian's
//! headers (libpgm-dev): a C file includes <pgm/pgm.h>, prints the sizes,
//! offsets and constants the Rust side assumes, and assigns each function
//! to a pointer of the type ffi.rs declares (-Werror: a signature that
//! drifted does not compile).

use super::*;
use std::mem::{offset_of, size_of};

/// The C side of each function type of ffi.rs (`InitFn`, ...), in the same order.
const SIGNATURES: &[(&str, &str)] = &[
    ("pgm_init", "bool (*)(pgm_error_t **)"),
    (
        "pgm_getaddrinfo",
        "bool (*)(const char *, const struct pgm_addrinfo_t *, struct pgm_addrinfo_t **, pgm_error_t **)",
    ),
    ("pgm_freeaddrinfo", "void (*)(struct pgm_addrinfo_t *)"),
    ("pgm_socket", "bool (*)(pgm_sock_t **, sa_family_t, int, int, pgm_error_t **)"),
    ("pgm_setsockopt", "bool (*)(pgm_sock_t *, int, int, const void *, socklen_t)"),
    ("pgm_getsockopt", "bool (*)(pgm_sock_t *, int, int, void *, socklen_t *)"),
    ("pgm_gsi_create_from_data", "bool (*)(pgm_gsi_t *, const uint8_t *, size_t)"),
    (
        "pgm_bind3",
        "bool (*)(pgm_sock_t *, const struct pgm_sockaddr_t *, socklen_t, const struct pgm_interface_req_t *, socklen_t, const struct pgm_interface_req_t *, socklen_t, pgm_error_t **)",
    ),
    ("pgm_connect", "bool (*)(pgm_sock_t *, pgm_error_t **)"),
    ("pgm_close", "bool (*)(pgm_sock_t *, bool)"),
    ("pgm_send", "int (*)(pgm_sock_t *, const void *, size_t, size_t *)"),
    (
        "pgm_recvmsgv",
        "int (*)(pgm_sock_t *, struct pgm_msgv_t *, size_t, int, size_t *, pgm_error_t **)",
    ),
    ("pgm_error_free", "void (*)(pgm_error_t *)"),
    ("pgm_free", "void (*)(void *)"),
];

/// (C expression, the value ffi.rs assumes).
fn expected() -> Vec<(&'static str, usize)> {
    vec![
        ("sizeof(bool)", size_of::<bool>()),
        ("sizeof(pgm_error_t)", size_of::<PgmError>()),
        ("offsetof(pgm_error_t, code)", offset_of!(PgmError, code)),
        ("sizeof(pgm_tsi_t)", size_of::<Tsi>()),
        ("offsetof(pgm_tsi_t, sport)", offset_of!(Tsi, sport)),
        (
            "sizeof(struct pgm_group_source_req)",
            size_of::<GroupSourceReq>(),
        ),
        (
            "offsetof(struct pgm_group_source_req, gsr_group)",
            offset_of!(GroupSourceReq, gsr_group),
        ),
        (
            "offsetof(struct pgm_group_source_req, gsr_addr)",
            offset_of!(GroupSourceReq, gsr_addr),
        ),
        ("sizeof(struct pgm_addrinfo_t)", size_of::<AddrInfo>()),
        (
            "offsetof(struct pgm_addrinfo_t, ai_recv_addrs_len)",
            offset_of!(AddrInfo, ai_recv_addrs_len),
        ),
        (
            "offsetof(struct pgm_addrinfo_t, ai_recv_addrs)",
            offset_of!(AddrInfo, ai_recv_addrs),
        ),
        (
            "offsetof(struct pgm_addrinfo_t, ai_send_addrs_len)",
            offset_of!(AddrInfo, ai_send_addrs_len),
        ),
        (
            "offsetof(struct pgm_addrinfo_t, ai_send_addrs)",
            offset_of!(AddrInfo, ai_send_addrs),
        ),
        ("sizeof(struct pgm_sockaddr_t)", size_of::<SockAddr>()),
        (
            "offsetof(struct pgm_sockaddr_t, sa_addr)",
            offset_of!(SockAddr, sa_addr),
        ),
        (
            "sizeof(struct pgm_interface_req_t)",
            size_of::<InterfaceReq>(),
        ),
        (
            "offsetof(struct pgm_interface_req_t, ir_scope_id)",
            offset_of!(InterfaceReq, ir_scope_id),
        ),
        (
            "offsetof(struct pgm_interface_req_t, ir_address)",
            offset_of!(InterfaceReq, ir_address),
        ),
        ("sizeof(struct pgm_msgv_t)", size_of::<Msgv>()),
        (
            "offsetof(struct pgm_msgv_t, msgv_skb)",
            offset_of!(Msgv, msgv_skb),
        ),
        ("sizeof(struct pgm_sk_buff_t)", size_of::<SkBuff>()),
        (
            "offsetof(struct pgm_sk_buff_t, tsi)",
            offset_of!(SkBuff, tsi),
        ),
        (
            "offsetof(struct pgm_sk_buff_t, len)",
            offset_of!(SkBuff, len),
        ),
        (
            "offsetof(struct pgm_sk_buff_t, data)",
            offset_of!(SkBuff, data),
        ),
        (
            "offsetof(struct pgm_sk_buff_t, users)",
            offset_of!(SkBuff, users),
        ),
        ("sizeof(struct group_req)", GROUP_REQ_LEN),
        ("IPPROTO_PGM", IPPROTO_PGM as usize),
        ("PGM_MAX_FRAGMENTS", PGM_MAX_FRAGMENTS),
        ("PGM_SEND_SOCK", PGM_SEND_SOCK as usize),
        ("PGM_RECV_SOCK", PGM_RECV_SOCK as usize),
        ("PGM_REPAIR_SOCK", PGM_REPAIR_SOCK as usize),
        ("PGM_PENDING_SOCK", PGM_PENDING_SOCK as usize),
        ("PGM_TIME_REMAIN", PGM_TIME_REMAIN as usize),
        ("PGM_RATE_REMAIN", PGM_RATE_REMAIN as usize),
        ("PGM_MTU", PGM_MTU as usize),
        ("PGM_MSS", PGM_MSS as usize),
        ("PGM_MULTICAST_LOOP", PGM_MULTICAST_LOOP as usize),
        ("PGM_MULTICAST_HOPS", PGM_MULTICAST_HOPS as usize),
        ("PGM_TOS", PGM_TOS as usize),
        ("PGM_AMBIENT_SPM", PGM_AMBIENT_SPM as usize),
        ("PGM_HEARTBEAT_SPM", PGM_HEARTBEAT_SPM as usize),
        ("PGM_TXW_SQNS", PGM_TXW_SQNS as usize),
        ("PGM_PEER_EXPIRY", PGM_PEER_EXPIRY as usize),
        ("PGM_SPMR_EXPIRY", PGM_SPMR_EXPIRY as usize),
        ("PGM_RXW_SQNS", PGM_RXW_SQNS as usize),
        ("PGM_NAK_BO_IVL", PGM_NAK_BO_IVL as usize),
        ("PGM_NAK_RPT_IVL", PGM_NAK_RPT_IVL as usize),
        ("PGM_NAK_RDATA_IVL", PGM_NAK_RDATA_IVL as usize),
        ("PGM_NAK_DATA_RETRIES", PGM_NAK_DATA_RETRIES as usize),
        ("PGM_NAK_NCF_RETRIES", PGM_NAK_NCF_RETRIES as usize),
        ("PGM_SEND_ONLY", PGM_SEND_ONLY as usize),
        ("PGM_RECV_ONLY", PGM_RECV_ONLY as usize),
        ("PGM_NOBLOCK", PGM_NOBLOCK as usize),
        ("PGM_SEND_GROUP", PGM_SEND_GROUP as usize),
        ("PGM_JOIN_GROUP", PGM_JOIN_GROUP as usize),
        (
            "PGM_UDP_ENCAP_UCAST_PORT",
            PGM_UDP_ENCAP_UCAST_PORT as usize,
        ),
        (
            "PGM_UDP_ENCAP_MCAST_PORT",
            PGM_UDP_ENCAP_MCAST_PORT as usize,
        ),
        ("PGM_ODATA_MAX_RTE", PGM_ODATA_MAX_RTE as usize),
        ("PGM_IO_STATUS_ERROR", PGM_IO_STATUS_ERROR as usize),
        ("PGM_IO_STATUS_NORMAL", PGM_IO_STATUS_NORMAL as usize),
        ("PGM_IO_STATUS_RESET", PGM_IO_STATUS_RESET as usize),
        (
            "PGM_IO_STATUS_WOULD_BLOCK",
            PGM_IO_STATUS_WOULD_BLOCK as usize,
        ),
        (
            "PGM_IO_STATUS_RATE_LIMITED",
            PGM_IO_STATUS_RATE_LIMITED as usize,
        ),
        (
            "PGM_IO_STATUS_TIMER_PENDING",
            PGM_IO_STATUS_TIMER_PENDING as usize,
        ),
    ]
}

#[test]
fn loads_when_installed() {
    // scripts/deps.sh installs libpgm-5.3-0: here it must load.
    assert!(lib().is_some(), "{SONAME} did not load");
}

#[test]
fn layout_matches_headers() {
    crate::util::dl::check_bindings(
        "pgm",
        "cc",
        "#include <pgm/pgm.h>\n#include <pgm/skbuff.h>\n#include <pgm/msgv.h>\n",
        SIGNATURES,
        &expected(),
        &[
            "-std=gnu99",
            "-Werror=incompatible-pointer-types",
            "-Werror",
            "-I/usr/include/pgm-5.3",
            "-lpgm",
        ],
    );
}
