//! One module per socket type: each is a small routing strategy over the
//! shared fair-queue (fq), load-balancer (lb) and distributor (dist).

use super::Pattern;
use crate::constants::*;
use crate::error::{Errno, Result};

pub mod pair;
pub mod pull;
pub mod push;

pub fn create(socket_type: i32) -> Result<Box<dyn Pattern>> {
    Ok(match socket_type {
        ZMQ_PAIR => Box::new(pair::Pair::default()),
        ZMQ_PUSH => Box::new(push::Push::default()),
        ZMQ_PULL => Box::new(pull::Pull::default()),
        _ => return Err(Errno::EINVAL),
    })
}
