//! How an I/O thread asks the kernel to schedule it: the context's thread
//! options, then a short time slice.
//!
//! An I/O thread runs in short bursts (tens of microseconds: move a command
//! onto the wire, or a decoded message into a pipe) and sleeps in epoll in
//! between. On a loaded machine its wake-up often lands on a CPU that is
//! running the application's thread, which does not block while it goes on
//! making calls (pyzmq's test_log subscribes, then publishes 300 us later).
//! Linux's EEVDF scheduler lets a waking task preempt the running one only
//! when its virtual deadline comes first; with the default slice (0.7 ms
//! times 1 + log2(CPUs), 1.4 ms on two CPUs) a freshly woken I/O thread
//! usually loses that comparison and waits for the application's slice or
//! the next tick, so the subscription reaches the publisher milliseconds
//! late. A custom slice shorter than the default (sched_attr.sched_runtime for
//! SCHED_OTHER, Linux 6.12+) gives it an earlier deadline, so it runs at once
//! and is back asleep before the application notices. The CPU share is
//! unchanged: EEVDF still splits time by weight (nice); only the granularity
//! differs. Kernels before 6.12 ignore sched_runtime for SCHED_OTHER.
//!
//! libzmq does not do this; its I/O thread wins the same race only now and
//! then, through the history of its own start-up (measured in
//! capi-tests/test_pubsub_busy_subscribe_ours.c and the pyzmq run).

/// The slice asked for: above the kernel's 0.1 ms floor, well below the
/// default on any machine, and longer than an I/O thread's usual burst.
pub const IO_SLICE_NS: u64 = 200_000;

/// The calling thread's scheduling attributes (sched_getattr(2)).
fn current_attr() -> Option<libc::sched_attr> {
    let size = std::mem::size_of::<libc::sched_attr>() as u32;
    let mut attr = libc::sched_attr {
        size,
        sched_policy: 0,
        sched_flags: 0,
        sched_nice: 0,
        sched_priority: 0,
        sched_runtime: 0,
        sched_deadline: 0,
        sched_period: 0,
    };
    // SAFETY: sched_getattr(2) on the calling thread (pid 0) writes at most
    // `size` bytes into `attr`, a live sched_attr of exactly that size.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_sched_getattr,
            0,
            &mut attr as *mut libc::sched_attr,
            size,
            0,
        )
    };
    (rc == 0).then_some(attr)
}

/// Ask for [`IO_SLICE_NS`] on the calling thread, keeping its nice value.
/// Left alone: a thread under another policy (the application chose
/// SCHED_BATCH, SCHED_IDLE or a real-time class), or one already asking for
/// a shorter slice. Failure changes nothing, so it is ignored.
pub fn request_short_slice() {
    let Some(mut attr) = current_attr() else {
        return;
    };
    if attr.sched_policy != libc::SCHED_OTHER as u32 {
        return;
    }
    if attr.sched_runtime != 0 && attr.sched_runtime <= IO_SLICE_NS {
        return;
    }
    attr.size = std::mem::size_of::<libc::sched_attr>() as u32;
    attr.sched_flags = 0;
    attr.sched_runtime = IO_SLICE_NS;
    // SAFETY: sched_setattr(2) on the calling thread reads `size` bytes from
    // `attr`; policy and nice are the thread's own, as sched_getattr gave them.
    let _ = unsafe {
        libc::syscall(
            libc::SYS_sched_setattr,
            0,
            &attr as *const libc::sched_attr,
            0,
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_policy_and_nice() {
        std::thread::spawn(|| {
            let before = current_attr().expect("sched_getattr");
            request_short_slice();
            let after = current_attr().expect("sched_getattr");
            assert_eq!(
                (after.sched_policy, after.sched_nice),
                (before.sched_policy, before.sched_nice)
            );
            // Kernels that keep custom slices (6.12+) report ours; older
            // ones report none.
            if before.sched_policy == libc::SCHED_OTHER as u32 {
                let r = after.sched_runtime;
                assert!(
                    r == 0 || r <= IO_SLICE_NS || r == before.sched_runtime,
                    "{r}"
                );
            }
        })
        .join()
        .unwrap();
    }
}

/// The context's thread options as libzmq applies them to its background
/// threads (ZMQ_THREAD_SCHED_POLICY, ZMQ_THREAD_PRIORITY,
/// ZMQ_THREAD_AFFINITY_CPU_ADD/REMOVE); -1 / empty leave the OS default.
#[derive(Clone, Debug, Default)]
pub struct ThreadSched {
    pub policy: i32,
    pub priority: i32,
    pub cpus: Vec<i32>,
}

impl ThreadSched {
    /// Apply to the calling thread, as libzmq's thread_t does at start: the
    /// policy, the priority (for SCHED_FIFO/SCHED_RR; for the others a
    /// positive priority asks for nice -20), and the CPU set. Where libzmq
    /// asserts (e.g. EPERM for a real-time policy without the capability),
    /// the thread keeps what it had and runs on.
    pub fn apply(&self) {
        // SAFETY: pthread_self has no preconditions.
        let me = unsafe { libc::pthread_self() };
        let mut policy = 0;
        // SAFETY: a zeroed sched_param is a valid value to overwrite.
        let mut param: libc::sched_param = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        if unsafe { libc::pthread_getschedparam(me, &mut policy, &mut param) } != 0 {
            return;
        }
        if self.policy != -1 {
            policy = self.policy;
        }
        let realtime = policy == libc::SCHED_FIFO || policy == libc::SCHED_RR;
        if self.priority != -1 {
            param.sched_priority = if realtime { self.priority } else { 0 };
        }
        if self.policy != -1 || self.priority != -1 {
            // SAFETY: valid thread, policy and parameters; failure is ignored.
            let _ = unsafe { libc::pthread_setschedparam(me, policy, &param) };
        }
        if !realtime && self.priority > 0 {
            // SAFETY: nice(2) on this thread (Linux: per thread); EPERM
            // without CAP_SYS_NICE is ignored.
            let _ = unsafe { libc::nice(-20) };
        }
        if !self.cpus.is_empty() {
            // SAFETY: a zeroed cpu_set_t is the empty set.
            let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
            for &cpu in &self.cpus {
                if (0..libc::CPU_SETSIZE).contains(&cpu) {
                    // SAFETY: `cpu` is within the set's CPU_SETSIZE bits.
                    unsafe { libc::CPU_SET(cpu as usize, &mut set) };
                }
            }
            // SAFETY: the set lives across the call, its size is given.
            let _ = unsafe {
                libc::pthread_setaffinity_np(me, std::mem::size_of::<libc::cpu_set_t>(), &set)
            };
        }
    }
}
