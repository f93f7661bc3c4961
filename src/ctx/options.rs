//! Context options: what `zmq_ctx_set` / `zmq_ctx_get` (and the draft `_ext`
//! forms) store, with libzmq 4.3's defaults and validation rules.
//!
//! Every value travels as raw bytes, exactly as in libzmq: a value is an `int`
//! when its length is `size_of::<c_int>()`, whatever the option. That is why a
//! 4-byte thread-name prefix passed to `zmq_ctx_set_ext` is read as a number;
//! libzmq does the same and we match it.
//!
//! Values behave as in Debian's libzmq 4.3.4 on Linux (checked with a probe):
//! with the epoll poller there is no fd ceiling, so ZMQ_MAX_SOCKETS accepts any
//! value >= 1 and ZMQ_SOCKET_LIMIT reports 65535.

use std::collections::BTreeSet;

use crate::constants::{
    ZMQ_BLOCKY, ZMQ_IO_THREADS, ZMQ_IO_THREADS_DFLT, ZMQ_IPV6, ZMQ_MAX_MSGSZ, ZMQ_MAX_SOCKETS,
    ZMQ_MAX_SOCKETS_DFLT, ZMQ_MSG_T_SIZE, ZMQ_SOCKET_LIMIT, ZMQ_THREAD_AFFINITY_CPU_ADD,
    ZMQ_THREAD_AFFINITY_CPU_REMOVE, ZMQ_THREAD_NAME_PREFIX, ZMQ_THREAD_PRIORITY,
    ZMQ_THREAD_PRIORITY_DFLT, ZMQ_THREAD_SCHED_POLICY, ZMQ_THREAD_SCHED_POLICY_DFLT,
};
use crate::error::{Errno, Result};

/// A draft constant in zmq.h (so crate::constants has it only with the
/// `draft` feature), but libzmq's context handles it in stable builds too.
const ZMQ_ZERO_COPY_RECV: i32 = 10;

/// What ZMQ_SOCKET_LIMIT reports: libzmq's 65535, not clipped on Linux (epoll
/// has no fd ceiling).
const SOCKET_LIMIT: i32 = 65535;
/// `sizeof (zmq_msg_t)`, reported by ZMQ_MSG_T_SIZE.
const MSG_T_SIZE: i32 = 64;
/// Longest thread-name prefix accepted in string form (Linux thread names are
/// 16 bytes with the NUL).
const THREAD_NAME_PREFIX_MAX: usize = 16;

const INT_LEN: usize = std::mem::size_of::<libc::c_int>();

/// The option values of one context.
///
/// ZMQ_IO_THREADS, the thread options and ZMQ_MAX_SOCKETS only matter when the
/// context starts (at its first socket): libzmq documents that later changes
/// have no effect, so the I/O layer reads them once at start-up. ZMQ_IPV6 and
/// ZMQ_BLOCKY are read each time a socket is created (its ZMQ_IPV6, and its
/// ZMQ_LINGER: -1 or 0). ZMQ_ZERO_COPY_RECV, which libzmq also copies into
/// each socket for its decoder, is stored and reported only: our decoders
/// always hand out large messages as slices of the receive buffer, which no
/// API call can tell from a copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CtxOptions {
    pub io_threads: i32,
    pub max_sockets: i32,
    pub thread_priority: i32,
    pub thread_sched_policy: i32,
    pub max_msgsz: i32,
    pub thread_affinity_cpus: BTreeSet<i32>,
    /// Raw bytes, as given (the int form stores its decimal text).
    pub thread_name_prefix: Vec<u8>,
    pub ipv6: bool,
    pub blocky: bool,
    pub zero_copy_recv: bool,
}

impl Default for CtxOptions {
    fn default() -> Self {
        CtxOptions {
            io_threads: ZMQ_IO_THREADS_DFLT,
            max_sockets: ZMQ_MAX_SOCKETS_DFLT,
            thread_priority: ZMQ_THREAD_PRIORITY_DFLT,
            thread_sched_policy: ZMQ_THREAD_SCHED_POLICY_DFLT,
            max_msgsz: i32::MAX,
            thread_affinity_cpus: BTreeSet::new(),
            thread_name_prefix: Vec::new(),
            ipv6: false,
            blocky: true,
            zero_copy_recv: true,
        }
    }
}

