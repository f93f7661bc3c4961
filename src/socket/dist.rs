//! The distributor: send each message to a set of pipes (all of them, or
//! those a subscription matched), whole multipart messages at a time
//! (libzmq's dist_t).
//!
//! The pipe list is split into nested prefixes:
//! `[0, matching)` chosen for the current message, `[0, active)` writable,
//! `[0, eligible)` writable once the current multipart message is done (a
//! pipe attached mid-message must not get its tail). Pipes past `eligible`
//! were full and wait for ActivateWrite. Payloads are shared by `Msg::clone`
//! (a refcount for large messages, a bit copy for small ones): no byte copy,
//! no allocation.

use crate::msg::Msg;
use crate::pipe::Pipes;

const NONE: usize = usize::MAX;

#[derive(Default)]
pub struct Dist {
    pipes: Vec<usize>,
    /// `pos[slot]`: index of the pipe in `pipes` (NONE if not ours).
    pos: Vec<usize>,
    matching: usize,
    active: usize,
    eligible: usize,
    /// In the middle of a multipart message.
    more: bool,
}

impl Dist {
    #[inline]
    fn swap(&mut self, i: usize, j: usize) {
        if i != j {
            self.pipes.swap(i, j);
            self.pos[self.pipes[i]] = i;
            self.pos[self.pipes[j]] = j;
        }
    }

    #[inline]
    fn index(&self, slot: usize) -> Option<usize> {
        match self.pos.get(slot) {
            Some(&i) if i != NONE => Some(i),
            _ => None,
        }
    }

    pub fn has_pipe(&self, slot: usize) -> bool {
        self.index(slot).is_some()
    }

    pub fn attach(&mut self, slot: usize) {
        if self.pos.len() <= slot {
            self.pos.resize(slot + 1, NONE);
        }
        self.pipes.push(slot);
        let last = self.pipes.len() - 1;
        self.pos[slot] = last;
        // Mid-message, a new pipe only becomes eligible: it must not get the
        // rest of a message whose start it missed.
        self.swap(self.eligible, last);
        self.eligible += 1;
        if !self.more {
            self.swap(self.active, self.eligible - 1);
            self.active += 1;
        }
    }

    /// The pipe can take messages again.
    pub fn activated(&mut self, slot: usize) {
        let Some(i) = self.index(slot) else { return };
        if i >= self.eligible {
            self.swap(i, self.eligible);
            self.eligible += 1;
        }
        if !self.more && self.active < self.eligible {
            let i = self.index(slot).expect("attached");
            if i >= self.active {
                self.swap(i, self.active);
                self.active += 1;
            }
        }
    }

    pub fn terminated(&mut self, slot: usize) {
        let Some(mut i) = self.index(slot) else {
            return;
        };
        if i < self.matching {
            self.swap(i, self.matching - 1);
            self.matching -= 1;
            i = self.matching;
        }
        if i < self.active {
            self.swap(i, self.active - 1);
            self.active -= 1;
            i = self.active;
        }
        if i < self.eligible {
            self.swap(i, self.eligible - 1);
            self.eligible -= 1;
            i = self.eligible;
        }
        let last = self.pipes.len() - 1;
        self.swap(i, last);
        self.pipes.pop();
        self.pos[slot] = NONE;
    }

    /// Mark a pipe as wanting the current message (no-op if it already
    /// does, or cannot take messages now).
    #[inline]
    pub fn match_slot(&mut self, slot: usize) {
        let Some(i) = self.index(slot) else { return };
        if i < self.matching || i >= self.eligible {
            return;
        }
        self.swap(i, self.matching);
        self.matching += 1;
    }

    /// Swap the matching set for the eligible pipes that did not match
    /// (ZMQ_INVERT_MATCHING).
    pub fn reverse_match(&mut self) {
        let prev = self.matching;
        self.matching = 0;
        for i in prev..self.eligible {
            self.swap(i, self.matching);
            self.matching += 1;
        }
    }

    #[inline]
    pub fn unmatch(&mut self) {
        self.matching = 0;
    }

    /// Could every matching pipe take a new message (ZMQ_XPUB_NODROP)?
    /// A full pipe asks its reader for ActivateWrite.
    pub fn check_hwm(&mut self, pipes: &mut Pipes) -> bool {
        if self.more {
            return true;
        }
        for &slot in &self.pipes[..self.matching] {
            let p = pipes.get(slot);
            if !p.peer_closed() && !p.check_write() {
                return false;
            }
        }
        true
    }

    /// Send to every active pipe.
    #[inline]
    pub fn send_to_all(&mut self, pipes: &mut Pipes, msg: &mut Msg) {
        self.matching = self.active;
        self.send_to_matching(pipes, msg);
    }

    /// Send one part to the matching pipes; a pipe that is full at the start
    /// of a message is dropped from the set (the message is lost for it) and
    /// made passive until it has room again. Leaves `msg` empty.
    pub fn send_to_matching(&mut self, pipes: &mut Pipes, msg: &mut Msg) {
        let more = msg.more();
        if !self.more {
            let mut i = 0;
            while i < self.matching {
                let slot = self.pipes[i];
                if pipes.get(slot).check_write() {
                    i += 1;
                } else {
                    self.deactivate(i);
                }
            }
        }
        if self.matching > 0 {
            let last = self.matching - 1;
            msg.add_shares(last);
            for i in 0..last {
                let p = pipes.get(self.pipes[i]);
                // SAFETY: each of these copies takes one of the `last`
                // references added above.
                unsafe { p.write_shared_copy(msg) };
                if !more {
                    p.flush();
                }
            }
            let p = pipes.get(self.pipes[last]);
            p.write_taken(msg);
            if !more {
                p.flush();
            }
        } else {
            *msg = Msg::new();
        }
        if !more {
            self.active = self.eligible;
        }
        self.more = more;
    }

    /// The pipe at `i` (matching) is full: out of matching, active, eligible.
    fn deactivate(&mut self, mut i: usize) {
        self.swap(i, self.matching - 1);
        self.matching -= 1;
        i = self.matching;
        self.swap(i, self.active - 1);
        self.active -= 1;
        i = self.active;
        self.swap(i, self.eligible - 1);
        self.eligible -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_invariants(d: &Dist) {
        assert!(d.matching <= d.active && d.active <= d.eligible && d.eligible <= d.pipes.len());
        for (i, &s) in d.pipes.iter().enumerate() {
            assert_eq!(d.pos[s], i);
        }
    }

    #[test]
    fn attach_match_terminate() {
        let mut d = Dist::default();
        for s in [3, 0, 7] {
            d.attach(s);
        }
        check_invariants(&d);
        d.match_slot(7);
        d.match_slot(7);
        d.match_slot(0);
        assert_eq!(d.matching, 2);
        d.reverse_match();
        assert_eq!(d.matching, 1);
        assert_eq!(d.pipes[0], 3);
        d.terminated(3);
        check_invariants(&d);
        assert_eq!(d.matching, 0);
        d.more = true;
        d.attach(5);
        assert_eq!((d.active, d.eligible), (2, 3));
        d.more = false;
        d.activated(5);
        assert_eq!(d.active, 3);
        check_invariants(&d);
        d.terminated(7);
        d.terminated(0);
        d.terminated(5);
        assert!(d.pipes.is_empty());
        assert!(!d.has_pipe(5));
    }
}
