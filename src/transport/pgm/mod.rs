//! pgm:// and epgm://: PGM multicast (raw IP, or encapsulated in udp) for
//! PUB/XPUB senders and SUB/XSUB receivers, through OpenPGM loaded at run
//! time (ffi.rs), as libzmq's pgm_socket, pgm_sender and pgm_receiver.
//!
//! Endpoints are `[e]pgm://iface-or-address;group:port` (OpenPGM's
//! network syntax before the port). As in libzmq, zmq_bind means the same
//! as zmq_connect here, and every such socket gets one session that sends
//! everything (PUB) or takes everything (SUB filters locally). The socket
//! is made at zmq_connect time (libzmq makes it a moment later in its I/O
//! thread and aborts the process if that fails; ours returns EINVAL, or
//! EPROTONOSUPPORT without OpenPGM).

use super::endpoint::{bind_as_connect, ConnectArgs, Dest, Scheme};
use super::stream::Stream;
use crate::constants::{ZMQ_PUB, ZMQ_SUB, ZMQ_XPUB, ZMQ_XSUB};
use crate::error::{Errno, Result};

pub mod ffi;
pub mod socket;

pub use socket::{PgmConn, PgmOptions, Recv, Sent};

/// Whether OpenPGM loaded: `zmq_has("pgm")`, and whether the schemes exist.
pub fn available() -> bool {
    ffi::lib().is_some()
}

fn allows(t: i32) -> bool {
    matches!(t, ZMQ_PUB | ZMQ_XPUB | ZMQ_SUB | ZMQ_XSUB)
}

/// Raw PGM over IP (needs CAP_NET_RAW).
pub const SCHEME: Scheme = Scheme {
    name: "pgm",
    allows,
    bind: bind_as_connect,
    connect: |addr, args| connect(addr, false, args),
};

/// PGM encapsulated in udp.
pub const SCHEME_EPGM: Scheme = Scheme {
    name: "epgm",
    allows,
    bind: bind_as_connect,
    connect: |addr, args| connect(addr, true, args),
};

fn connect(addr: &str, udp: bool, args: &ConnectArgs) -> Result<Dest> {
    let lib = ffi::lib().ok_or(Errno::EPROTONOSUPPORT)?;
    socket::check_address(lib, addr)?;
    let receiver = matches!(args.socket_type, ZMQ_SUB | ZMQ_XSUB);
    let conn = PgmConn::open(addr, udp, receiver, &args.pgm)?;
    let conn = Box::new(conn);
    Ok(Dest::Multicast(if udp {
        Stream::Epgm(conn)
    } else {
        Stream::Pgm(conn)
    }))
}
