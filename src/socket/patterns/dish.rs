//! DISH: receives the RADIO messages of the groups it joined (`zmq_join`,
//! `zmq_leave`); cannot send (ENOTSUP). Joins and leaves go to every peer
//! as notices, and a new peer gets every current group, as libzmq's dish_t.

use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::msg::GROUP_MAX_LENGTH;
use crate::socket::dist::Dist;
use crate::socket::fq::FairQueue;
use crate::socket::{Pattern, SocketBase};
use std::collections::HashSet;

#[derive(Default)]
pub struct Dish {
    fq: FairQueue,
    dist: Dist,
    groups: HashSet<Vec<u8>>,
    /// A matching message read ahead by has_in.
    prefetched: Option<Msg>,
}

fn notice(join: bool, group: &[u8]) -> Result<Msg> {
    let mut m = if join { Msg::join() } else { Msg::leave() };
    m.set_group(group)?;
    Ok(m)
}

impl Dish {
    fn recv_matching(&mut self, base: &mut SocketBase) -> Option<Msg> {
        loop {
            let (msg, _) = self.fq.recv_from(&mut base.pipes, &mut base.dead)?;
            if self.groups.contains(msg.group().to_bytes()) {
                return Some(msg);
            }
        }
    }
}

impl Pattern for Dish {
    fn attach(&mut self, base: &mut SocketBase, slot: usize) {
        self.fq.attach(slot);
        self.dist.attach(slot);
        let pipe = base.pipes.get(slot);
        for g in &self.groups {
            if let Ok(m) = notice(true, g) {
                pipe.write(m);
            }
        }
        pipe.flush();
    }

    fn send(&mut self, _base: &mut SocketBase, _msg: &mut Msg) -> Result<()> {
        Err(Errno::ENOTSUP)
    }

    fn recv(&mut self, base: &mut SocketBase) -> Result<Msg> {
        if let Some(m) = self.prefetched.take() {
            return Ok(m);
        }
        self.recv_matching(base).ok_or(Errno::EAGAIN)
    }

    fn has_in(&mut self, base: &mut SocketBase) -> bool {
        if self.prefetched.is_none() {
            self.prefetched = self.recv_matching(base);
        }
        self.prefetched.is_some()
    }

    /// Joins and leaves can be sent at any time.
    fn has_out(&mut self, _base: &mut SocketBase) -> bool {
        true
    }

    fn read_activated(&mut self, _base: &mut SocketBase, slot: usize) {
        self.fq.activated(slot);
    }

    fn write_activated(&mut self, _base: &mut SocketBase, slot: usize) {
        self.dist.activated(slot);
    }

    fn terminated(&mut self, _base: &mut SocketBase, slot: usize) {
        self.fq.terminated(slot);
        self.dist.terminated(slot);
    }

    fn join(&mut self, base: &mut SocketBase, group: &[u8]) -> Result<()> {
        if group.len() > GROUP_MAX_LENGTH || self.groups.contains(group) {
            return Err(Errno::EINVAL);
        }
        let mut m = notice(true, group)?;
        self.groups.insert(group.to_vec());
        self.dist.send_to_all(&mut base.pipes, &mut m);
        Ok(())
    }

    fn leave(&mut self, base: &mut SocketBase, group: &[u8]) -> Result<()> {
        if group.len() > GROUP_MAX_LENGTH || !self.groups.remove(group) {
            return Err(Errno::EINVAL);
        }
        let mut m = notice(false, group)?;
        self.dist.send_to_all(&mut base.pipes, &mut m);
        Ok(())
    }
}
