//! PUSH: load-balance whole messages over the peers; block at HWM.

use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::socket::lb::LoadBalancer;
use crate::socket::{Pattern, SocketBase};

#[derive(Default)]
pub struct Push {
    lb: LoadBalancer,
}

impl Pattern for Push {
    fn attach(&mut self, _base: &mut SocketBase, slot: usize) {
        self.lb.attach(slot);
    }

    fn send(&mut self, base: &mut SocketBase, msg: &mut Msg) -> Result<()> {
        self.lb.send(&mut base.pipes, msg).map(|_| ())
    }

    fn recv(&mut self, _base: &mut SocketBase) -> Result<Msg> {
        Err(Errno::ENOTSUP)
    }

    fn has_in(&mut self, _base: &mut SocketBase) -> bool {
        false
    }

    fn has_out(&mut self, base: &mut SocketBase) -> bool {
        self.lb.has_out(&mut base.pipes)
    }

    fn read_activated(&mut self, _base: &mut SocketBase, _slot: usize) {}

    fn write_activated(&mut self, _base: &mut SocketBase, slot: usize) {
        self.lb.activated(slot);
    }

    fn terminated(&mut self, _base: &mut SocketBase, slot: usize) {
        self.lb.terminated(slot);
    }
}
