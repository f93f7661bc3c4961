//! include/zmq.h is checked in but generated (build.rs: prologue + cbindgen +
//! epilogue). These tests fail when the checked-in copy is stale, and check the
//! few things of the header that are written by hand against the Rust values.

use std::path::Path;

/// What build.rs generated in this build.
const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/zmq.h"));

fn checked_in() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/zmq.h");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run `make header`", path.display()))
}

#[test]
fn checked_in_header_is_fresh() {
    let ours = checked_in();
    if ours == GENERATED {
        return;
    }
    let first_diff = ours
        .lines()
        .zip(GENERATED.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| ours.lines().count().min(GENERATED.lines().count()));
    panic!(
        "include/zmq.h is stale (it differs from the header build.rs generated, \
         first at line {}:\n  checked in: {:?}\n  generated:  {:?}\n): run `make header` \
         and commit include/zmq.h",
        first_diff + 1,
        ours.lines().nth(first_diff).unwrap_or("<end of file>"),
        GENERATED.lines().nth(first_diff).unwrap_or("<end of file>"),
    );
}

/// cbindgen renders no string constants, so include/zmq_epilogue.h spells the
/// message property names; they must agree with src/constants.rs.
#[cfg(feature = "draft")]
#[test]
fn property_name_macros_match_constants() {
    use zmq::constants::*;
    for (name, value) in [
        ("ZMQ_MSG_PROPERTY_ROUTING_ID", ZMQ_MSG_PROPERTY_ROUTING_ID),
        ("ZMQ_MSG_PROPERTY_SOCKET_TYPE", ZMQ_MSG_PROPERTY_SOCKET_TYPE),
        ("ZMQ_MSG_PROPERTY_USER_ID", ZMQ_MSG_PROPERTY_USER_ID),
        (
            "ZMQ_MSG_PROPERTY_PEER_ADDRESS",
            ZMQ_MSG_PROPERTY_PEER_ADDRESS,
        ),
    ] {
        let define = format!("#define {name} \"{value}\"\n");
        assert!(
            GENERATED.contains(&define),
            "zmq.h lacks `{}`",
            define.trim_end()
        );
    }
}

/// ZMQ_EVENT_ALL_V2 is written by hand, unparenthesised as libzmq has it.
#[cfg(feature = "draft")]
#[test]
fn event_all_v2_matches_constants() {
    use zmq::constants::*;
    assert!(
        GENERATED.contains("#define ZMQ_EVENT_ALL_V2 ZMQ_EVENT_ALL_V1 | ZMQ_EVENT_PIPES_STATS\n")
    );
    assert_eq!(ZMQ_EVENT_ALL_V2, ZMQ_EVENT_ALL_V1 | ZMQ_EVENT_PIPES_STATS);
    assert_eq!(ZMQ_EVENT_ALL_V2, 0x1FFFF);
}

/// Some compilers read headers in a legacy code page: keep zmq.h ASCII.
#[test]
fn header_is_ascii() {
    for (n, line) in GENERATED.lines().enumerate() {
        assert!(line.is_ascii(), "zmq.h line {} is not ASCII: {line}", n + 1);
    }
}

/// Each macro is defined once (cbindgen output, prologue and epilogue must
/// not overlap), and each is a libzmq name. (scripts/check-symbols.sh and
/// check-header.sh hold the functions to libzmq's names.)
#[test]
fn every_macro_defined_once() {
    let mut seen = std::collections::HashSet::new();
    let mut draft = false;
    for line in GENERATED.lines() {
        // Only ZMQ_EXPORT is defined in several (platform) branches.
        if line.starts_with("#if") && line.contains("ZMQ_BUILD_DRAFT_API") {
            draft = true;
        }
        if let Some(rest) = line.strip_prefix("#define ") {
            let name = rest.split([' ', '(']).next().unwrap();
            if name == "ZMQ_EXPORT" || name == "__ZMQ_H_INCLUDED__" {
                continue;
            }
            assert!(seen.insert(name.to_owned()), "zmq.h defines {name} twice");
            // Nothing but libzmq's names: ZMQ_* and the errno values.
            assert!(
                name.starts_with("ZMQ_") || name.starts_with('E'),
                "zmq.h defines {name}, which is not a libzmq name (a `pub const` \
                 in src/capi/ ends up in the header; move it elsewhere)"
            );
        }
    }
    assert!(draft, "zmq.h has no draft section");
}
