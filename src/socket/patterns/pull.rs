//! PULL: fair-queue whole messages from the peers.

use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::socket::fq::FairQueue;
use crate::socket::{Pattern, SocketBase};

#[derive(Default)]
pub struct Pull {
    fq: FairQueue,
}

impl Pattern for Pull {
    fn attach(&mut self, _base: &mut SocketBase, slot: usize) {
        self.fq.attach(slot);
    }

    fn send(&mut self, _base: &mut SocketBase, _msg: &mut Msg) -> Result<()> {
        Err(Errno::ENOTSUP)
    }

    fn recv(&mut self, base: &mut SocketBase) -> Result<Msg> {
        self.fq
            .recv_from(&mut base.pipes, &mut base.dead)
            .map(|(m, _)| m)
            .ok_or(Errno::EAGAIN)
    }

    fn recv_into(&mut self, base: &mut SocketBase, out: &mut Msg) -> Result<()> {
        match self.fq.recv_into(&mut base.pipes, &mut base.dead, out) {
            Some(_) => Ok(()),
            None => Err(Errno::EAGAIN),
        }
    }

    fn has_in(&mut self, base: &mut SocketBase) -> bool {
        self.fq.has_in(&mut base.pipes)
    }

    fn has_out(&mut self, _base: &mut SocketBase) -> bool {
        false
    }

    fn read_activated(&mut self, _base: &mut SocketBase, slot: usize) {
        self.fq.activated(slot);
    }

    fn write_activated(&mut self, _base: &mut SocketBase, _slot: usize) {}

    fn terminated(&mut self, _base: &mut SocketBase, slot: usize) {
        self.fq.terminated(slot);
    }
}
