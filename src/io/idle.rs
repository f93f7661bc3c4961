//! How an I/O thread waits for its next event: a short, adaptive spin
//! before it sleeps.
//!
//! On a virtual machine an idle CPU halts, and waking a halted virtual CPU
//! goes through the hypervisor: measured here, 15-20 µs from the wake-up to
//! the thread running, for every hop of a request/reply (1-byte round trips
//! of ~50 µs over ipc, for libzmq as well). A thread that polls for a few
//! tens of microseconds before sleeping keeps its CPU awake across those
//! gaps (1-byte round trips of ~12 µs).
//!
//! The window adapts the way Linux's halt polling does, so a quiet thread
//! burns nothing: it opens (to `START_US`) and doubles, up to `MAX_US`,
//! when a sleep ended within `GAP_US` of the wait's start, and halves when
//! a sleep ran longer. A thread spins only while its events come less than
//! 100 µs apart, and then for at most 50 µs a time; and only while it is
//! in a conversation, having both written to and read from its peers within
//! its last two waits. A thread that only streams one way (either end of a
//! throughput run) would gain nothing and take CPU its neighbours need.
//! While spinning the thread yields its CPU between polls, so a runnable
//! application thread sharing it loses nothing. `ZMQ_RS_IO_SPIN=0` in the
//! environment turns spinning off.

use super::mailbox::Mailbox;
use mio::{Events, Poll};
use std::io;
use std::time::{Duration, Instant};

/// The longest spin.
const MAX_US: u64 = 50;
/// Events this close together open the window. Longer than the window: a
/// request/reply gap of 60 µs shrinks below it once both ends spin.
const GAP_US: u64 = 100;
/// The window a closed one opens to.
const START_US: u64 = 10;

/// The adaptive spin window of one waiting thread: an I/O thread's
/// ([`Idle`]) or an application thread blocked in a socket call
/// (socket/mod.rs).
pub struct Spin {
    /// Spin this long before sleeping (0: sleep at once).
    window_us: u64,
    enabled: bool,
    /// Waits since the thread last wrote to / read from a peer.
    wrote_age: u8,
    read_age: u8,
}

impl Default for Spin {
    fn default() -> Spin {
        Spin::new()
    }
}

impl Spin {
    pub fn new() -> Spin {
        Spin {
            window_us: 0,
            enabled: std::env::var_os("ZMQ_RS_IO_SPIN").is_none_or(|v| v != "0"),
            wrote_age: u8::MAX,
            read_age: u8::MAX,
        }
    }

    /// A wait begins; `wrote` / `read`: the thread sent to / received from
    /// its peers since its last wait. How long to spin before sleeping
    /// (zero: sleep at once). Traffic both ways within the last two waits
    /// is a conversation; nothing else spins.
    pub fn begin(&mut self, wrote: bool, read: bool) -> Duration {
        if !self.enabled {
            return Duration::ZERO;
        }
        self.wrote_age = if wrote {
            0
        } else {
            self.wrote_age.saturating_add(1)
        };
        self.read_age = if read {
            0
        } else {
            self.read_age.saturating_add(1)
        };
        if self.wrote_age <= 1 && self.read_age <= 1 {
            Duration::from_micros(self.window_us)
        } else {
            Duration::ZERO
        }
    }

    /// The window as it stands, whatever the traffic: for a thread that
    /// receives a large body in pieces (see [`Idle::wait`]'s `receiving`).
    fn window(&self) -> Duration {
        if self.enabled {
            Duration::from_micros(self.window_us)
        } else {
            Duration::ZERO
        }
    }

    /// After a sleep: the gap since the wait began was `gap`; `woken`: an
    /// event ended it (not the timeout).
    pub fn end(&mut self, gap: Duration, woken: bool) {
        if woken && gap <= Duration::from_micros(GAP_US) {
            self.window_us = (self.window_us * 2).clamp(START_US, MAX_US);
        } else {
            self.window_us /= 2;
            if self.window_us < START_US {
                self.window_us = 0;
            }
        }
    }
}

#[derive(Default)]
pub struct Idle {
    spin: Spin,
}

impl Idle {
    pub fn new() -> Idle {
        Idle { spin: Spin::new() }
    }