/// The value as a C int when it is exactly int-sized.
fn as_int(value: &[u8]) -> Option<i32> {
    <[u8; INT_LEN]>::try_from(value)
        .ok()
        .map(i32::from_ne_bytes)
}

/// The value as a non-negative C int: what most options accept.
fn non_negative(value: &[u8]) -> Result<i32> {
    match as_int(value) {
        Some(v) if v >= 0 => Ok(v),
        _ => Err(Errno::EINVAL),
    }
}

/// C `atoi` as glibc does it (`(int) strtol (s, NULL, 10)`): skip white space,
/// optional sign, digits up to the first non-digit; strtol saturates at the
/// `long` range and the cast then keeps the low 32 bits.
fn atoi(bytes: &[u8]) -> i32 {
    let mut it = bytes
        .iter()
        .copied()
        .skip_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'))
        .peekable();
    let negative = match it.peek() {
        Some(b'-') => {
            it.next();
            true
        }
        Some(b'+') => {
            it.next();
            false
        }
        _ => false,
    };
    let mut acc: i64 = 0;
    for b in it.take_while(u8::is_ascii_digit) {
        let d = i64::from(b - b'0');
        acc = if negative {
            acc.saturating_mul(10).saturating_sub(d)
        } else {
            acc.saturating_mul(10).saturating_add(d)
        };
    }
    acc as i32
}

