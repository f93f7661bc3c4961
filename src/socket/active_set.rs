//! The pipes a fair-queue or load-balancer serves, in libzmq's array style:
//! the first `active` slots may be used now, the rest wait for a wake-up,
//! and `current` walks the active ones in turn.

#[derive(Default)]
pub struct ActiveSet {
    pipes: Vec<usize>,
    active: usize,
    current: usize,
}

impl ActiveSet {
    /// A new pipe starts active.
    pub fn attach(&mut self, slot: usize) {
        self.pipes.push(slot);
        let last = self.pipes.len() - 1;
        self.pipes.swap(self.active, last);
        self.active += 1;
    }

    /// The pipe at `slot` may be used again.
    pub fn activated(&mut self, slot: usize) {
        if let Some(i) = self.pipes.iter().position(|&s| s == slot) {
            if i >= self.active {
                self.pipes.swap(i, self.active);
                self.active += 1;
            }
        }
    }

    /// Forget `slot`. Returns None if unknown, else whether it was the
    /// current pipe (a multipart message in progress belongs to it).
    pub fn remove(&mut self, slot: usize) -> Option<bool> {
        let i = self.pipes.iter().position(|&s| s == slot)?;
        let was_current = i == self.current && i < self.active;
        if i < self.active {
            self.active -= 1;
            self.pipes.swap(i, self.active);
            if self.current == self.active {
                self.current = 0;
            }
        }
        let last = self.pipes.len() - 1;
        self.pipes.swap(i.max(self.active), last);
        self.pipes.pop();
        Some(was_current)
    }

    /// The current active pipe, if any is active.
    #[inline]
    pub fn current(&mut self) -> Option<usize> {
        if self.active == 0 {
            return None;
        }
        if self.current >= self.active {
            self.current = 0;
        }
        Some(self.pipes[self.current])
    }

    /// Move on to the next pipe (a whole message went through this one).
    #[inline]
    pub fn advance(&mut self) {
        self.current += 1;
    }

    /// The current pipe cannot be used until it is activated again.
    #[inline]
    pub fn deactivate_current(&mut self) {
        self.active -= 1;
        self.pipes.swap(self.current, self.active);
    }
}
