//! Threads started for the application by `zmq_threadstart`.
//!
//! They look like libzmq's: named "ZMQapp", every signal blocked (libzmq keeps
//! signal handling out of the threads it starts), and the stack size a plain
//! `pthread_create` would give (the `ulimit -s` soft limit) rather than Rust's
//! smaller default, since the code they run was written for libzmq.

use std::io;
use std::thread::{Builder, JoinHandle};

/// A running application thread. Dropping it detaches the thread.
pub struct AppThread {
    handle: JoinHandle<()>,
}

/// Start `body` on a new application thread.
pub fn spawn(body: impl FnOnce() + Send + 'static) -> io::Result<AppThread> {
    let mut builder = Builder::new().name("ZMQapp".into());
    if let Some(size) = default_stack_size() {
        builder = builder.stack_size(size);
    }
    let handle = builder.spawn(move || {
        block_all_signals();
        body()
    })?;
    Ok(AppThread { handle })
}

impl AppThread {
    /// Wait for the thread to finish.
    pub fn join(self) {
        // A panic in `body` has already been reported by the panic hook; the
        // C caller has no way to receive it.
        let _ = self.handle.join();
    }
}

/// The stack size glibc gives a new thread: RLIMIT_STACK when it is finite.
fn default_stack_size() -> Option<usize> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable rlimit for getrlimit to fill.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut limit) };
    // Ignore nonsense: absent, unlimited, below 64 KiB or above 1 GiB.
    if rc != 0 || limit.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    usize::try_from(limit.rlim_cur)
        .ok()
        .filter(|s| (1 << 16..=1 << 30).contains(s))
}

fn block_all_signals() {
    // SAFETY: sigset_t is plain data; sigfillset initialises it before
    // pthread_sigmask reads it, and a NULL old-set pointer is allowed.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut set);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    #[test]
    fn runs_named_with_signals_blocked() {
        let ok = Arc::new(AtomicBool::new(false));
        let seen = Arc::clone(&ok);
        let t = spawn(move || {
            let named = std::thread::current().name() == Some("ZMQapp");
            // SAFETY: reading the current mask into a zeroed sigset_t.
            let blocked = unsafe {
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut set);
                libc::sigismember(&set, libc::SIGINT) == 1
                    && libc::sigismember(&set, libc::SIGTERM) == 1
            };
            seen.store(named && blocked, Ordering::SeqCst);
        })
        .unwrap();
        t.join();
        assert!(ok.load(Ordering::SeqCst));
    }
}
