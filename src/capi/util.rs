//! The utility functions of zmq.h: version and capabilities, Z85, CURVE keys,
//! atomic counters, stopwatch, sleep, application threads and timers.
//!
//! Where libzmq dereferences a NULL or bogus pointer (and crashes), we fail
//! with EFAULT instead, or do nothing in functions that return `void`.
//! Timer sets are checked against a table of live handles (like contexts),
//! so a stale or foreign handle is EFAULT, never a wild read. Atomic counters,
//! stopwatches and threads are plain boxes: only NULL is caught, as those
//! calls must stay cheap and libzmq checks nothing at all.

use std::collections::BTreeMap;
use std::ffi::{c_char, c_int, c_long, c_ulong, c_void, CStr};
use std::ptr;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use super::types::zmq_timer_fn;
use super::{check_null, ffi_try};
use crate::constants::{ZMQ_VERSION_MAJOR, ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH};
use crate::error::{Errno, Result};
use crate::util::atomic_counter::AtomicCounter;
use crate::util::curve_keys::{self, KeyPair, Z85_KEY_LEN};
use crate::util::stopwatch::Stopwatch;
use crate::util::thread::{self, AppThread};
use crate::util::timers::Timers;
use crate::util::{capabilities, clock, z85};

/// `zmq_thread_fn`: the body of a thread started by `zmq_threadstart`.
#[allow(non_camel_case_types)]
pub type zmq_thread_fn = unsafe extern "C" fn(arg: *mut c_void);

// ---------------------------------------------------------------------------
// Version and capabilities

/// Report the libzmq version this library is compatible with (4.3.5).
/// NULL pointers are skipped.
///
/// # Safety
/// Each non-NULL pointer must be valid for writing an int.
#[no_mangle]
pub unsafe extern "C" fn zmq_version(major: *mut c_int, minor: *mut c_int, patch: *mut c_int) {
    ffi_try!((), {
        for (out, value) in [
            (major, ZMQ_VERSION_MAJOR),
            (minor, ZMQ_VERSION_MINOR),
            (patch, ZMQ_VERSION_PATCH),
        ] {
            if !out.is_null() {
                // SAFETY: non-NULL, and the caller promises it is writable.
                unsafe { out.write(value) };
            }
        }
        Ok(())
    })
}

/// 1 if this build supports `capability` ("ipc", "curve", "draft", ...),
/// else 0 (also for NULL).
///
/// # Safety
/// `capability` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn zmq_has(capability: *const c_char) -> c_int {
    ffi_try!(0, {
        if capability.is_null() {
            return Ok(0);
        }
        // SAFETY: non-NULL, and the caller promises a NUL-terminated string.
        let name = unsafe { CStr::from_ptr(capability) };
        let name = name.to_bytes();
        // pgm and norm are there when OpenPGM / libnorm load (at run time,
        // see transport/pgm and transport/norm).
        let loaded = (name == b"pgm" && crate::transport::pgm::available())
            || (name == b"norm" && crate::transport::norm::available());
        Ok(c_int::from(capabilities::has(name) || loaded))
    })
}

// ---------------------------------------------------------------------------
// Z85 and CURVE keys

/// Encode `size` bytes (a multiple of 4) as Z85 into `dest`, which receives
/// `size * 5 / 4` characters and a NUL. Returns `dest`, or NULL with EINVAL.
///
/// # Safety
/// `dest` must have room for `size * 5 / 4 + 1` bytes and `data` must point to
/// `size` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn zmq_z85_encode(
    dest: *mut c_char,
    data: *const u8,
    size: usize,
) -> *mut c_char {
    ffi_try!(ptr::null_mut(), {
        if !size.is_multiple_of(4) {
            return Err(Errno::EINVAL);
        }
        check_null!(dest, Errno::EFAULT);
        let input: &[u8] = if size == 0 {
            &[]
        } else {
            check_null!(data, Errno::EFAULT);
            // SAFETY: non-NULL, and the caller promises `size` readable bytes.
            unsafe { std::slice::from_raw_parts(data, size) }
        };
        let text_len = z85::encoded_len(size);
        // SAFETY: the caller promises room for the text and its NUL.
        let out = unsafe { std::slice::from_raw_parts_mut(dest.cast::<u8>(), text_len + 1) };
        z85::encode_into(input, &mut out[..text_len])?;
        out[text_len] = 0;
        Ok(dest)
    })
}

