//! The timer set of `zmq_timers_*`: repeating timers keyed by id, run by
//! whoever calls [`Timers::execute`] (typically a poll loop using
//! [`Timers::timeout`] as its wait time).
//!
//! The clock is passed in (milliseconds on any monotonic scale), so the logic is
//! testable without sleeping. Handlers run with no lock held and may call back
//! into the same set: add, cancel, reset, set_interval, even clear it.
//!
//! libzmq's observable behaviour, reproduced here:
//! - ids start at 1 and count up;
//! - a cancelled timer is only marked; it is swept later by `timeout` or
//!   `execute` when they walk past it. Until then it still "exists":
//!   cancelling it again is EINVAL, but reset/set_interval succeed (and it stays
//!   cancelled). Once swept every call on its id is EINVAL;
//! - a due timer is rescheduled at `execute`'s `now` + interval after its handler ran.
//!
//! Where libzmq has undefined behaviour we pick the safe reading: a handler that
//! reschedules its own timer keeps that schedule; one `execute` runs each timer
//! at most once (libzmq spins forever on a 0 ms interval); intervals saturate
//! instead of wrapping.

use std::collections::{BTreeMap, HashMap};

use parking_lot::Mutex;

use crate::error::{Errno, Result};

/// Position in the queue: due time, then insertion order (libzmq's multimap
/// keeps equal due times in insertion order).
type Slot = (u64, u64);

struct Timer<H> {
    interval: u64,
    handler: H,
    cancelled: bool,
    slot: Slot,
}

struct State<H> {
    timers: HashMap<i32, Timer<H>>,
    queue: BTreeMap<Slot, i32>,
    last_id: i32,
    next_seq: u64,
}

impl<H> State<H> {
    fn new_slot(&mut self, when: u64) -> Slot {
        let seq = self.next_seq;
        self.next_seq += 1;
        (when, seq)
    }

    fn new_id(&mut self) -> i32 {
        // Ids are positive so that no id looks like the C API's -1 failure value.
        loop {
            self.last_id = if self.last_id == i32::MAX {
                1
            } else {
                self.last_id + 1
            };
            if !self.timers.contains_key(&self.last_id) {
                return self.last_id;
            }
        }
    }

    /// Move timer `id` to `when`. Returns false if there is no such timer.
    fn reschedule(&mut self, id: i32, when: u64, interval: Option<u64>) -> bool {
        let slot = self.new_slot(when);
        let Some(timer) = self.timers.get_mut(&id) else {
            return false;
        };
        self.queue.remove(&timer.slot);
        timer.slot = slot;
        if let Some(interval) = interval {
            timer.interval = interval;
        }
        self.queue.insert(slot, id);
        true
    }

    fn sweep(&mut self, dead: &[(Slot, i32)]) {
        for (slot, id) in dead {
            self.queue.remove(slot);
            self.timers.remove(id);
        }
    }
}

/// A set of repeating timers whose handlers are of type `H`.
pub struct Timers<H> {
    state: Mutex<State<H>>,
}

impl<H: Clone> Default for Timers<H> {
    fn default() -> Self {
        Self::new()
    }
}

impl<H: Clone> Timers<H> {
    pub fn new() -> Timers<H> {
        Timers {
            state: Mutex::new(State {
                timers: HashMap::new(),
                queue: BTreeMap::new(),
                last_id: 0,
                next_seq: 0,
            }),
        }
    }

    /// Add a timer firing every `interval_ms`, first at `now + interval_ms`.
    /// Returns its id (> 0).
    pub fn add(&self, interval_ms: u64, handler: H, now: u64) -> i32 {
        let mut st = self.state.lock();
        let id = st.new_id();
        let slot = st.new_slot(now.saturating_add(interval_ms));
        st.timers.insert(
            id,
            Timer {
                interval: interval_ms,
                handler,
                cancelled: false,
                slot,
            },
        );
        st.queue.insert(slot, id);
        id
    }

