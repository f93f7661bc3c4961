//! norm://: NORM multicast (or unicast) for PUB/XPUB senders and SUB/XSUB
//! receivers, through libnorm loaded at run time (ffi.rs), as libzmq
//! 4.3.4's norm_engine.
//!
//! Endpoints are `[id,][iface;]addr:port`. As in libzmq, zmq_bind means
//! the same as zmq_connect, and every such socket gets one session that
//! sends everything (PUB) or takes everything (SUB filters locally). The
//! NORM session is made at zmq_connect time (libzmq makes it a moment later
//! in its I/O thread and aborts the process if that fails; ours returns the
//! error: EINVAL for an endpoint without a port, EPROTONOSUPPORT without
//! libnorm).

use super::endpoint::{bind_as_connect, ConnectArgs, Dest, Scheme};
use super::stream::Stream;
use crate::constants::{ZMQ_PUB, ZMQ_SUB, ZMQ_XPUB, ZMQ_XSUB};
use crate::error::Result;

pub mod ffi;
pub mod session;

pub use session::{Event, NormConn};

/// Whether libnorm loaded: `zmq_has("norm")`, and whether the scheme exists.
pub fn available() -> bool {
    ffi::lib().is_some()
}

pub const SCHEME: Scheme = Scheme {
    name: "norm",
    allows: |t| matches!(t, ZMQ_PUB | ZMQ_XPUB | ZMQ_SUB | ZMQ_XSUB),
    bind: bind_as_connect,
    connect,
};

fn connect(addr: &str, args: &ConnectArgs) -> Result<Dest> {
    let receiver = matches!(args.socket_type, ZMQ_SUB | ZMQ_XSUB);
    let conn = NormConn::open(addr, receiver)?;
    Ok(Dest::Multicast(Stream::Norm(Box::new(conn))))
}
