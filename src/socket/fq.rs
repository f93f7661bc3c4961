//! Fair-queuing: take message parts from the active pipes in turn, whole
//! multipart messages at a time (libzmq's fq_t).

use super::active_set::ActiveSet;
use crate::msg::Msg;
use crate::pipe::Pipes;

#[derive(Default)]
pub struct FairQueue {
    /// Active pipes: those that may have messages.
    set: ActiveSet,
    /// In the middle of a multipart message from the current pipe.
    more: bool,
}

impl FairQueue {
    pub fn attach(&mut self, slot: usize) {
        self.set.attach(slot);
    }

    pub fn activated(&mut self, slot: usize) {
        self.set.activated(slot);
    }

    pub fn terminated(&mut self, slot: usize) {
        if self.set.remove(slot) == Some(true) {
            // A half-read message's source went away.
            self.more = false;
        }
    }

    /// Read the next part, noting which pipe it came from. Pipes found empty
    /// are deactivated (their reader is then asleep and will be re-activated
    /// by a command). Pipes whose peer is gone and drained go to `dead`.
    #[inline]
    pub fn recv_from(&mut self, pipes: &mut Pipes, dead: &mut Vec<usize>) -> Option<(Msg, usize)> {
        while let Some(slot) = self.set.current() {
            let pipe = pipes.get(slot);
            if let Some(msg) = pipe.read() {
                self.more = msg.more();
                if !self.more {
                    self.set.advance();
                }
                return Some((msg, slot));
            }
            // A multipart message is published whole, so a pipe cannot run dry
            // in the middle of one unless its writer went away.
            self.more = false;
            if pipe.peer_closed() {
                dead.push(slot);
            }
            self.set.deactivate_current();
        }
        None
    }

    /// [`recv_from`](Self::recv_from), but straight into `out` (untouched
    /// when nothing is ready); returns the pipe's slot.
    #[inline]
    pub fn recv_into(
        &mut self,
        pipes: &mut Pipes,
        dead: &mut Vec<usize>,
        out: &mut Msg,
    ) -> Option<usize> {
        while let Some(slot) = self.set.current() {
            let pipe = pipes.get(slot);
            if pipe.read_into(out) {
                self.more = out.more();
                if !self.more {
                    self.set.advance();
                }
                return Some(slot);
            }
            self.more = false;
            if pipe.peer_closed() {
                dead.push(slot);
            }
            self.set.deactivate_current();
        }
        None
    }

    #[inline]
    pub fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        if self.more {
            return true;
        }
        while let Some(slot) = self.set.current() {
            if pipes.get(slot).check_read() {
                return true;
            }
            self.set.deactivate_current();
        }
        false
    }
}
