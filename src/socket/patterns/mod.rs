//! One module per socket type: each is a small routing strategy over the
//! shared fair-queue (fq), load-balancer (lb) and distributor (dist).

use super::Pattern;
use crate::constants::*;
use crate::error::{Errno, Result};

pub mod dealer;
pub mod dgram;
pub mod dish;
pub mod pair;
pub mod pull;
pub mod push;
pub mod radio;
pub mod rep;
pub mod req;
pub mod router;
pub mod server;
mod single_part;
pub mod stream;

use single_part::SinglePart;
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
        ZMQ_SERVER | ZMQ_PEER => Box::new(server::Server::default()),
        ZMQ_CLIENT => Box::new(SinglePart::<dealer::Dealer>::default()),
        ZMQ_RADIO => Box::new(radio::Radio::default()),
        ZMQ_DISH => Box::new(dish::Dish::default()),
        ZMQ_GATHER => Box::new(SinglePart::<pull::Pull>::default()),
        ZMQ_SCATTER => Box::new(SinglePart::<push::Push>::default()),
        ZMQ_CHANNEL => Box::new(SinglePart::<pair::Pair>::default()),
        _ => return Err(Errno::EINVAL),
    })
}

/// The draft types libzmq 4.3 makes thread-safe (their constructors pass
/// `thread_safe = true` to socket_base_t; PEER derives from SERVER). DGRAM
/// is not one of them.
pub fn is_thread_safe(socket_type: i32) -> bool {
    matches!(
        socket_type,
        ZMQ_SERVER
            | ZMQ_CLIENT
            | ZMQ_RADIO
            | ZMQ_DISH
            | ZMQ_GATHER
            | ZMQ_SCATTER
            | ZMQ_PEER
            | ZMQ_CHANNEL
    )
}
