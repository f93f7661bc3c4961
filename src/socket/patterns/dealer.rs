//! DEALER: load-balance whole messages out, fair-queue them in; send blocks
//! while no peer can take a message. REQ is a DEALER with a state machine on
//! top, so the pipe-level helpers here report which pipe a part used.

use crate::constants::*;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::socket::fq::FairQueue;
use crate::socket::lb::LoadBalancer;
use crate::socket::options::int_value;
use crate::socket::{Pattern, SocketBase};

#[derive(Default)]
pub struct Dealer {
    fq: FairQueue,
    lb: LoadBalancer,
    /// ZMQ_PROBE_ROUTER: greet every new peer with an empty message.
    probe_router: bool,
}

/// Parse an int option libzmq accepts when it is >= 0 (any such value is
/// truthy when non-zero).
pub(crate) fn nonneg_flag(val: &[u8]) -> Result<bool> {
    match int_value(val) {
        Ok(v) if v >= 0 => Ok(v != 0),
        _ => Err(Errno::EINVAL),
    }
}

/// Write an empty probe message to a new pipe (ZMQ_PROBE_ROUTER); like
/// libzmq this ignores the HWM.
pub(crate) fn send_probe(base: &mut SocketBase, slot: usize) {
    let pipe = base.pipes.get(slot);
    pipe.write(Msg::new());
    pipe.flush();
}

impl Dealer {
    /// Send one part; returns the pipe it went to (None: dropped).
    pub(crate) fn send_pipe(
        &mut self,
        base: &mut SocketBase,
        msg: &mut Msg,
    ) -> Result<Option<usize>> {
        self.lb.send(&mut base.pipes, msg)
    }

    /// Receive one part and the pipe it came from.
    pub(crate) fn recv_pipe(&mut self, base: &mut SocketBase) -> Result<(Msg, usize)> {
        self.fq
            .recv_from(&mut base.pipes, &mut base.dead)
            .ok_or(Errno::EAGAIN)
    }
}

impl Pattern for Dealer {
    fn attach(&mut self, base: &mut SocketBase, slot: usize) {
        if self.probe_router {
            send_probe(base, slot);
        }
        self.fq.attach(slot);
        self.lb.attach(slot);
    }

    fn send(&mut self, base: &mut SocketBase, msg: &mut Msg) -> Result<()> {
        self.send_pipe(base, msg).map(|_| ())
    }

    fn recv(&mut self, base: &mut SocketBase) -> Result<Msg> {
        self.recv_pipe(base).map(|(m, _)| m)
    }

    fn has_in(&mut self, base: &mut SocketBase) -> bool {
        self.fq.has_in(&mut base.pipes)
    }

    fn has_out(&mut self, base: &mut SocketBase) -> bool {
        self.lb.has_out(&mut base.pipes)
    }

    fn read_activated(&mut self, _base: &mut SocketBase, slot: usize) {
        self.fq.activated(slot);
    }

    fn write_activated(&mut self, _base: &mut SocketBase, slot: usize) {
        self.lb.activated(slot);
    }

    fn terminated(&mut self, _base: &mut SocketBase, slot: usize) {
        self.fq.terminated(slot);
        self.lb.terminated(slot);
    }

    fn setsockopt(
        &mut self,
        _base: &mut SocketBase,
        option: i32,
        val: &[u8],
    ) -> Option<Result<()>> {
        match option {
            ZMQ_PROBE_ROUTER => Some(nonneg_flag(val).map(|v| self.probe_router = v)),
            // Only ROUTER-like sockets (ROUTER, REP, STREAM) take it.
            ZMQ_CONNECT_ROUTING_ID => Some(Err(Errno::EINVAL)),
            _ => None,
        }
    }
}
