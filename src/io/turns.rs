//! Turns: how one I/O thread shares itself between its connections when
//! one of them could write for a long time.
//!
//! A session's pump writes until the pipe is empty or the kernel says
//! EAGAIN. With one connection per thread that is the cheapest schedule.
//! With several, one busy writer holds the thread while the others wait;
//! and when both ends of a connection live on the same thread (a PUSH and a
//! PULL in one process, the default one I/O thread) the writer fills both
//! kernel buffers (megabytes over tcp loopback) before the reader gets a
//! turn, so every byte crosses memory cold: written by one copy, read by
//! the other long after it left the cache. libzmq's engine writes one batch
//! per poller event, so its writes and reads alternate.
//!
//! So while the thread runs more than one engine, a pump that has written
//! [`WRITE_TURN`] bytes stops with the rest still queued and asks for
//! another turn: the thread looks at its other events first (a poll that
//! does not sleep), then pumps it again. 64 KiB messages, PUSH -> PULL in
//! one process over tcp, one I/O thread: CPU per message 42-47 -> 30-32 us
//! (libzmq 34-36). A turn of about one core's L2 keeps the data warm; much
//! shorter turns cost small messages a poll and a wake-up of the receiving
//! thread per turn (1 KiB, a 64 KiB turn: +15% CPU per message; a 1 MiB
//! turn: within noise; a 4 MiB turn loses the 64 KiB gain). A thread with
//! a single engine writes to the end as before, so two-process runs do not
//! change. No allocation once warm: the queues keep their capacity.

use super::session::Sessions;
use super::thread::Reactor;
use std::cell::Cell;

/// Bytes a pump writes before it yields, while the thread runs other
/// engines too.
pub(super) const WRITE_TURN: usize = 1024 * 1024;

#[derive(Default)]
pub(super) struct Turns {
    /// Sessions (keys) that yielded and wait for another turn.
    again: Vec<usize>,
    /// The list being run, swapped with `again` (keeps both capacities).
    running: Vec<usize>,
}

thread_local! {
    /// Engines (connections, or connect attempts) alive on this thread:
    /// an engine is made and dropped on the I/O thread that runs it.
    static ENGINES: Cell<usize> = const { Cell::new(0) };
}

/// Counts the engines of its thread while it lives: a field of `Engine`.
pub(super) struct Counted(());

impl Counted {
    pub(super) fn new() -> Counted {
        ENGINES.with(|n| n.set(n.get() + 1));
        Counted(())
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        ENGINES.with(|n| n.set(n.get().saturating_sub(1)));
    }
}

impl Turns {
    /// How much one pump may write before it yields.
    pub(super) fn write_budget(&self) -> usize {
        if ENGINES.with(Cell::get) > 1 {
            WRITE_TURN
        } else {
            usize::MAX
        }
    }

    /// Someone waits for another turn: the reactor must not sleep.
    pub(super) fn pending(&self) -> bool {
        !self.again.is_empty()
    }

    /// Queue `key` for another turn (once: the engine's flag says whether
    /// it is queued already).
    pub(super) fn push(&mut self, key: usize) {
        self.again.push(key);
    }
}

impl Sessions {
    /// A session waits for another turn: the reactor must not sleep.
    pub fn turns_pending(&self) -> bool {
        self.turns.pending()
    }

    /// Give the sessions that yielded their next turn, after the round's
    /// events.
    pub fn run_turns(&mut self, r: &Reactor) {
        if !self.turns.pending() {
            return;
        }
        std::mem::swap(&mut self.turns.again, &mut self.turns.running);
        let mut i = 0;
        while i < self.turns.running.len() {
            let key = self.turns.running[i];
            i += 1;
            // The key may have been freed (and even reused) meanwhile: an
            // extra pump is harmless either way.
            if let Some(e) = self.session(key).and_then(|s| s.engine.as_mut()) {
                e.queued = false;
            }
            self.pump(r, key);
        }
        self.turns.running.clear();
    }

    /// After a pump: queue the session for another turn if its write
    /// yielded.
    pub(super) fn requeue(&mut self, key: usize) {
        let Some(e) = self.session(key).and_then(|s| s.engine.as_mut()) else {
            return;
        };
        if e.yielded && !e.queued {
            e.queued = true;
            self.turns.push(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_with_more_than_one_engine_takes_turns() {
        std::thread::spawn(|| {
            let turns = Turns::default();
            assert_eq!(turns.write_budget(), usize::MAX);
            let a = Counted::new();
            assert_eq!(turns.write_budget(), usize::MAX, "one engine writes on");
            let b = Counted::new();
            assert_eq!(turns.write_budget(), WRITE_TURN);
            drop(a);
            assert_eq!(turns.write_budget(), usize::MAX);
            drop(b);
            assert_eq!(ENGINES.with(Cell::get), 0);
        })
        .join()
        .unwrap();
    }
}
