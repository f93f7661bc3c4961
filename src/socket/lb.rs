//! Load-balancing: send whole messages to the writable pipes in turn
//! (libzmq's lb_t).

use super::active_set::ActiveSet;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::Pipes;

#[derive(Default)]
pub struct LoadBalancer {
    /// Active pipes: those that can take a message.
    set: ActiveSet,
    /// In the middle of a multipart message to the current pipe.
    more: bool,
    /// The pipe of the current message went away: drop the rest of it.
    dropping: bool,
}

impl LoadBalancer {
    pub fn attach(&mut self, slot: usize) {
        self.set.attach(slot);
    }

    pub fn activated(&mut self, slot: usize) {
        self.set.activated(slot);
    }

    pub fn terminated(&mut self, slot: usize) {
        if self.set.remove(slot) == Some(true) && self.more {
            self.dropping = true;
        }
    }

    /// Send one part. On EAGAIN the message is left in `msg`.
    #[inline(always)]
    pub fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<Option<usize>> {
        if self.dropping {
            self.more = msg.more();
            self.dropping = self.more;
            *msg = Msg::new();
            return Ok(None);
        }
        while let Some(slot) = self.set.current() {
            let pipe = pipes.get(slot);
            if self.more || pipe.check_write() {
                let more = msg.more();
                pipe.write_taken(msg);
                if !more {
                    pipe.flush();
                    self.set.advance();
                }
                self.more = more;
                return Ok(Some(slot));
            }
            self.set.deactivate_current();
        }
        Err(Errno::EAGAIN)
    }

    #[inline]
    pub fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        if self.more {
            return true;
        }
        while let Some(slot) = self.set.current() {
            if pipes.get(slot).check_write() {
                return true;
            }
            self.set.deactivate_current();
        }
        false
    }
}
