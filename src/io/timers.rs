//! The I/O thread's timers: one clock for every connection and listener of
//! the thread (reconnect, linger, handshake, heartbeats, accept retries).
//! The reactor sleeps until the earliest and runs what is due.

use super::engine::Down;
use super::session::{Entry, Sessions};
use super::thread::Reactor;
use crate::util::clock::now_ms;
use std::time::Duration;

impl Sessions {
    /// How long the reactor may sleep: until [`next_deadline`](Self::next_deadline).
    pub fn timeout_until(deadline: Option<u64>) -> Option<Duration> {
        deadline.map(|d| Duration::from_millis(d.saturating_sub(now_ms())))
    }

    /// The earliest timer of any session or listener (absolute ms).
    pub fn next_deadline(&self) -> Option<u64> {
        let mut next: Option<u64> = self.next_accept_retry();
        for e in self.entries.iter().flatten() {
            if let Entry::Session(s) = e {
                let mut t = [
                    s.reconnect_at,
                    s.linger_deadline,
                    s.connect_deadline,
                    None,
                    None,
                ];
                if let Some(eng) = &s.engine {
                    t[3] = eng.zmtp.next_timer();
                    if !eng.zmtp.is_ready() {
                        t[4] = eng.handshake_deadline;
                    }
                }
                for d in t.into_iter().flatten() {
                    next = Some(next.map_or(d, |n| n.min(d)));
                }
            }
        }
        next
    }

    /// Run what is due. The reactor calls it only after a wake-up that had
    /// a deadline: without one nothing can be due yet, and skipping the
    /// clock read saves as much as decoding a message costs (a timer set
    /// meanwhile lies in the future, and bounds the next sleep).
    pub fn timers(&mut self, r: &Reactor) {
        let now = now_ms();
        self.retry_accepts(r, now);
        for key in 0..self.entries.len() {
            enum Due {
                Nothing,
                Linger,
                Reconnect,
                ConnectTimeout,
                Down,
                Pump,
            }
            let due = match self.session(key) {
                None => Due::Nothing,
                Some(s) => {
                    if s.linger_deadline.is_some_and(|d| d <= now) {
                        Due::Linger
                    } else if s.reconnect_at.is_some_and(|d| d <= now) {
                        s.reconnect_at = None;
                        Due::Reconnect
                    } else if s.connect_deadline.is_some_and(|d| d <= now) {
                        s.connect_deadline = None;
                        Due::ConnectTimeout
                    } else if let Some(e) = s.engine.as_mut() {
                        if !e.zmtp.is_ready() && e.handshake_deadline.is_some_and(|d| d <= now) {
                            Due::Down
                        } else if e.zmtp.next_timer().is_some_and(|d| d <= now) {
                            if e.zmtp.on_timer(now).is_err() {
                                Due::Down
                            } else {
                                Due::Pump
                            }
                        } else {
                            Due::Nothing
                        }
                    } else {
                        Due::Nothing
                    }
                }
            };
            match due {
                Due::Nothing => {}
                Due::Linger => self.destroy(r, key),
                Due::Reconnect => self.start_connect(r, key),
                Due::ConnectTimeout => self.connect_timed_out(r, key),
                Due::Down => self.connection_down(r, key, Down::Failed(libc::EAGAIN)),
                Due::Pump => self.pump(r, key),
            }
        }
    }
}
