//! A command mailbox: any thread sends, one thread (the owner) receives.
//!
//! Commands are rare (pipe activation, attach, termination), so a lock-free
//! MPSC queue plus an eventfd suffices. The state word makes the owner's
//! check a single atomic load, so a busy socket polls its mailbox without a
//! syscall, and senders write the eventfd only on the first command after a
//! drain, and not at all while the owner spins on that word
//! ([`Mailbox::begin_spin`]): in a request/reply conversation the thread
//! that waits for the next command polls for a few microseconds before it
//! sleeps (io/idle.rs), and a command that lands then costs its sender an
//! eventfd write and its owner a read, two system calls per hop, for a
//! wake-up nobody needed.
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
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Commands may be waiting: set by the first command after a drain.
const PENDING: u8 = 1;
/// ... and the eventfd was written for them: the drain must read it.
const SIGNALED: u8 = 2;
/// The owner polls `PENDING` and will look before it sleeps: a sender that
/// sets `PENDING` leaves the eventfd alone. Only the owner sets and clears
/// it; being in one word with `PENDING`, a command and the owner's decision
/// to sleep are ordered, so no wake-up is lost (`end_spin`).
const SPINNING: u8 = 4;

pub struct Mailbox<C> {
    queue: SegQueue<C>,
    state: AtomicU8,
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
            state: AtomicU8::new(0),
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
        let mut cur = self.state.load(Ordering::Acquire);
        while cur & PENDING == 0 {
            let signal = cur & SPINNING == 0;
            let new = cur | PENDING | if signal { SIGNALED } else { 0 };
            match self
                .state
                .compare_exchange_weak(cur, new, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    if signal {
                        self.signaler.send();
                    }
                    break;
                }
                Err(now) => cur = now,
            }
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
        self.state.load(Ordering::Acquire) & PENDING != 0
    }

    /// The owner is about to poll [`has_pending`](Self::has_pending) instead
    /// of sleeping on the fd: commands sent from now until `end_spin` do not
    /// write it. Not for thread-safe mailboxes, whose fd other threads may be
    /// sleeping on.
    #[inline]
    pub fn begin_spin(&self) {
        if self.safe.is_none() {
            self.state.fetch_or(SPINNING, Ordering::AcqRel);
        }
    }

    /// The owner stops polling; true if commands are waiting (it must not
    /// sleep: their sender may have left the fd alone). Once this returns
    /// false, every command writes the fd again.
    #[inline]
    pub fn end_spin(&self) -> bool {
        self.state.fetch_and(!SPINNING, Ordering::AcqRel) & PENDING != 0
    }

    /// Take every waiting command. Clears the fd's readiness first so that a
    /// command sent during the drain re-arms it (no lost edge for ZMQ_FD).
    pub fn drain(&self, mut f: impl FnMut(C)) {
        let cur = self.state.load(Ordering::Acquire);
        if cur & PENDING == 0 {
            return;
        }
        // Senders touch PENDING and SIGNALED only while PENDING is clear, and
        // SPINNING is the owner's (this thread's): nothing moves under us.
        if cur & SIGNALED != 0 {
            self.signaler.recv();
        }
        self.state
            .fetch_and(!(PENDING | SIGNALED), Ordering::AcqRel);
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

    fn fd_readable(m: &Mailbox<u32>) -> bool {
        m.signaler.wait(0).unwrap()
    }

    #[test]
    fn a_spinning_owner_is_not_signalled_through_the_fd() {
        let m: Mailbox<u32> = Mailbox::new().unwrap();
        m.begin_spin();
        m.send(1);
        m.send(2);
        assert!(m.has_pending());
        assert!(!fd_readable(&m), "written while the owner spun");
        // The owner must not sleep now: it is told the commands wait.
        assert!(m.end_spin());
        let mut got = vec![];
        m.drain(|c| got.push(c));
        assert_eq!(got, [1, 2]);
        // A spin that saw nothing says so, and the next command writes the fd.
        m.begin_spin();
        assert!(!m.end_spin());
        m.send(3);
        assert!(fd_readable(&m));
        m.drain(|c| got.push(c));
        assert!(!fd_readable(&m), "the drain reads what was written");
        assert_eq!(got, [1, 2, 3]);
        // Commands pending before the spin began were signalled already.
        m.send(4);
        m.begin_spin();
        m.send(5);
        assert!(m.end_spin());
        assert!(fd_readable(&m));
        m.drain(|c| got.push(c));
        assert!(!fd_readable(&m));
        assert_eq!(got, [1, 2, 3, 4, 5]);
    }

    #[test]
    fn a_thread_safe_mailbox_always_writes_its_fd() {
        let m: Mailbox<u32> = Mailbox::new_thread_safe().unwrap();
        m.begin_spin();
        m.send(1);
        assert!(fd_readable(&m));
        assert!(m.end_spin());
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