    /// Cancel timer `id`. EINVAL if there is no such timer or it is already cancelled.
    pub fn cancel(&self, id: i32) -> Result<()> {
        match self.state.lock().timers.get_mut(&id) {
            Some(timer) if !timer.cancelled => {
                timer.cancelled = true;
                Ok(())
            }
            _ => Err(Errno::EINVAL),
        }
    }

    /// Change the interval of timer `id` and restart it: next due at `now + interval_ms`.
    pub fn set_interval(&self, id: i32, interval_ms: u64, now: u64) -> Result<()> {
        let when = now.saturating_add(interval_ms);
        if self.state.lock().reschedule(id, when, Some(interval_ms)) {
            Ok(())
        } else {
            Err(Errno::EINVAL)
        }
    }

    /// Restart timer `id`: next due one full interval from `now`.
    pub fn reset(&self, id: i32, now: u64) -> Result<()> {
        let mut st = self.state.lock();
        let Some(interval) = st.timers.get(&id).map(|t| t.interval) else {
            return Err(Errno::EINVAL);
        };
        st.reschedule(id, now.saturating_add(interval), None);
        Ok(())
    }

    /// Milliseconds from `now` until the next live timer is due (0 if one is
    /// overdue), or `None` when no live timer is left. Sweeps cancelled timers
    /// due before that one.
    pub fn timeout(&self, now: u64) -> Option<u64> {
        let mut st = self.state.lock();
        let mut dead = Vec::new();
        let mut next = None;
        for (&slot, &id) in &st.queue {
            if st.timers[&id].cancelled {
                dead.push((slot, id));
            } else {
                next = Some(slot.0.saturating_sub(now));
                break;
            }
        }
        st.sweep(&dead);
        next
    }

    /// Run the handler of every live timer due at `now`, in due order, through
    /// `call(id, handler)`; each is then rescheduled at `now` + its interval
    /// unless the handler rescheduled it itself. Timers scheduled while this
    /// runs wait for the next call.
    pub fn execute(&self, now: u64, mut call: impl FnMut(i32, &H)) {
        let pass_start = self.state.lock().next_seq;
        loop {
            let (id, slot, handler) = {
                let mut st = self.state.lock();
                let mut dead = Vec::new();
                let mut due = None;
                for (&slot, &id) in &st.queue {
                    let timer = &st.timers[&id];
                    if timer.cancelled {
                        dead.push((slot, id));
                    } else if slot.0 > now {
                        break;
                    } else if slot.1 < pass_start {
                        due = Some((id, slot, timer.handler.clone()));
                        break;
                    }
                }
                st.sweep(&dead);
                match due {
                    Some(due) => due,
                    None => return,
                }
            };

            // No lock is held: the handler may use this timer set.
            call(id, &handler);

            let mut st = self.state.lock();
            if let Some(timer) = st.timers.get(&id) {
                if timer.slot == slot {
                    let when = now.saturating_add(timer.interval);
                    st.reschedule(id, when, None);
                }
            }
        }
    }

    /// Drop every timer (used when the set is destroyed, possibly from inside a
    /// handler: a running `execute` then finds nothing more to do).
    pub fn clear(&self) {
        let mut st = self.state.lock();
        st.timers.clear();
        st.queue.clear();
    }