/// Decode the Z85 string `string` into `dest` (`strlen (string) * 4 / 5`
/// bytes). Returns `dest`, or NULL with EINVAL when the length is below 5 or
/// not a multiple of 5, or the text is not valid Z85.
///
/// # Safety
/// `string` must be a NUL-terminated string and `dest` must have room for
/// `strlen (string) * 4 / 5` bytes.
#[no_mangle]
pub unsafe extern "C" fn zmq_z85_decode(dest: *mut u8, string: *const c_char) -> *mut u8 {
    ffi_try!(ptr::null_mut(), {
        check_null!(string, Errno::EFAULT);
        // SAFETY: non-NULL, and the caller promises a NUL-terminated string.
        let text = unsafe { CStr::from_ptr(string) }.to_bytes();
        if text.len() < 5 || !text.len().is_multiple_of(5) {
            return Err(Errno::EINVAL);
        }
        check_null!(dest, Errno::EFAULT);
        // SAFETY: non-NULL, and the caller promises room for the decoded bytes.
        let out = unsafe { std::slice::from_raw_parts_mut(dest, z85::decoded_len(text.len())) };
        z85::decode_into(text, out)?;
        Ok(dest)
    })
}

/// Write `key` as 40 Z85 characters and a NUL to `dest`.
///
/// # Safety
/// `dest` must be non-NULL and have room for 41 bytes.
unsafe fn write_z85_key(dest: *mut c_char, key: &[u8; Z85_KEY_LEN]) {
    // SAFETY: the caller promises 41 writable bytes at `dest`.
    let out = unsafe { std::slice::from_raw_parts_mut(dest.cast::<u8>(), Z85_KEY_LEN + 1) };
    out[..Z85_KEY_LEN].copy_from_slice(key);
    out[Z85_KEY_LEN] = 0;
}

/// Generate a new CURVE key pair, each key written as 40 Z85 characters and
/// a NUL. Returns 0, or -1 with errno if no randomness is available.
///
/// # Safety
/// Both buffers must have room for 41 bytes.
#[no_mangle]
pub unsafe extern "C" fn zmq_curve_keypair(
    z85_public_key: *mut c_char,
    z85_secret_key: *mut c_char,
) -> c_int {
    ffi_try!(-1, {
        check_null!(z85_public_key, Errno::EFAULT);
        check_null!(z85_secret_key, Errno::EFAULT);
        let pair = KeyPair::generate()?;
        let mut secret = pair.secret_z85();
        // SAFETY: both non-NULL, and the caller promises 41 bytes each.
        unsafe {
            write_z85_key(z85_public_key, &pair.public_z85());
            write_z85_key(z85_secret_key, &secret);
        }
        secret.fill(0);
        Ok(0)
    })
}

/// Derive the Z85 public key of a 40-character Z85 secret key. Returns 0, or
/// -1 with EINVAL when the secret key is not 40 valid Z85 characters.
///
/// # Safety
/// `z85_public_key` must have room for 41 bytes; `z85_secret_key` must be a
/// NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn zmq_curve_public(
    z85_public_key: *mut c_char,
    z85_secret_key: *const c_char,
) -> c_int {
    ffi_try!(-1, {
        check_null!(z85_secret_key, Errno::EFAULT);
        // SAFETY: non-NULL, and the caller promises a NUL-terminated string.
        let secret = unsafe { CStr::from_ptr(z85_secret_key) }.to_bytes();
        let public = curve_keys::public_z85_from_secret_z85(secret)?;
        check_null!(z85_public_key, Errno::EFAULT);
        // SAFETY: non-NULL, and the caller promises 41 bytes.
        unsafe { write_z85_key(z85_public_key, &public) };
        Ok(0)
    })
}

// ---------------------------------------------------------------------------
// Atomic counters

/// The counter behind a handle, or EFAULT for NULL.
///
/// # Safety
/// A non-NULL `counter` must come from `zmq_atomic_counter_new` and not be destroyed.
unsafe fn counter_ref<'a>(counter: *mut c_void) -> Result<&'a AtomicCounter> {
    check_null!(counter, Errno::EFAULT);
    // SAFETY: the caller promises a live pointer from zmq_atomic_counter_new,
    // which is a Box<AtomicCounter>; the counter is only used through `&`.
    Ok(unsafe { &*counter.cast::<AtomicCounter>() })
}

/// A new thread-safe counter, starting at 0.
#[no_mangle]
pub extern "C" fn zmq_atomic_counter_new() -> *mut c_void {
    ffi_try!(ptr::null_mut(), {
        Ok(Box::into_raw(Box::new(AtomicCounter::new())).cast::<c_void>())
    })
}

/// Set the counter to `value`. NULL: nothing happens.
///
/// # Safety
/// `counter` must be NULL or a live counter from `zmq_atomic_counter_new`.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_set(counter: *mut c_void, value: c_int) {
    // SAFETY: forwarded caller contract.
    ffi_try!((), unsafe { counter_ref(counter) }.map(|c| c.set(value)))
}

