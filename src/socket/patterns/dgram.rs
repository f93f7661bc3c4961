//! DGRAM (draft): datagrams over udp as two-part messages [address, body],
//! the address being "ip:port" (the sender on receipt, the destination when
//! sending). Like PAIR the socket has one peer, its bound udp endpoint
//! (libzmq keeps the first pipe and refuses later ones); a message must be
//! exactly two parts.

use super::pair::Pair;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::socket::{Pattern, SocketBase};

/// ZMQ_DGRAM (the constant is draft API).
pub const TYPE: i32 = 18;

#[derive(Default)]
pub struct Dgram {
    pair: Pair,
    /// send: the address part went out; the body is next.
    more_out: bool,
}

impl Pattern for Dgram {
    fn attach(&mut self, base: &mut SocketBase, slot: usize) {
        self.pair.attach(base, slot);
    }

    fn send(&mut self, base: &mut SocketBase, msg: &mut Msg) -> Result<()> {
        // Two parts: the address with MORE, the body without.
        if msg.more() == self.more_out {
            return Err(Errno::EINVAL);
        }
        if self.pair.has_peer() {
            self.pair.send(base, msg)?;
        } else {
            // Nowhere to send: dropped, as libzmq does.
            drop(msg.take());
        }
        self.more_out = !self.more_out;
        Ok(())
    }

    fn recv(&mut self, base: &mut SocketBase) -> Result<Msg> {
        self.pair.recv(base)
    }

    fn has_in(&mut self, base: &mut SocketBase) -> bool {
        self.pair.has_in(base)
    }

    fn has_out(&mut self, base: &mut SocketBase) -> bool {
        self.pair.has_out(base)
    }

    fn read_activated(&mut self, _base: &mut SocketBase, _slot: usize) {}

    fn write_activated(&mut self, _base: &mut SocketBase, _slot: usize) {}

    fn terminated(&mut self, base: &mut SocketBase, slot: usize) {
        self.pair.terminated(base, slot);
        self.more_out = false;
    }
}
