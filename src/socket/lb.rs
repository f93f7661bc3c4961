//! Load-balancing: send whole messages to the writable pipes in turn
//! (libzmq's lb_t).

use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::pipe::Pipes;

#[derive(Default)]
pub struct LoadBalancer {
    /// Slots of attached pipes; the first `active` can take a message.
    pipes: Vec<usize>,
    active: usize,
    current: usize,
    /// In the middle of a multipart message to `pipes[current]`.
    more: bool,
    /// The pipe of the current message went away: drop the rest of it.
    dropping: bool,
}

impl LoadBalancer {
    pub fn attach(&mut self, slot: usize) {
        self.pipes.push(slot);
        let last = self.pipes.len() - 1;
        self.pipes.swap(self.active, last);
        self.active += 1;
    }

    pub fn activated(&mut self, slot: usize) {
        if let Some(i) = self.pipes.iter().position(|&s| s == slot) {
            if i >= self.active {
                self.pipes.swap(i, self.active);
                self.active += 1;
            }
        }
    }

    pub fn terminated(&mut self, slot: usize) {
        if let Some(i) = self.pipes.iter().position(|&s| s == slot) {
            if i == self.current && self.more {
                self.dropping = true;
            }
            if i < self.active {
                self.active -= 1;
                self.pipes.swap(i, self.active);
                if self.current == self.active {
                    self.current = 0;
                }
            }
            let last = self.pipes.len() - 1;
            self.pipes.swap(i.max(self.active), last);
            self.pipes.pop();
        }
    }

    /// Send one part. On EAGAIN the message is left in `msg`.
    #[inline]
    pub fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<Option<usize>> {
        if self.dropping {
            self.more = msg.more();
            self.dropping = self.more;
            *msg = Msg::new();
            return Ok(None);
        }
        while self.active > 0 {
            if self.current >= self.active {
                self.current = 0;
            }
            let slot = self.pipes[self.current];
            let pipe = pipes.get(slot);
            if self.more || pipe.check_write() {
                let more = msg.more();
                pipe.write(msg.take());
                if !more {
                    pipe.flush();
                    self.current += 1;
                }
                self.more = more;
                return Ok(Some(slot));
            }
            self.active -= 1;
            self.pipes.swap(self.current, self.active);
        }
        Err(Errno::EAGAIN)
    }

    #[inline]
    pub fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        if self.more {
            return true;
        }
        while self.active > 0 {
            if self.current >= self.active {
                self.current = 0;
            }
            if pipes.get(self.pipes[self.current]).check_write() {
                return true;
            }
            self.active -= 1;
            self.pipes.swap(self.current, self.active);
        }
        false
    }
}
