//! A command mailbox: any thread sends, one thread (the owner) receives.
//!
//! Commands are rare (pipe activation, attach, termination), so a lock-free
//! MPSC queue plus an eventfd suffices. `pending` makes the owner's check a
//! single atomic load, so a busy socket polls its mailbox without a syscall,
//! and senders write the eventfd only on the first command after a drain.

use super::signaler::Signaler;
use crossbeam_queue::SegQueue;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

pub struct Mailbox<C> {
    queue: SegQueue<C>,
    pending: AtomicBool,
    signaler: Signaler,
}

impl<C> Mailbox<C> {
    pub fn new() -> io::Result<Mailbox<C>> {
        Ok(Mailbox {
            queue: SegQueue::new(),
            pending: AtomicBool::new(false),
            signaler: Signaler::new()?,
        })
    }

    pub fn send(&self, cmd: C) {
        self.queue.push(cmd);
        if !self.pending.swap(true, Ordering::AcqRel) {
            self.signaler.send();
        }
    }

    /// Cheap: are commands waiting?
    #[inline]
    pub fn has_pending(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }

    /// Take every waiting command. Clears the fd's readiness first so that a
    /// command sent during the drain re-arms it (no lost edge for ZMQ_FD).
    pub fn drain(&self, mut f: impl FnMut(C)) {
        if !self.pending.load(Ordering::Acquire) {
            return;
        }
        self.signaler.recv();
        self.pending.store(false, Ordering::Release);
        while let Some(c) = self.queue.pop() {
            f(c);
        }
    }

    /// Block until a command may be waiting, or the timeout (ms, -1 forever).
    pub fn wait(&self, timeout_ms: i32) -> io::Result<bool> {
        if self.has_pending() {
            return Ok(true);
        }
        self.signaler.wait(timeout_ms)
    }

    pub fn fd(&self) -> std::os::fd::RawFd {
        self.signaler.fd()
    }
}