    /// Wait for events, at most `timeout` (None: no limit), as
    /// `Poll::poll` does, or for a command in `mailbox` (the thread's own,
    /// whose fd `poll` watches). `wrote` / `read`: the thread's connections
    /// wrote to / read from their peers since it last waited. `receiving`:
    /// a connection is part-way through a large body on a transport that
    /// wakes its reader for every piece the sender queues (a Unix socket
    /// queues a 1 MiB body as ~30 buffers of 36 KiB, and ignores
    /// SO_RCVLOWAT); such a thread spins as in a conversation, so the
    /// sender's next piece finds it awake: waking a sleeping thread cost
    /// the sending thread 15% of its time (perf, `sock_def_readable`).
    #[allow(clippy::too_many_arguments)]
    pub fn wait<C>(
        &mut self,
        poll: &mut Poll,
        events: &mut Events,
        mailbox: &Mailbox<C>,
        timeout: Option<Duration>,
        wrote: bool,
        read: bool,
        receiving: bool,
    ) -> io::Result<()> {
        if timeout == Some(Duration::ZERO) {
            return poll.poll(events, timeout);
        }
        let mut window = self.spin.begin(wrote, read);
        if receiving {
            window = window.max(self.spin.window());
        }
        let start = Instant::now();
        if !window.is_zero() {
            // While spinning, commands leave the mailbox's fd alone and are
            // seen here without a system call (Mailbox::begin_spin).
            mailbox.begin_spin();
            let caught = loop {
                if let Err(e) = poll.poll(events, Some(Duration::ZERO)) {
                    break Err(e);
                }
                if !events.is_empty() || mailbox.has_pending() {
                    break Ok(true);
                }
                let spun = start.elapsed();
                if spun >= window || timeout.is_some_and(|t| spun >= t) {
                    break Ok(false);
                }
                std::thread::yield_now();
            };
            // Even after an error: from here on commands write the fd again.
            let commands = mailbox.end_spin();
            if caught? || commands {
                return Ok(());
            }
        }
        let timeout = timeout.map(|t| t.saturating_sub(start.elapsed()));
        poll.poll(events, timeout)?;
        self.spin.end(start.elapsed(), !events.is_empty());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_opens_on_short_gaps_and_closes_on_long_ones() {
        let mut spin = Spin::new();
        spin.enabled = true;
        spin.end(Duration::from_micros(30), true);
        assert_eq!(spin.window_us, START_US);
        for _ in 0..5 {
            spin.end(Duration::from_micros(30), true);
        }
        assert_eq!(spin.window_us, MAX_US);
        // A timeout is not an event worth spinning for.
        spin.end(Duration::from_micros(30), false);
        assert_eq!(spin.window_us, MAX_US / 2);
        spin.end(Duration::from_micros(GAP_US + 1), true);
        spin.end(Duration::from_millis(5), true);
        assert_eq!(spin.window_us, 0);
    }

    /// An application thread's Spin (socket/mod.rs): only a socket that
    /// both sent and received within its last two waits spins, and only
    /// once short sleeps have opened the window.
    #[test]
    fn spin_begins_only_in_a_conversation() {
        let mut spin = Spin::new();
        spin.enabled = true;
        assert!(spin.begin(true, true).is_zero(), "window still closed");
        spin.end(Duration::from_micros(20), true);
        assert_eq!(spin.begin(true, true), Duration::from_micros(START_US));
        // A receive without a send one wait ago still converses.
        assert!(!spin.begin(false, true).is_zero());
        // Receive-only (a PULL): two waits on, no longer.
        assert!(spin.begin(false, true).is_zero());
        // A send-only socket never spins.
        let mut tx = Spin::new();
        tx.enabled = true;
        tx.end(Duration::from_micros(20), true);
        for _ in 0..3 {
            assert!(tx.begin(true, false).is_zero());
        }
        spin.enabled = false;
        assert!(spin.begin(true, true).is_zero());
    }

    #[test]
    fn zmq_rs_io_spin_0_turns_spinning_off() {
        std::env::set_var("ZMQ_RS_IO_SPIN", "0");
        assert!(!Spin::new().enabled);
        std::env::set_var("ZMQ_RS_IO_SPIN", "1");
        assert!(Spin::new().enabled);
        std::env::remove_var("ZMQ_RS_IO_SPIN");
        assert!(Spin::new().enabled);
    }

    /// A poll to wait on, and an enabled Idle with its window wide open.
    fn spinning() -> (Poll, Events, Idle) {
        let mut idle = Idle::new();
        idle.spin.enabled = true;
        idle.spin.window_us = MAX_US;
        (Poll::new().unwrap(), Events::with_capacity(8), idle)
    }

    fn mailbox() -> Mailbox<u32> {
        Mailbox::new().unwrap()
    }

    #[test]
    fn only_a_conversation_spins() {
        let (mut poll, mut events, mut idle) = spinning();
        let mb = mailbox();
        // One-way traffic: the wait sleeps at once and, ending after a
        // long gap, halves the window.
        idle.wait(
            &mut poll,
            &mut events,
            &mb,
            Some(Duration::from_millis(2)),
            true,
            false,
            false,
        )
        .unwrap();
        assert_eq!(idle.spin.window_us, MAX_US / 2);
        // Reads on the next wait, the write one wait ago: a conversation.
        let waker = mio::Waker::new(poll.registry(), mio::Token(1)).unwrap();
        waker.wake().unwrap();
        idle.wait(&mut poll, &mut events, &mb, None, false, true, false)
            .unwrap();
        assert_eq!(events.iter().count(), 1);
        // Caught while spinning: no sleep, the window is kept.
        assert_eq!(idle.spin.window_us, MAX_US / 2);
    }

    #[test]
    fn a_spinning_wait_still_sees_events_and_honours_the_timeout() {
        let (mut poll, mut events, mut idle) = spinning();
        let mb = mailbox();
        let t = Instant::now();
        idle.wait(
            &mut poll,
            &mut events,
            &mb,
            Some(Duration::from_millis(20)),
            true,
            true,
            false,
        )
        .unwrap();
        assert!(events.is_empty());
        assert!(t.elapsed() >= Duration::from_millis(20));
        // A long sleep closed the window half way.
        assert_eq!(idle.spin.window_us, MAX_US / 2);

        let waker = mio::Waker::new(poll.registry(), mio::Token(1)).unwrap();
        waker.wake().unwrap();
        idle.wait(&mut poll, &mut events, &mb, None, true, true, false)
            .unwrap();
        assert_eq!(events.iter().count(), 1);
    }

    /// A command sent while the thread spins ends the wait without the
    /// fd (the sender leaves it alone then); one sent after the spin gave up
    /// writes the fd, which the sleeping poll watches. Either way no
    /// command is left waiting behind a sleep (a lost one runs into the
    /// timeout).
    #[test]
    fn a_command_ends_the_wait_spinning_or_asleep() {
        use mio::unix::SourceFd;
        let (mut poll, mut events, mut idle) = spinning();
        let mb = std::sync::Arc::new(mailbox());
        poll.registry()
            .register(
                &mut SourceFd(&mb.fd()),
                mio::Token(0),
                mio::Interest::READABLE,
            )
            .unwrap();
        for delay_us in [0u64, 20, 5_000] {
            idle.spin.window_us = MAX_US;
            let sender = mb.clone();
            let t = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_micros(delay_us));
                sender.send(7);
            });
            let began = Instant::now();
            idle.wait(
                &mut poll,
                &mut events,
                &*mb,
                Some(Duration::from_secs(3)),
                true,
                true,
                false,
            )
            .unwrap();
            assert!(
                began.elapsed() < Duration::from_secs(2),
                "a command sent {delay_us} us in was missed until the timeout"
            );
            t.join().unwrap();
            let mut got = vec![];
            mb.drain(|c| got.push(c));
            assert_eq!(got, [7], "after {delay_us} us");
        }
    }

    /// A thread receiving a large body in pieces spins although it is in
    /// no conversation: an event waiting when it starts is caught by the
    /// spin (no sleep, so the window stays as it was), where the same wait
    /// without `receiving` sleeps at once (and the quick wake-up widens the
    /// window).
    #[test]
    fn a_large_body_coming_in_spins_without_a_conversation() {
        for receiving in [true, false] {
            let (mut poll, mut events, mut idle) = spinning();
            let mb = mailbox();
            idle.spin.window_us = START_US;
            let waker = mio::Waker::new(poll.registry(), mio::Token(1)).unwrap();
            waker.wake().unwrap();
            idle.wait(&mut poll, &mut events, &mb, None, false, false, receiving)
                .unwrap();
            assert_eq!(events.iter().count(), 1);
            let expect = if receiving { START_US } else { 2 * START_US };
            assert_eq!(idle.spin.window_us, expect, "receiving: {receiving}");
        }
    }
}
