//! Fair-queuing: take message parts from the active pipes in turn, whole
//! multipart messages at a time (libzmq's fq_t).

use crate::msg::Msg;
use crate::pipe::Pipes;

#[derive(Default)]
pub struct FairQueue {
    /// Slots of attached pipes; the first `active` may have messages.
    pipes: Vec<usize>,
    active: usize,
    current: usize,
    /// In the middle of a multipart message from `pipes[current]`.
    more: bool,
}

impl FairQueue {
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
            if i < self.active {
                self.active -= 1;
                self.pipes.swap(i, self.active);
                if self.current == self.active {
                    self.current = 0;
                }
                if self.current == i && self.more {
                    // A half-read message's source went away.
                    self.more = false;
                }
            }
            let last = self.pipes.len() - 1;
            self.pipes.swap(i.max(self.active), last);
            self.pipes.pop();
        }
    }

    /// Read the next part, noting which pipe it came from. Pipes found empty
    /// are deactivated (their reader is then asleep and will be re-activated
    /// by a command). Pipes whose peer is gone and drained go to `dead`.
    #[inline]
    pub fn recv_from(&mut self, pipes: &mut Pipes, dead: &mut Vec<usize>) -> Option<(Msg, usize)> {
        while self.active > 0 {
            if self.current >= self.active {
                self.current = 0;
            }
            let slot = self.pipes[self.current];
            let pipe = pipes.get(slot);
            if let Some(msg) = pipe.read() {
                self.more = msg.more();
                if !self.more {
                    self.current += 1;
                }
                return Some((msg, slot));
            }
            // A multipart message is published whole, so a pipe cannot run dry
            // in the middle of one unless its writer went away.
            self.more = false;
            if pipe.peer_closed() {
                dead.push(slot);
            }
            self.active -= 1;
            self.pipes.swap(self.current, self.active);
        }
        None
    }

    #[inline]
    pub fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        if self.more {
            return true;
        }
        while self.active > 0 {
            if self.current >= self.active {
                self.current = 0;
            }
            let slot = self.pipes[self.current];
            if pipes.get(slot).check_read() {
                return true;
            }
            self.active -= 1;
            self.pipes.swap(self.current, self.active);
        }
        false
    }
}
