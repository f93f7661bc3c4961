//! PAIR: exactly one peer; a second one is refused (its pipe is closed).

use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::socket::{Pattern, SocketBase};

#[derive(Default)]
pub struct Pair {
    pipe: Option<usize>,
    /// In the middle of sending a multipart message.
    more_out: bool,
}

impl Pair {
    /// Whether the peer pipe is attached (DGRAM drops sends without one).
    pub(super) fn has_peer(&self) -> bool {
        self.pipe.is_some()
    }
}

impl Pattern for Pair {
    fn attach(&mut self, base: &mut SocketBase, slot: usize) {
        if self.pipe.is_none() {
            self.pipe = Some(slot);
        } else {
            base.dead.push(slot);
        }
    }

    fn send(&mut self, base: &mut SocketBase, msg: &mut Msg) -> Result<()> {
        let slot = self.pipe.ok_or(Errno::EAGAIN)?;
        let pipe = base.pipes.get(slot);
        if !self.more_out && !pipe.check_write() {
            return Err(Errno::EAGAIN);
        }
        let more = msg.more();
        pipe.write_taken(msg);
        if !more {
            pipe.flush();
        }
        self.more_out = more;
        Ok(())
    }

    fn recv(&mut self, base: &mut SocketBase) -> Result<Msg> {
        let slot = self.pipe.ok_or(Errno::EAGAIN)?;
        let pipe = base.pipes.get(slot);
        match pipe.read() {
            Some(m) => Ok(m),
            None => {
                if pipe.peer_closed() {
                    base.dead.push(slot);
                }
                Err(Errno::EAGAIN)
            }
        }
    }

    fn has_in(&mut self, base: &mut SocketBase) -> bool {
        self.pipe.is_some_and(|s| base.pipes.get(s).check_read())
    }

    fn has_out(&mut self, base: &mut SocketBase) -> bool {
        self.more_out || self.pipe.is_some_and(|s| base.pipes.get(s).check_write())
    }

    fn read_activated(&mut self, _base: &mut SocketBase, _slot: usize) {}

    fn write_activated(&mut self, _base: &mut SocketBase, _slot: usize) {}

    fn terminated(&mut self, _base: &mut SocketBase, slot: usize) {
        if self.pipe == Some(slot) {
            self.pipe = None;
            self.more_out = false;
        }
    }
}
