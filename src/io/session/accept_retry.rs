//! Listeners that ran out of descriptors. libzmq's level-triggered poller
//! retries a failed accept at every turn (reporting ACCEPT_FAILED each time);
//! our reactor is edge-triggered and would not wake again until another
//! peer connects, leaving the pending ones stranded. So a listener whose
//! accept failed tries again after a short pause.

use super::{Reactor, Sessions};
use crate::util::clock::now_ms;

/// How long a listener waits before retrying a failed accept (ms).
const RETRY_MS: u64 = 100;

impl Sessions {
    /// The accept on the listener at `key` failed for want of resources.
    pub(super) fn accept_failed(&mut self, key: usize) {
        self.accept_retry.insert(key, now_ms() + RETRY_MS);
    }

    /// The earliest accept retry, if any.
    pub(super) fn next_accept_retry(&self) -> Option<u64> {
        self.accept_retry.values().copied().min()
    }

    /// Retry the accepts that are due.
    pub(super) fn retry_accepts(&mut self, r: &Reactor, now: u64) {
        if self.accept_retry.is_empty() {
            return;
        }
        let due: Vec<usize> = self
            .accept_retry
            .iter()
            .filter(|(_, &at)| at <= now)
            .map(|(&k, _)| k)
            .collect();
        for key in due {
            self.accept_retry.remove(&key);
            self.accept(r, key);
        }
    }
}