impl CtxOptions {
    /// Set `option` from its raw value (an int is `size_of::<c_int>()` native
    /// bytes). Unknown options, wrong lengths and out-of-range values: EINVAL.
    pub fn set(&mut self, option: i32, value: &[u8]) -> Result<()> {
        match option {
            ZMQ_IO_THREADS => self.io_threads = non_negative(value)?,
            ZMQ_MAX_SOCKETS => match as_int(value) {
                Some(v) if v >= 1 => self.max_sockets = v,
                _ => return Err(Errno::EINVAL),
            },
            ZMQ_THREAD_PRIORITY => self.thread_priority = non_negative(value)?,
            ZMQ_THREAD_SCHED_POLICY => self.thread_sched_policy = non_negative(value)?,
            ZMQ_MAX_MSGSZ => self.max_msgsz = non_negative(value)?,
            ZMQ_THREAD_AFFINITY_CPU_ADD => {
                self.thread_affinity_cpus.insert(non_negative(value)?);
            }
            ZMQ_THREAD_AFFINITY_CPU_REMOVE => {
                if !self.thread_affinity_cpus.remove(&non_negative(value)?) {
                    return Err(Errno::EINVAL);
                }
            }
            ZMQ_THREAD_NAME_PREFIX => {
                self.thread_name_prefix = match as_int(value) {
                    Some(v) => v.to_string().into_bytes(),
                    None if !value.is_empty() && value.len() <= THREAD_NAME_PREFIX_MAX => {
                        value.to_vec()
                    }
                    None => return Err(Errno::EINVAL),
                }
            }
            ZMQ_ZERO_COPY_RECV => self.zero_copy_recv = non_negative(value)? != 0,
            ZMQ_IPV6 => self.ipv6 = non_negative(value)? != 0,
            ZMQ_BLOCKY => self.blocky = non_negative(value)? != 0,
            // MSG_T_SIZE and SOCKET_LIMIT are read-only; anything else is unknown.
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }

    /// Get `option` into `buf`, whose length says what the caller wants (an int
    /// when it is `size_of::<c_int>()`). Returns the number of bytes written.
    pub fn get(&self, option: i32, buf: &mut [u8]) -> Result<usize> {
        let is_int = buf.len() == INT_LEN;
        if option == ZMQ_THREAD_NAME_PREFIX && !is_int {
            // String form: the stored bytes, no terminator added (a caller who
            // wants one includes it when setting, as libzmq's tests do).
            let prefix = &self.thread_name_prefix;
            let out = buf.get_mut(..prefix.len()).ok_or(Errno::EINVAL)?;
            out.copy_from_slice(prefix);
            return Ok(prefix.len());
        }
        if !is_int {
            return Err(Errno::EINVAL);
        }
        let v = self.get_int(option)?;
        buf.copy_from_slice(&v.to_ne_bytes());
        Ok(INT_LEN)
    }

    /// Set an int-valued option (`zmq_ctx_set`).
    pub fn set_int(&mut self, option: i32, value: i32) -> Result<()> {
        self.set(option, &value.to_ne_bytes())
    }

    /// Get an option as an int (`zmq_ctx_get`); set-only and unknown options
    /// give EINVAL.
    pub fn get_int(&self, option: i32) -> Result<i32> {
        Ok(match option {
            ZMQ_IO_THREADS => self.io_threads,
            ZMQ_MAX_SOCKETS => self.max_sockets,
            ZMQ_SOCKET_LIMIT => SOCKET_LIMIT,
            ZMQ_THREAD_SCHED_POLICY => self.thread_sched_policy,
            ZMQ_MAX_MSGSZ => self.max_msgsz,
            ZMQ_MSG_T_SIZE => MSG_T_SIZE,
            ZMQ_THREAD_NAME_PREFIX => atoi(&self.thread_name_prefix),
            ZMQ_ZERO_COPY_RECV => i32::from(self.zero_copy_recv),
            ZMQ_IPV6 => i32::from(self.ipv6),
            ZMQ_BLOCKY => i32::from(self.blocky),
            _ => return Err(Errno::EINVAL),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> CtxOptions {
        CtxOptions::default()
    }

    #[test]
    fn defaults() {
        let o = opts();
        assert_eq!(o.get_int(ZMQ_IO_THREADS), Ok(1));
        assert_eq!(o.get_int(ZMQ_MAX_SOCKETS), Ok(1023));
        assert_eq!(o.get_int(ZMQ_SOCKET_LIMIT), Ok(65535));
        assert_eq!(o.get_int(ZMQ_THREAD_SCHED_POLICY), Ok(-1));
        assert_eq!(o.get_int(ZMQ_MAX_MSGSZ), Ok(i32::MAX));
        assert_eq!(o.get_int(ZMQ_MSG_T_SIZE), Ok(64));
        assert_eq!(o.get_int(ZMQ_THREAD_NAME_PREFIX), Ok(0));
        assert_eq!(o.get_int(ZMQ_ZERO_COPY_RECV), Ok(1));
        assert_eq!(o.get_int(ZMQ_IPV6), Ok(0));
        assert_eq!(o.get_int(ZMQ_BLOCKY), Ok(1));
        assert_eq!(o.thread_priority, -1);
        assert!(o.thread_affinity_cpus.is_empty());
    }

    #[test]
    fn unknown_and_write_only_options() {
        let mut o = opts();
        for opt in [-1, 0, 11, 12, 41, 43, 69, 71, i32::MAX, i32::MIN] {
            assert_eq!(o.set_int(opt, 0), Err(Errno::EINVAL), "set {opt}");
            assert_eq!(o.get_int(opt), Err(Errno::EINVAL), "get {opt}");
        }
        // Set-only.
        assert_eq!(o.get_int(ZMQ_THREAD_AFFINITY_CPU_ADD), Err(Errno::EINVAL));
        assert_eq!(
            o.get_int(ZMQ_THREAD_AFFINITY_CPU_REMOVE),
            Err(Errno::EINVAL)
        );
        // Get-only.
        assert_eq!(o.set_int(ZMQ_MSG_T_SIZE, 64), Err(Errno::EINVAL));
        // 3 reads as SOCKET_LIMIT but writes THREAD_PRIORITY.
        assert_eq!(o.set_int(ZMQ_THREAD_PRIORITY, 7), Ok(()));
        assert_eq!(o.thread_priority, 7);
        assert_eq!(o.get_int(ZMQ_SOCKET_LIMIT), Ok(65535));
    }

    #[test]
    fn non_negative_options() {
        for opt in [
            ZMQ_IO_THREADS,
            ZMQ_THREAD_PRIORITY,
            ZMQ_THREAD_SCHED_POLICY,
            ZMQ_MAX_MSGSZ,
            ZMQ_THREAD_AFFINITY_CPU_ADD,
            ZMQ_ZERO_COPY_RECV,
            ZMQ_IPV6,
            ZMQ_BLOCKY,
        ] {
            let mut o = opts();
            let before = o.clone();
            assert_eq!(o.set_int(opt, -1), Err(Errno::EINVAL), "opt {opt}");
            assert_eq!(o.set_int(opt, i32::MIN), Err(Errno::EINVAL), "opt {opt}");
            assert_eq!(o, before, "a rejected set leaves the value alone");
            assert_eq!(o.set_int(opt, 0), Ok(()), "opt {opt}");
        }
    }

    #[test]
    fn round_trips() {
        let mut o = opts();
        o.set_int(ZMQ_IO_THREADS, 0).unwrap();
        assert_eq!(o.get_int(ZMQ_IO_THREADS), Ok(0));
        o.set_int(ZMQ_IO_THREADS, 1000).unwrap();
        assert_eq!(o.get_int(ZMQ_IO_THREADS), Ok(1000));
        o.set_int(ZMQ_THREAD_SCHED_POLICY, 5).unwrap();
        assert_eq!(o.get_int(ZMQ_THREAD_SCHED_POLICY), Ok(5));
        o.set_int(ZMQ_MAX_MSGSZ, 0).unwrap();
        assert_eq!(o.get_int(ZMQ_MAX_MSGSZ), Ok(0));
        // Booleans read back as 0/1.
        for (opt, field) in [(ZMQ_IPV6, 0), (ZMQ_BLOCKY, 1), (ZMQ_ZERO_COPY_RECV, 2)] {
            o.set_int(opt, 7).unwrap();
            assert_eq!(o.get_int(opt), Ok(1));
            o.set_int(opt, 0).unwrap();
            assert_eq!(o.get_int(opt), Ok(0));
            let flags = [o.ipv6, o.blocky, o.zero_copy_recv];
            assert!(!flags[field]);
        }
    }

    #[test]
    fn max_sockets_range() {
        let mut o = opts();
        assert_eq!(o.set_int(ZMQ_MAX_SOCKETS, 0), Err(Errno::EINVAL));
        assert_eq!(o.set_int(ZMQ_MAX_SOCKETS, -5), Err(Errno::EINVAL));
        assert_eq!(o.get_int(ZMQ_MAX_SOCKETS), Ok(1023));
        o.set_int(ZMQ_MAX_SOCKETS, 1).unwrap();
        assert_eq!(o.get_int(ZMQ_MAX_SOCKETS), Ok(1));
        // No ceiling on Linux, as with libzmq's epoll poller.
        o.set_int(ZMQ_MAX_SOCKETS, i32::MAX).unwrap();
        assert_eq!(o.get_int(ZMQ_MAX_SOCKETS), Ok(i32::MAX));
    }

    #[test]
    fn affinity_set() {
        let mut o = opts();
        assert_eq!(
            o.set_int(ZMQ_THREAD_AFFINITY_CPU_REMOVE, 3),
            Err(Errno::EINVAL)
        );
        o.set_int(ZMQ_THREAD_AFFINITY_CPU_ADD, 3).unwrap();
        o.set_int(ZMQ_THREAD_AFFINITY_CPU_ADD, 3).unwrap();
        o.set_int(ZMQ_THREAD_AFFINITY_CPU_ADD, 1).unwrap();
        assert_eq!(
            o.thread_affinity_cpus.iter().copied().collect::<Vec<_>>(),
            [1, 3]
        );
        o.set_int(ZMQ_THREAD_AFFINITY_CPU_REMOVE, 3).unwrap();
        assert_eq!(
            o.set_int(ZMQ_THREAD_AFFINITY_CPU_REMOVE, 3),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            o.set_int(ZMQ_THREAD_AFFINITY_CPU_REMOVE, -1),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            o.thread_affinity_cpus.iter().copied().collect::<Vec<_>>(),
            [1]
        );
    }

    #[test]
    fn thread_name_prefix_int_form() {
        let mut o = opts();
        o.set_int(ZMQ_THREAD_NAME_PREFIX, -5).unwrap();
        assert_eq!(o.thread_name_prefix, b"-5");
        assert_eq!(o.get_int(ZMQ_THREAD_NAME_PREFIX), Ok(-5));
        o.set_int(ZMQ_THREAD_NAME_PREFIX, i32::MIN).unwrap();
        assert_eq!(o.get_int(ZMQ_THREAD_NAME_PREFIX), Ok(i32::MIN));
    }

    #[test]
    fn thread_name_prefix_string_form() {
        let mut o = opts();
        o.set(ZMQ_THREAD_NAME_PREFIX, b"MyPrefix9\0").unwrap();
        assert_eq!(o.thread_name_prefix, b"MyPrefix9\0");
        // The int view is atoi of the text.
        assert_eq!(o.get_int(ZMQ_THREAD_NAME_PREFIX), Ok(0));
        let mut buf = [0xffu8; 32];
        assert_eq!(o.get(ZMQ_THREAD_NAME_PREFIX, &mut buf), Ok(10));
        assert_eq!(&buf[..10], b"MyPrefix9\0");
        assert_eq!(buf[10], 0xff);
        // Too small (but not int-sized) a buffer.
        assert_eq!(
            o.get(ZMQ_THREAD_NAME_PREFIX, &mut buf[..9]),
            Err(Errno::EINVAL)
        );
        // Exactly 16 bytes is the limit; 0 and 17 are rejected.
        o.set(ZMQ_THREAD_NAME_PREFIX, &[b'a'; 16]).unwrap();
        assert_eq!(
            o.set(ZMQ_THREAD_NAME_PREFIX, &[b'a'; 17]),
            Err(Errno::EINVAL)
        );
        assert_eq!(o.set(ZMQ_THREAD_NAME_PREFIX, b""), Err(Errno::EINVAL));
        assert_eq!(o.thread_name_prefix, [b'a'; 16]);
        // A 4-byte value is an int, whatever it was meant to be (as in libzmq).
        o.set(ZMQ_THREAD_NAME_PREFIX, &42i32.to_ne_bytes()).unwrap();
        assert_eq!(o.thread_name_prefix, b"42");
        let mut four = [0u8; 4];
        assert_eq!(o.get(ZMQ_THREAD_NAME_PREFIX, &mut four), Ok(4));
        assert_eq!(i32::from_ne_bytes(four), 42);
        o.set(ZMQ_THREAD_NAME_PREFIX, b" +17x\0").unwrap();
        assert_eq!(o.get_int(ZMQ_THREAD_NAME_PREFIX), Ok(17));
    }

    #[test]
    fn int_options_need_int_length() {
        let mut o = opts();
        assert_eq!(o.set(ZMQ_IO_THREADS, &[1, 0]), Err(Errno::EINVAL));
        assert_eq!(
            o.set(ZMQ_IO_THREADS, &[1, 0, 0, 0, 0, 0, 0, 0]),
            Err(Errno::EINVAL)
        );
        assert_eq!(o.set(ZMQ_IO_THREADS, &[]), Err(Errno::EINVAL));
        o.set(ZMQ_IO_THREADS, &3i32.to_ne_bytes()).unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(o.get(ZMQ_IO_THREADS, &mut buf), Err(Errno::EINVAL));
        assert_eq!(o.get(ZMQ_IO_THREADS, &mut buf[..4]), Ok(4));
        assert_eq!(i32::from_ne_bytes(buf[..4].try_into().unwrap()), 3);
        assert_eq!(o.get(ZMQ_SOCKET_LIMIT, &mut buf[..2]), Err(Errno::EINVAL));
    }

    #[test]
    fn atoi_like_glibc() {
        assert_eq!(atoi(b""), 0);
        assert_eq!(atoi(b"abc"), 0);
        assert_eq!(atoi(b"  \t-12ab"), -12);
        assert_eq!(atoi(b"+7"), 7);
        assert_eq!(atoi(b"- 7"), 0);
        assert_eq!(atoi(b"12\x0034"), 12);
        assert_eq!(atoi(b"2147483647"), i32::MAX);
        assert_eq!(atoi(b"-2147483648"), i32::MIN);
        // strtol's long result truncated to int.
        assert_eq!(atoi(b"4294967297"), 1);
        assert_eq!(atoi(b"99999999999999999999"), i64::MAX as i32);
    }
}