    /// Number of timers, cancelled-but-unswept ones included.
    pub fn len(&self) -> usize {
        self.state.lock().timers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// Handlers in tests are labels; `run` records which fired.
    type T = Timers<&'static str>;

    fn run(t: &T, now: u64) -> Vec<(i32, &'static str)> {
        let mut fired = Vec::new();
        t.execute(now, |id, h| fired.push((id, *h)));
        fired
    }

    #[test]
    fn ids_start_at_one() {
        let t = T::new();
        assert_eq!(t.add(10, "a", 0), 1);
        assert_eq!(t.add(10, "b", 0), 2);
        assert_eq!(t.add(10, "c", 0), 3);
    }

    #[test]
    fn fires_when_due_and_repeats() {
        let t = T::new();
        let id = t.add(100, "a", 1000);
        assert_eq!(t.timeout(1000), Some(100));
        assert_eq!(t.timeout(1050), Some(50));
        assert!(run(&t, 1099).is_empty());
        assert_eq!(run(&t, 1100), vec![(id, "a")]);
        // Rescheduled at execute's now + interval.
        assert_eq!(t.timeout(1100), Some(100));
        assert!(run(&t, 1150).is_empty());
        // Overdue: timeout is 0, and one execute runs it once.
        assert_eq!(t.timeout(1400), Some(0));
        assert_eq!(run(&t, 1400), vec![(id, "a")]);
        assert_eq!(t.timeout(1400), Some(100));
    }

    #[test]
    fn due_order_then_insertion_order() {
        let t = T::new();
        let c = t.add(30, "c", 0);
        let a = t.add(10, "a", 0);
        let b1 = t.add(20, "b1", 0);
        let b2 = t.add(20, "b2", 0);
        assert_eq!(
            run(&t, 100),
            vec![(a, "a"), (b1, "b1"), (b2, "b2"), (c, "c")]
        );
    }

    #[test]
    fn no_timers() {
        let t = T::new();
        assert_eq!(t.timeout(0), None);
        assert!(run(&t, 0).is_empty());
    }

    #[test]
    fn unknown_ids() {
        let t = T::new();
        assert_eq!(t.cancel(1), Err(Errno::EINVAL));
        assert_eq!(t.reset(1, 0), Err(Errno::EINVAL));
        assert_eq!(t.set_interval(1, 5, 0), Err(Errno::EINVAL));
    }

    #[test]
    fn cancel_twice_and_sweep() {
        let t = T::new();
        let id = t.add(100, "a", 0);
        assert_eq!(t.cancel(id), Ok(()));
        assert_eq!(t.cancel(id), Err(Errno::EINVAL));
        // Not yet swept: reset and set_interval still find it (libzmq does the same).
        assert_eq!(t.reset(id, 0), Ok(()));
        assert_eq!(t.set_interval(id, 10, 0), Ok(()));
        assert_eq!(t.len(), 1);
        // timeout sweeps it and sees nothing live.
        assert_eq!(t.timeout(0), None);
        assert!(t.is_empty());
        assert_eq!(t.reset(id, 0), Err(Errno::EINVAL));
        assert_eq!(t.cancel(id), Err(Errno::EINVAL));
    }

    #[test]
    fn cancelled_timer_never_fires() {
        let t = T::new();
        let a = t.add(10, "a", 0);
        let b = t.add(10, "b", 0);
        t.cancel(a).unwrap();
        assert_eq!(run(&t, 50), vec![(b, "b")]);
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn timeout_sweeps_only_up_to_the_first_live_timer() {
        let t = T::new();
        let early = t.add(10, "early", 0);
        let _live = t.add(20, "live", 0);
        let late = t.add(30, "late", 0);
        t.cancel(early).unwrap();
        t.cancel(late).unwrap();
        assert_eq!(t.timeout(0), Some(20));
        assert_eq!(t.reset(early, 0), Err(Errno::EINVAL));
        // `late` is behind a live timer: still there, still cancelled.
        assert_eq!(t.reset(late, 0), Ok(()));
        assert_eq!(t.cancel(late), Err(Errno::EINVAL));
    }

    #[test]
    fn reset_and_set_interval() {
        let t = T::new();
        let id = t.add(100, "a", 0);
        t.reset(id, 60).unwrap();
        assert_eq!(t.timeout(60), Some(100));
        assert!(run(&t, 100).is_empty());
        assert_eq!(run(&t, 160), vec![(id, "a")]);
        t.set_interval(id, 50, 170).unwrap();
        assert_eq!(t.timeout(170), Some(50));
        assert_eq!(run(&t, 220), vec![(id, "a")]);
        assert_eq!(t.timeout(220), Some(50), "the new interval sticks");
    }

    #[test]
    fn zero_interval_runs_once_per_execute() {
        let t = T::new();
        let id = t.add(0, "z", 0);
        assert_eq!(t.timeout(0), Some(0));
        assert_eq!(run(&t, 0), vec![(id, "z")]);
        assert_eq!(run(&t, 0), vec![(id, "z")]);
    }

    #[test]
    fn huge_interval_saturates() {
        let t = T::new();
        t.add(u64::MAX, "never", 5);
        assert_eq!(t.timeout(5), Some(u64::MAX - 5));
        assert!(run(&t, 1 << 40).is_empty());
    }

    /// A handler that acts on the set while it runs.
    fn run_with(t: &T, now: u64, act: impl Fn(i32, &str)) -> Vec<&'static str> {
        let fired = RefCell::new(Vec::new());
        t.execute(now, |id, h| {
            fired.borrow_mut().push(*h);
            act(id, h);
        });
        fired.into_inner()
    }

    #[test]
    fn handler_cancels_itself() {
        let t = T::new();
        let id = t.add(10, "a", 0);
        assert_eq!(run_with(&t, 10, |id, _| t.cancel(id).unwrap()), ["a"]);
        assert_eq!(t.cancel(id), Err(Errno::EINVAL));
        assert!(run(&t, 1000).is_empty());
        assert_eq!(t.timeout(1000), None);
    }

    #[test]
    fn handler_cancels_a_later_due_timer() {
        let t = T::new();
        let _a = t.add(10, "a", 0);
        let b = t.add(20, "b", 0);
        let fired = run_with(&t, 30, |_, h| {
            if h == "a" {
                t.cancel(b).unwrap();
            }
        });
        assert_eq!(fired, ["a"]);
    }

    #[test]
    fn handler_adds_timers() {
        let t = T::new();
        t.add(10, "a", 0);
        let fired = run_with(&t, 10, |_, h| {
            if h == "a" {
                t.add(0, "new", 10);
            }
        });
        assert_eq!(
            fired,
            ["a"],
            "a timer added during execute waits for the next one"
        );
        assert_eq!(run(&t, 10).iter().map(|f| f.1).collect::<Vec<_>>(), ["new"]);
    }

    #[test]
    fn handler_reschedules_itself() {
        let t = T::new();
        let id = t.add(10, "a", 0);
        run_with(&t, 10, |id, _| t.set_interval(id, 500, 10).unwrap());
        assert_eq!(t.timeout(10), Some(500));
        run_with(&t, 510, |id, _| t.reset(id, 600).unwrap());
        assert_eq!(t.timeout(510), Some(590));
        assert_eq!(run(&t, 1100), vec![(id, "a")]);
    }

    #[test]
    fn handler_clears_the_set() {
        let t = T::new();
        t.add(10, "a", 0);
        t.add(10, "b", 0);
        assert_eq!(run_with(&t, 10, |_, _| t.clear()), ["a"]);
        assert!(t.is_empty());
        assert_eq!(t.timeout(10), None);
    }

    #[test]
    fn handler_queries_timeout() {
        let t = T::new();
        t.add(10, "a", 0);
        t.add(40, "b", 0);
        let seen = RefCell::new(None);
        run_with(&t, 10, |_, _| *seen.borrow_mut() = t.timeout(10));
        assert_eq!(*seen.borrow(), Some(0), "the running timer is still due");
        assert_eq!(t.timeout(10), Some(10));
    }

    #[test]
    fn ids_wrap_without_reuse() {
        let t = T::new();
        t.add(10, "one", 0);
        t.state.lock().last_id = i32::MAX - 1;
        assert_eq!(t.add(10, "max", 0), i32::MAX);
        assert_eq!(t.add(10, "wrapped", 0), 2, "1 is still in use");
    }
}
