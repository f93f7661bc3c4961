//! A command mailbox: any thread sends, one thread (the owner) receives.
//!
//! Commands are rare (pipe activation, attach, termination), so a lock-free
//! MPSC queue plus an eventfd suffices. `pending` makes the owner's check a
//! single atomic load, so a busy socket polls its mailbox without a syscall,
//! and senders write the eventfd only on the first command after a drain.
//!
//! A thread-safe socket (SERVER, CLIENT, ...) may have several threads
//! blocked on it at once, and one of them draining the eventfd must not
//! leave the others asleep. So its mailbox also counts every command in a
//! sequence number that blocked threads sleep on (`wait_change`), as libzmq's
//! mailbox_safe broadcasts a condition variable, and signals the eventfds of
//! the pollers watching the socket (libzmq's add_signaler).

use super::signaler::Signaler;
use crossbeam_queue::SegQueue;
use parking_lot::{Condvar, Mutex};
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

pub struct Mailbox<C> {
    queue: SegQueue<C>,
    pending: AtomicBool,
    signaler: Signaler,
    /// Only for thread-safe sockets.
    safe: Option<Box<SafeWake>>,
}

/// The wake-up state of a thread-safe socket's mailbox.
#[derive(Default)]
struct SafeWake {
    /// Bumped by every command and every kick.
    seq: Mutex<u64>,
    changed: Condvar,
    /// Threads sleeping in `wait_change`.
    waiters: AtomicUsize,
    /// Pollers' signalers to make readable on every command.
    signalers: Mutex<Vec<Arc<Signaler>>>,
}

impl SafeWake {
    fn bump(&self) {
        *self.seq.lock() += 1;
        self.changed.notify_all();
    }
}

impl<C> Mailbox<C> {
    pub fn new() -> io::Result<Mailbox<C>> {
        Ok(Mailbox {
            queue: SegQueue::new(),
            pending: AtomicBool::new(false),
            signaler: Signaler::new()?,
            safe: None,
        })
    }

    /// The mailbox of a thread-safe socket (see the module comment).
    pub fn new_thread_safe() -> io::Result<Mailbox<C>> {
        let mut m = Mailbox::new()?;
        m.safe = Some(Box::default());
        Ok(m)
    }

    pub fn send(&self, cmd: C) {
        self.queue.push(cmd);
        if !self.pending.swap(true, Ordering::AcqRel) {
            self.signaler.send();
        }
        if let Some(safe) = &self.safe {
            safe.bump();
            for s in safe.signalers.lock().iter() {
                s.send();
            }
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

    /// Thread-safe mailboxes: the current sequence number, to be read before
    /// looking at the socket's state (under the socket's lock).
    pub fn seq(&self) -> u64 {
        self.safe.as_ref().map_or(0, |s| *s.seq.lock())
    }

    /// Thread-safe mailboxes: announce a thread about to sleep in
    /// `wait_change`. Called under the socket's lock, so that whoever takes
    /// the lock next knows to kick it.
    pub fn add_waiter(&self) {
        if let Some(safe) = &self.safe {
            safe.waiters.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Thread-safe mailboxes, after `add_waiter`: sleep until the sequence
    /// number moves past `seen` or `deadline` passes. False on timeout.
    pub fn wait_change(&self, seen: u64, deadline: Option<Instant>) -> bool {
        let Some(safe) = &self.safe else { return true };
        let mut seq = safe.seq.lock();
        let mut changed = true;
        while *seq == seen {
            match deadline {
                None => safe.changed.wait(&mut seq),
                Some(d) => {
                    if safe.changed.wait_until(&mut seq, d).timed_out() {
                        changed = *seq != seen;
                        break;
                    }
                }
            }
        }
        drop(seq);
        safe.waiters.fetch_sub(1, Ordering::SeqCst);
        changed
    }

    /// Thread-safe mailboxes: wake the threads in `wait_change` to look at
    /// the socket again (another thread changed its state), if there are any.
    #[inline]
    pub fn kick_waiters(&self) {
        if let Some(safe) = &self.safe {
            if safe.waiters.load(Ordering::SeqCst) > 0 {
                safe.bump();
            }
        }
    }

    /// Thread-safe mailboxes: make `s` readable on every command from now on.
    pub fn add_signaler(&self, s: Arc<Signaler>) {
        if let Some(safe) = &self.safe {
            safe.signalers.lock().push(s);
        }
    }

    pub fn remove_signaler(&self, s: &Arc<Signaler>) {
        if let Some(safe) = &self.safe {
            safe.signalers.lock().retain(|x| !Arc::ptr_eq(x, s));
        }
    }

    pub fn is_thread_safe(&self) -> bool {
        self.safe.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn soon(ms: u64) -> Option<Instant> {
        Some(Instant::now() + Duration::from_millis(ms))
    }

    #[test]
    fn classic_mailbox_has_no_wait_state() {
        let m: Mailbox<u32> = Mailbox::new().unwrap();
        assert!(!m.is_thread_safe());
        assert_eq!(m.seq(), 0);
        m.send(1);
        assert_eq!(m.seq(), 0);
        // Nothing to sleep on: returns at once.
        assert!(m.wait_change(0, None));
    }

    #[test]
    fn wait_change_times_out_without_news() {
        let m: Mailbox<u32> = Mailbox::new_thread_safe().unwrap();
        let seen = m.seq();
        m.add_waiter();
        let t0 = Instant::now();
        assert!(!m.wait_change(seen, soon(30)));
        assert!(t0.elapsed() >= Duration::from_millis(25));
        // Nobody waits now: a kick changes nothing.
        m.kick_waiters();
        assert_eq!(m.seq(), seen);
    }

    #[test]
    fn a_command_or_a_kick_wakes_every_waiter() {
        let m: Arc<Mailbox<u32>> = Arc::new(Mailbox::new_thread_safe().unwrap());
        for wake_by_kick in [false, true] {
            let seen = m.seq();
            let waiters: Vec<_> = (0..3)
                .map(|_| {
                    m.add_waiter();
                    let m = m.clone();
                    std::thread::spawn(move || m.wait_change(seen, soon(5000)))
                })
                .collect();
            std::thread::sleep(Duration::from_millis(20));
            if wake_by_kick {
                m.kick_waiters();
            } else {
                m.send(7);
            }
            for w in waiters {
                assert!(w.join().unwrap(), "woken, not timed out");
            }
        }
        // A change before the sleep starts is not lost.
        let seen = m.seq();
        m.send(8);
        m.add_waiter();
        assert!(m.wait_change(seen, soon(5000)));
        let mut got = Vec::new();
        m.drain(|c| got.push(c));
        assert_eq!(got, [7, 8]);
    }

    #[test]
    fn signalers_see_every_command() {
        let m: Mailbox<u32> = Mailbox::new_thread_safe().unwrap();
        let s = Arc::new(Signaler::new().unwrap());
        m.add_signaler(s.clone());
        m.send(1);
        assert!(s.wait(0).unwrap());
        s.recv();
        // The mailbox is still pending (not drained): the next command
        // signals the poller anyway.
        m.send(2);
        assert!(s.wait(0).unwrap());
        s.recv();
        m.remove_signaler(&s);
        m.send(3);
        assert!(!s.wait(0).unwrap());
    }
}
