//! The context: options, sockets, termination.
//!
//! A `Ctx` is shared (`Arc`) by the C handle (see [`registry`]) and, later, by
//! every socket and I/O thread it owns. Options sit behind a mutex: they are
//! read when a socket or thread is created, never on the message path.

pub mod options;
pub mod registry;
pub mod sockets;
mod zap;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::error::Result;
pub use options::CtxOptions;

/// One ZeroMQ context (`zmq_ctx_new`).
pub struct Ctx {
    options: Mutex<CtxOptions>,
    /// Set by `zmq_ctx_shutdown` or `zmq_ctx_term`: from then on new sockets
    /// fail with ETERM and blocking calls are woken with ETERM.
    terminating: AtomicBool,
    /// Set when `terminate` has finished; the handle is gone after that.
    terminated: AtomicBool,
    /// Live sockets and the inproc endpoint table.
    pub sockets: sockets::SocketTable,
    /// Background I/O threads, started with the first tcp/ipc endpoint.
    io_threads: Mutex<Vec<crate::io::thread::IoThread>>,
    next_io: std::sync::atomic::AtomicUsize,
}

impl Ctx {
    pub fn new() -> Arc<Ctx> {
        Arc::new(Ctx {
            options: Mutex::new(CtxOptions::default()),
            terminating: AtomicBool::new(false),
            terminated: AtomicBool::new(false),
            sockets: sockets::SocketTable::default(),
            io_threads: Mutex::new(Vec::new()),
            next_io: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// `zmq_ctx_set_ext`: set `option` from raw bytes (an int is 4 native bytes).
    /// Options stay settable after shutdown, as in libzmq.
    pub fn set(&self, option: i32, value: &[u8]) -> Result<()> {
        self.options.lock().set(option, value)
    }

    /// `zmq_ctx_get_ext`: write `option` into `buf`; returns the bytes written.
    pub fn get(&self, option: i32, buf: &mut [u8]) -> Result<usize> {
        self.options.lock().get(option, buf)
    }

    /// `zmq_ctx_set`.
    pub fn set_int(&self, option: i32, value: i32) -> Result<()> {
        self.options.lock().set_int(option, value)
    }

    /// `zmq_ctx_get`.
    pub fn get_int(&self, option: i32) -> Result<i32> {
        self.options.lock().get_int(option)
    }

    /// A consistent copy of every option, for code that reads several at once
    /// (starting the I/O threads; a new socket, which takes its ZMQ_IPV6 and,
    /// from ZMQ_BLOCKY, its ZMQ_LINGER from here).
    pub fn options(&self) -> CtxOptions {
        self.options.lock().clone()
    }

    // Typed accessors for the socket and I/O layers. ZMQ_IO_THREADS,
    // ZMQ_MAX_SOCKETS and the thread options only take effect when the context
    // starts, i.e. at its first socket (libzmq documents the same); later sets
    // are stored and reported by get but change nothing.

    /// ZMQ_IO_THREADS (>= 0; 0 is allowed for inproc-only contexts).
    pub fn io_threads(&self) -> usize {
        self.options.lock().io_threads as usize
    }

    /// ZMQ_MAX_SOCKETS (>= 1).
    pub fn max_sockets(&self) -> usize {
        self.options.lock().max_sockets as usize
    }

    /// ZMQ_MAX_MSGSZ (>= 0, default INT_MAX).
    pub fn max_msgsz(&self) -> usize {
        self.options.lock().max_msgsz as usize
    }

    /// ZMQ_ZERO_COPY_RECV: whether engines may hand out slices of their
    /// receive buffer as message content.
    pub fn zero_copy_recv(&self) -> bool {
        self.options.lock().zero_copy_recv
    }

    /// ZMQ_THREAD_PRIORITY (-1: leave the OS default).
    pub fn thread_priority(&self) -> i32 {
        self.options.lock().thread_priority
    }

    /// ZMQ_THREAD_SCHED_POLICY (-1: leave the OS default).
    pub fn thread_sched_policy(&self) -> i32 {
        self.options.lock().thread_sched_policy
    }

    /// ZMQ_THREAD_AFFINITY_CPU_ADD/REMOVE: CPUs the I/O threads are pinned to
    /// (empty: no pinning).
    pub fn thread_affinity_cpus(&self) -> BTreeSet<i32> {
        self.options.lock().thread_affinity_cpus.clone()
    }

    /// ZMQ_THREAD_NAME_PREFIX as raw bytes (at most 16; may be empty).
    pub fn thread_name_prefix(&self) -> Vec<u8> {
        self.options.lock().thread_name_prefix.clone()
    }

    /// `zmq_ctx_shutdown`: stop accepting sockets and make blocking calls
    /// return ETERM; does not wait. Idempotent.
    pub fn shutdown(&self) {
        // Release pairs with the Acquire in is_terminating, so a socket that
        // sees the flag also sees whatever was set before shutting down.
        self.terminating.store(true, Ordering::Release);
        self.sockets.stop_all();
    }

    /// `zmq_ctx_term`: shut down, then (once sockets exist) wait until every
    /// socket is closed and linger has expired. EINTR leaves the context alive
    /// so the call can be retried, as in libzmq.
    pub fn terminate(&self) -> Result<()> {
        self.shutdown();
        self.sockets.wait_all_closed();
        // The I/O threads finish sending what closed sockets left (within
        // each socket's linger), then exit.
        let threads = std::mem::take(&mut *self.io_threads.lock());
        for mut t in threads {
            t.stop();
        }
        // Large bodies kept for the next burst: there may be no next one.
        crate::msg::large::release_kept();
        self.terminated.store(true, Ordering::Release);
        Ok(())
    }

    /// The mailbox of an I/O thread for a new endpoint: round robin among
    /// the threads ZMQ_AFFINITY allows (bit i: thread i; 0: any), as
    /// libzmq's choose_io_thread picks among them. Starts ZMQ_IO_THREADS
    /// threads on first use; with no thread allowed there is nothing to run
    /// a connection on (EMTHREAD, as libzmq).
    pub fn io_thread(&self, affinity: u64) -> Result<Arc<crate::io::command::SocketMailbox>> {
        let mut threads = self.io_threads.lock();
        if threads.is_empty() {
            if self.is_terminating() {
                return Err(crate::error::Errno::ETERM);
            }
            let n = self.io_threads();
            let prefix = self.thread_name_prefix();
            let sched = crate::io::slice::ThreadSched {
                policy: self.thread_sched_policy(),
                priority: self.thread_priority(),
                cpus: self.thread_affinity_cpus().into_iter().collect(),
            };
            for i in 0..n {
                let name = if prefix.is_empty() {
                    format!("ZMQbg/IO/{i}")
                } else {
                    format!("{}/ZMQbg/IO/{i}", String::from_utf8_lossy(&prefix))
                };
                let t = crate::io::thread::IoThread::start(name, sched.clone())
                    .map_err(|_| crate::error::Errno::EMTHREAD)?;
                threads.push(t);
            }
        }
        if threads.is_empty() {
            return Err(crate::error::Errno::EMTHREAD);
        }
        let allowed = |i: usize| affinity == 0 || (i < 64 && affinity & (1 << i) != 0);
        let eligible = (0..threads.len()).filter(|&i| allowed(i)).count();
        if eligible == 0 {
            return Err(crate::error::Errno::EMTHREAD);
        }
        let nth = self.next_io.fetch_add(1, Ordering::Relaxed) % eligible;
        let i = (0..threads.len())
            .filter(|&i| allowed(i))
            .nth(nth)
            .unwrap_or(0);
        Ok(threads[i].mailbox().clone())
    }

    /// True once `shutdown` or `terminate` was called.
    pub fn is_terminating(&self) -> bool {
        self.terminating.load(Ordering::Acquire)
    }

    /// True once `terminate` has completed.
    pub fn is_terminated(&self) -> bool {
        self.terminated.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Errno;

    #[test]
    fn options_through_ctx() {
        let ctx = Ctx::new();
        assert_eq!(ctx.io_threads(), 1);
        assert_eq!(ctx.max_sockets(), 1023);
        assert!(ctx.options().blocky);
        assert!(!ctx.options().ipv6);
        assert!(ctx.zero_copy_recv());
        assert_eq!(ctx.max_msgsz(), i32::MAX as usize);
        assert_eq!(ctx.thread_priority(), -1);
        assert_eq!(ctx.thread_sched_policy(), -1);
        assert!(ctx.thread_affinity_cpus().is_empty());
        assert!(ctx.thread_name_prefix().is_empty());

        ctx.set_int(1, 4).unwrap();
        ctx.set_int(70, 0).unwrap();
        ctx.set_int(42, 1).unwrap();
        ctx.set_int(7, 2).unwrap();
        ctx.set(9, b"pfx\0\0").unwrap();
        assert_eq!(ctx.io_threads(), 4);
        assert!(!ctx.options().blocky);
        assert!(ctx.options().ipv6);
        assert_eq!(
            ctx.thread_affinity_cpus().into_iter().collect::<Vec<_>>(),
            [2]
        );
        assert_eq!(ctx.thread_name_prefix(), b"pfx\0\0");
        assert_eq!(ctx.get_int(1), Ok(4));
        assert_eq!(ctx.set_int(1, -1), Err(Errno::EINVAL));
        assert_eq!(ctx.options().io_threads, 4);
    }

    #[test]
    fn shutdown_then_terminate() {
        let ctx = Ctx::new();
        assert!(!ctx.is_terminating());
        ctx.shutdown();
        ctx.shutdown();
        assert!(ctx.is_terminating());
        assert!(!ctx.is_terminated());
        // Options still work after shutdown, as in libzmq.
        ctx.set_int(1, 2).unwrap();
        assert_eq!(ctx.get_int(1), Ok(2));
        ctx.terminate().unwrap();
        assert!(ctx.is_terminated());
    }
}