/// Add 1; returns the value before the increment. NULL: -1 with EFAULT.
///
/// # Safety
/// `counter` must be NULL or a live counter from `zmq_atomic_counter_new`.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_inc(counter: *mut c_void) -> c_int {
    // SAFETY: forwarded caller contract.
    ffi_try!(-1, unsafe { counter_ref(counter) }.map(|c| c.inc()))
}

/// Subtract 1; returns 1 if the new value is not zero, else 0. NULL: -1 with EFAULT.
///
/// # Safety
/// `counter` must be NULL or a live counter from `zmq_atomic_counter_new`.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_dec(counter: *mut c_void) -> c_int {
    // SAFETY: forwarded caller contract.
    ffi_try!(
        -1,
        unsafe { counter_ref(counter) }.map(|c| c_int::from(c.dec()))
    )
}

/// The current value. NULL: -1 with EFAULT.
///
/// # Safety
/// `counter` must be NULL or a live counter from `zmq_atomic_counter_new`.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_value(counter: *mut c_void) -> c_int {
    // SAFETY: forwarded caller contract.
    ffi_try!(-1, unsafe { counter_ref(counter) }.map(|c| c.value()))
}

/// Free the counter in `*counter_p` and set `*counter_p` to NULL. A NULL
/// `counter_p` or `*counter_p` is ignored.
///
/// # Safety
/// `counter_p` must be NULL or point to NULL or to a live counter.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_destroy(counter_p: *mut *mut c_void) {
    ffi_try!((), {
        if counter_p.is_null() {
            return Ok(());
        }
        // SAFETY: non-NULL, and the caller promises it points to a handle.
        let handle = unsafe { counter_p.replace(ptr::null_mut()) };
        if !handle.is_null() {
            // SAFETY: a live handle from zmq_atomic_counter_new is a
            // Box<AtomicCounter> we leaked; it is freed exactly once here.
            drop(unsafe { Box::from_raw(handle.cast::<AtomicCounter>()) });
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Stopwatch, sleep, threads

/// Start a stopwatch (microseconds, monotonic clock).
#[no_mangle]
pub extern "C" fn zmq_stopwatch_start() -> *mut c_void {
    ffi_try!(ptr::null_mut(), {
        Ok(Box::into_raw(Box::new(Stopwatch::start())).cast::<c_void>())
    })
}

/// Microseconds since the stopwatch started; it keeps running. NULL: 0.
///
/// # Safety
/// `watch` must be NULL or a running stopwatch from `zmq_stopwatch_start`.
#[no_mangle]
pub unsafe extern "C" fn zmq_stopwatch_intermediate(watch: *mut c_void) -> c_ulong {
    ffi_try!(0, {
        check_null!(watch, Errno::EFAULT);
        // SAFETY: the caller promises a live Box<Stopwatch> from zmq_stopwatch_start.
        let watch = unsafe { &*watch.cast::<Stopwatch>() };
        Ok(watch.elapsed_us() as c_ulong)
    })
}

/// Microseconds since the stopwatch started; frees it. NULL: 0.
///
/// # Safety
/// `watch` must be NULL or a running stopwatch from `zmq_stopwatch_start`;
/// it must not be used afterwards.
#[no_mangle]
pub unsafe extern "C" fn zmq_stopwatch_stop(watch: *mut c_void) -> c_ulong {
    ffi_try!(0, {
        check_null!(watch, Errno::EFAULT);
        // SAFETY: the caller promises a live Box<Stopwatch> and gives it up.
        let watch = unsafe { Box::from_raw(watch.cast::<Stopwatch>()) };
        Ok(watch.elapsed_us() as c_ulong)
    })
}

/// Sleep for `seconds` seconds (nothing for 0 or less).
#[no_mangle]
pub extern "C" fn zmq_sleep(seconds: c_int) {
    ffi_try!((), {
        if let Ok(secs) = u64::try_from(seconds) {
            std::thread::sleep(Duration::from_secs(secs));
        }
        Ok(())
    })
}

/// A C thread body and its argument, moved into the new thread.
struct ThreadStart {
    func: zmq_thread_fn,
    arg: *mut c_void,
}

// SAFETY: handing `arg` to another thread is what zmq_threadstart is for; the
// caller owns what it points to and is responsible for its thread-safety.
unsafe impl Send for ThreadStart {}

impl ThreadStart {
    fn run(self) {
        // SAFETY: the caller of zmq_threadstart promised a valid function
        // that may be called with `arg`.
        unsafe { (self.func)(self.arg) }
    }
}

/// Start a thread running `func(arg)`. Returns a handle for
/// `zmq_threadclose`, or NULL with errno (EFAULT for a NULL `func`).
///
/// # Safety
/// `func` must be safe to call with `arg` on another thread.
#[no_mangle]
pub unsafe extern "C" fn zmq_threadstart(
    func: Option<zmq_thread_fn>,
    arg: *mut c_void,
) -> *mut c_void {
    ffi_try!(ptr::null_mut(), {
        let func = func.ok_or(Errno::EFAULT)?;
        let start = ThreadStart { func, arg };
        let thread = thread::spawn(move || start.run())?;
        Ok(Box::into_raw(Box::new(thread)).cast::<c_void>())
    })
}

/// Wait for the thread to finish and free the handle. NULL is ignored.
///
/// # Safety
/// `thread` must be NULL or a handle from `zmq_threadstart` not yet closed.
#[no_mangle]
pub unsafe extern "C" fn zmq_threadclose(thread: *mut c_void) {
    ffi_try!((), {
        if !thread.is_null() {
            // SAFETY: the caller promises a live Box<AppThread> and gives it up.
            unsafe { Box::from_raw(thread.cast::<AppThread>()) }.join();
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------
// Timers

/// A C timer handler and its argument.
#[derive(Clone, Copy)]
struct TimerHandler {
    func: zmq_timer_fn,
    arg: *mut c_void,
}

// SAFETY: a handler is only ever called by zmq_timers_execute on the caller's
// thread; the table of live sets merely stores it. The C caller owns `arg`.
unsafe impl Send for TimerHandler {}

type TimerSet = Timers<TimerHandler>;

/// The live timer sets, keyed by the handle given to C (the set's address in
/// its `Arc`). Handles are never dereferenced: unknown ones are EFAULT.
static TIMER_SETS: Mutex<BTreeMap<usize, Arc<TimerSet>>> =
    parking_lot::const_mutex(BTreeMap::new());

fn timer_set(handle: *mut c_void) -> Result<Arc<TimerSet>> {
    TIMER_SETS
        .lock()
        .get(&(handle as usize))
        .cloned()
        .ok_or(Errno::EFAULT)
}

/// Interval from C (`size_t` milliseconds).
fn interval_ms(interval: usize) -> u64 {
    u64::try_from(interval).unwrap_or(u64::MAX)
}

/// A new, empty timer set.
#[no_mangle]
pub extern "C" fn zmq_timers_new() -> *mut c_void {
    ffi_try!(ptr::null_mut(), {
        let set = Arc::new(TimerSet::new());
        let handle = Arc::as_ptr(&set) as *mut c_void;
        TIMER_SETS.lock().insert(handle as usize, set);
        Ok(handle)
    })
}

/// Destroy the timer set in `*timers_p` and set `*timers_p` to NULL.
/// EFAULT if `timers_p` is NULL or `*timers_p` is not a live timer set.
///
/// # Safety
/// `timers_p` must be NULL or valid for reading and writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_destroy(timers_p: *mut *mut c_void) -> c_int {
    ffi_try!(-1, {
        check_null!(timers_p, Errno::EFAULT);
        // SAFETY: non-NULL, and the caller promises a readable pointer.
        let handle = unsafe { timers_p.read() };
        let set = TIMER_SETS
            .lock()
            .remove(&(handle as usize))
            .ok_or(Errno::EFAULT)?;
        // A zmq_timers_execute running a handler (that called us) still holds
        // the set; emptying it makes that execute stop.
        set.clear();
        // SAFETY: as above, and the caller promises it is writable.
        unsafe { timers_p.write(ptr::null_mut()) };
        Ok(0)
    })
}

/// Add a timer calling `handler(id, arg)` every `interval` ms. Returns its
/// id (> 0), or -1 with EFAULT for a bad set or a NULL handler.
#[no_mangle]
pub extern "C" fn zmq_timers_add(
    timers: *mut c_void,
    interval: usize,
    handler: Option<zmq_timer_fn>,
    arg: *mut c_void,
) -> c_int {
    ffi_try!(-1, {
        let set = timer_set(timers)?;
        let func = handler.ok_or(Errno::EFAULT)?;
        Ok(set.add(
            interval_ms(interval),
            TimerHandler { func, arg },
            clock::now_ms(),
        ))
    })
}

/// Cancel a timer. EINVAL if there is no such timer or it is already
/// cancelled; EFAULT for a bad set.
#[no_mangle]
pub extern "C" fn zmq_timers_cancel(timers: *mut c_void, timer_id: c_int) -> c_int {
    ffi_try!(-1, timer_set(timers)?.cancel(timer_id).map(|()| 0))
}

/// Change a timer's interval and restart it from now. EINVAL for an unknown
/// timer; EFAULT for a bad set.
#[no_mangle]
pub extern "C" fn zmq_timers_set_interval(
    timers: *mut c_void,
    timer_id: c_int,
    interval: usize,
) -> c_int {
    ffi_try!(-1, {
        let set = timer_set(timers)?;
        set.set_interval(timer_id, interval_ms(interval), clock::now_ms())
            .map(|()| 0)
    })
}

/// Restart a timer: next due one interval from now. EINVAL for an unknown
/// timer; EFAULT for a bad set.
#[no_mangle]
pub extern "C" fn zmq_timers_reset(timers: *mut c_void, timer_id: c_int) -> c_int {
    ffi_try!(
        -1,
        timer_set(timers)?
            .reset(timer_id, clock::now_ms())
            .map(|()| 0)
    )
}

/// Milliseconds until the next timer is due (0 if overdue), or -1 when there
/// is none (errno untouched). EFAULT for a bad set.
#[no_mangle]
pub extern "C" fn zmq_timers_timeout(timers: *mut c_void) -> c_long {
    ffi_try!(-1, {
        let set = timer_set(timers)?;
        Ok(match set.timeout(clock::now_ms()) {
            Some(ms) => c_long::try_from(ms).unwrap_or(c_long::MAX),
            None => -1,
        })
    })
}

/// Run the handlers of the due timers. Returns 0; EFAULT for a bad set.
/// Handlers may add, cancel, reset and reschedule timers, and destroy the set.
///
/// # Safety
/// Every handler added to the set must be safe to call with its argument.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_execute(timers: *mut c_void) -> c_int {
    ffi_try!(-1, {
        let set = timer_set(timers)?;
        set.execute(clock::now_ms(), |id, handler| {
            // SAFETY: the caller of zmq_timers_add promised a valid handler
            // that may be called with its argument.
            unsafe { (handler.func)(id, handler.arg) }
        });
        Ok(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CString;

    #[test]
    fn z85_through_the_c_api() {
        let data = [0x86u8, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];
        let mut text = [0x55 as c_char; 11];
        // SAFETY: buffers sized as the C API requires.
        unsafe {
            assert_eq!(
                zmq_z85_encode(text.as_mut_ptr(), data.as_ptr(), 8),
                text.as_mut_ptr()
            );
            assert_eq!(CStr::from_ptr(text.as_ptr()).to_bytes(), b"HelloWorld");
            let mut out = [0u8; 8];
            assert_eq!(
                zmq_z85_decode(out.as_mut_ptr(), text.as_ptr()),
                out.as_mut_ptr()
            );
            assert_eq!(out, data);
            assert!(zmq_z85_encode(text.as_mut_ptr(), data.as_ptr(), 7).is_null());
            assert_eq!(crate::error::errno(), libc::EINVAL);
            let bad = CString::new("Hello").unwrap();
            assert!(!zmq_z85_decode(out.as_mut_ptr(), bad.as_ptr()).is_null());
            let bad = CString::new("Hell").unwrap();
            assert!(zmq_z85_decode(out.as_mut_ptr(), bad.as_ptr()).is_null());
            assert_eq!(crate::error::errno(), libc::EINVAL);
        }
    }

    unsafe extern "C" fn count(_id: c_int, arg: *mut c_void) {
        // SAFETY: the tests pass a pointer to a live c_int.
        unsafe { *arg.cast::<c_int>() += 1 };
    }

    #[test]
    fn timers_handles() {
        let mut fired: c_int = 0;
        let mut t = zmq_timers_new();
        let arg = (&mut fired as *mut c_int).cast::<c_void>();
        let id = zmq_timers_add(t, 0, Some(count), arg);
        assert_eq!(id, 1);
        // SAFETY: the handler and its argument outlive the set.
        unsafe {
            assert_eq!(zmq_timers_execute(t), 0);
            assert_eq!(zmq_timers_destroy(&mut t), 0);
        }
        assert!(t.is_null());
        assert_eq!(fired, 1);
        let mut local = 0u64;
        let bogus = (&mut local as *mut u64).cast::<c_void>();
        assert_eq!(zmq_timers_cancel(bogus, 1), -1);
        assert_eq!(crate::error::errno(), libc::EFAULT);
        assert_eq!(zmq_timers_timeout(ptr::null_mut()), -1);
        assert_eq!(crate::error::errno(), libc::EFAULT);
    }
}
