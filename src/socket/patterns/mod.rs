//! One module per socket type: each is a small routing strategy over the
//! shared fair-queue (fq), load-balancer (lb) and distributor (dist).

use super::Pattern;
use crate::constants::*;
use crate::error::{Errno, Result};

pub mod dealer;
pub mod dgram;
pub mod pair;
pub mod pull;
pub mod push;
pub mod rep;
pub mod req;
pub mod router;
pub mod stream;
pub mod xpub;
pub mod xsub;

pub fn create(socket_type: i32) -> Result<Box<dyn Pattern>> {
    Ok(match socket_type {
        ZMQ_PAIR => Box::new(pair::Pair::default()),
        ZMQ_PUSH => Box::new(push::Push::default()),
        ZMQ_PULL => Box::new(pull::Pull::default()),
        ZMQ_DEALER => Box::new(dealer::Dealer::default()),
        ZMQ_ROUTER => Box::new(router::Router::default()),
        ZMQ_STREAM => Box::new(stream::Stream::default()),
        ZMQ_REQ => Box::new(req::Req::default()),
        ZMQ_REP => Box::new(rep::Rep::default()),
        ZMQ_PUB => Box::new(xpub::XPub::new(true)),
        ZMQ_XPUB => Box::new(xpub::XPub::new(false)),
        ZMQ_SUB => Box::new(xsub::XSub::new(true)),
        ZMQ_XSUB => Box::new(xsub::XSub::new(false)),
        dgram::TYPE => Box::new(dgram::Dgram::default()),
        _ => return Err(Errno::EINVAL),
    })
}
