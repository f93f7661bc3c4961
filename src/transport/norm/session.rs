//! One NORM instance and session set up as libzmq 4.3.4's norm_engine
//! does (Debian's libzmq5, read from its calls into libnorm): a sender
//! (PUB/XPUB) with one stream, or a receiver (SUB/XSUB). NORM runs its own
//! thread; the descriptor it signals events on is what our reactor polls.

use super::ffi::{self, Handle, Lib, NormEvent};
use crate::error::Errno;
use std::ffi::CString;
use std::os::fd::{AsRawFd, RawFd};

/// libzmq 4.3.4's fixed NORM parameters: 2 MiB of buffer for the sender,
/// its stream and the receiver; 1400-byte segments, blocks of 16 with 4
/// parity segments; multicast TTL 255 (ZMQ_MULTICAST_HOPS is not read).
const BUFFER: u32 = 2 * 1024 * 1024;
const SEGMENT: u16 = 1400;
const BLOCK: u16 = 16;
const PARITY: u16 = 4;
const TTL: u8 = 255;

/// A NORM event the engine acts on (handles as opaque keys).
#[derive(Clone, Copy, Debug)]
pub struct Event {
    pub kind: i32,
    pub sender: usize,
    pub object: usize,
}

pub struct NormConn {
    lib: &'static Lib,
    instance: Handle,
    session: Handle,
    tx_stream: Handle,
    receiver: bool,
    fd: RawFd,
    name: String,
}

// SAFETY: the handles are used by one thread at a time (the I/O thread
// that owns the session; the application thread only made them), and
// libnorm locks its instance around every call.
unsafe impl Send for NormConn {}

/// A norm endpoint's parts.
#[derive(Debug, PartialEq, Eq)]
pub struct Endpoint<'a> {
    /// The local NormNodeId (NORM_NODE_ANY: from the host's address).
    pub id: Option<u32>,
    /// The multicast interface.
    pub iface: Option<&'a str>,
    pub addr: &'a str,
    pub port: u16,
}

/// libzmq's endpoint syntax `[id,][iface;]addr:port`. Like libzmq: the id
/// is what C's atoi makes of the text before the first ',' (at most 31
/// bytes), the interface at most 255 bytes before the first ';', the port
/// C's atoi of what follows the last ':'.
pub fn parse(endpoint: &str) -> Result<Endpoint<'_>, Errno> {
    fn cut(s: &str, max: usize) -> &str {
        let mut end = s.len().min(max);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        &s[..end]
    }
    let (id, rest) = match endpoint.split_once(',') {
        Some((id, rest)) => (
            Some(crate::transport::udp::c_atoi(cut(id, 31).as_bytes()) as u32),
            rest,
        ),
        None => (None, endpoint),
    };
    let (iface, rest) = match rest.split_once(';') {
        Some((iface, rest)) => (Some(cut(iface, 255)), rest),
        None => (None, rest),
    };
    let (addr, port) = rest.rsplit_once(':').ok_or(Errno::EINVAL)?;
    let port = crate::transport::udp::c_atoi(port.as_bytes()) as u16;
    Ok(Endpoint {
        id,
        iface,
        addr: cut(addr, 255),
        port,
    })
}

fn cstr(s: &str) -> Result<CString, Errno> {
    CString::new(s).map_err(|_| Errno::EINVAL)
}

impl NormConn {
    /// A sender (PUB, XPUB) or receiver (SUB, XSUB) session for `endpoint`
    /// (what follows "norm://"). Errors: EINVAL for a malformed endpoint,
    /// else what libnorm left in errno (libzmq aborts its I/O thread then).
    pub fn open(endpoint: &str, receiver: bool) -> Result<NormConn, Errno> {
        let lib = ffi::lib().ok_or(Errno::EPROTONOSUPPORT)?;
        let Endpoint {
            id,
            iface,
            addr,
            port,
        } = parse(endpoint)?;
        let (caddr, ciface) = (cstr(addr)?, iface.map(cstr).transpose()?);
        let failed = || {
            let e = std::io::Error::last_os_error();
            match e.raw_os_error() {
                Some(0) | None => Errno::EINVAL,
                Some(_) => Errno::from(e),
            }
        };
        // SAFETY: no pointer arguments.
        let instance = unsafe { (lib.create_instance)(false) };
        if instance == lib.instance_invalid {
            return Err(failed());
        }
        let mut c = NormConn {
            lib,
            instance,
            session: lib.session_invalid,
            tx_stream: lib.object_invalid,
            receiver,
            fd: -1,
            name: format!("norm://{endpoint}"),
        };
        // From here on Drop stops and destroys what was made.
        let node = id.unwrap_or(lib.node_any);
        // SAFETY: our instance; a NUL-terminated address.
        c.session = unsafe { (lib.create_session)(instance, caddr.as_ptr(), port, node) };
        if c.session == lib.session_invalid {
            return Err(failed());
        }
        let s = c.session;
        // SAFETY (this block): our live session; NUL-terminated strings
        // that outlive the calls; null for the optional ones.
        unsafe {
            if (lib.is_unicast_address)(caddr.as_ptr()) {
                (lib.set_default_unicast_nack)(s, true);
            } else {
                (lib.set_ttl)(s, TTL);
                (lib.set_rx_port_reuse)(s, true, std::ptr::null(), std::ptr::null(), 0);
                // Several members on one host hear each other.
                (lib.set_loopback)(s, true);
                if let Some(i) = &ciface {
                    // A bad interface only shows when the session starts.
                    (lib.set_multicast_interface)(s, i.as_ptr());
                }
            }
            if receiver {
                // Join a sender's stream from what it still holds.
                (lib.set_default_sync_policy)(s, ffi::NORM_SYNC_STREAM);
                if !(lib.start_receiver)(s, BUFFER) {
                    return Err(failed());
                }
            } else {
                let instance_id = (lib.get_random_session_id)();
                if !(lib.start_sender)(s, instance_id, BUFFER, SEGMENT, BLOCK, PARITY, 0) {
                    return Err(failed());
                }
                (lib.set_congestion_control)(s, true, true);
                c.tx_stream = (lib.stream_open)(s, BUFFER, std::ptr::null(), 0);
                if c.tx_stream == lib.object_invalid {
                    return Err(failed());
                }
            }
            c.fd = (lib.get_descriptor)(instance);
        }
        Ok(c)
    }

    /// A SUB/XSUB's session (else a PUB/XPUB's).
    pub fn is_receiver(&self) -> bool {
        self.receiver
    }

    /// The endpoint as given ("norm://...").
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The next pending event, without waiting.
    pub fn next_event(&mut self) -> Option<Event> {
        let mut ev = NormEvent {
            kind: 0,
            session: std::ptr::null(),
            sender: std::ptr::null(),
            object: std::ptr::null(),
        };
        // SAFETY: our instance and an event to fill; `false`: do not wait.
        if !unsafe { (self.lib.get_next_event)(self.instance, &mut ev, false) } {
            return None;
        }
        Some(Event {
            kind: ev.kind,
            sender: ev.sender as usize,
            object: ev.object as usize,
        })
    }

    /// Whether `object` (from an event) is a stream.
    pub fn is_stream(&self, object: usize) -> bool {
        // SAFETY: an object handle NORM just gave us in an event.
        unsafe { (self.lib.object_get_type)(object as Handle) == ffi::NORM_OBJECT_STREAM }
    }

    /// Skip to the next message start a sender marked in `stream`: false
    /// when none has arrived yet.
    pub fn seek_msg_start(&mut self, stream: usize) -> bool {
        // SAFETY: a live receive stream handle.
        unsafe { (self.lib.stream_seek_msg_start)(stream as Handle) }
    }

    /// Read from `stream`: Some(bytes read, 0 when nothing is there), None
    /// when the stream broke (data lost).
    pub fn read(&mut self, stream: usize, buf: &mut [u8]) -> Option<usize> {
        let mut n = buf.len().min(u32::MAX as usize) as libc::c_uint;
        // SAFETY: a live receive stream; `buf` has room for `n` bytes.
        let ok =
            unsafe { (self.lib.stream_read)(stream as Handle, buf.as_mut_ptr().cast(), &mut n) };
        ok.then_some(n as usize)
    }

    /// Write into the send stream: how many bytes it took (fewer when its
    /// buffer is full: NORM_TX_QUEUE_VACANCY says when to go on).
    pub fn write(&mut self, bytes: &[u8]) -> usize {
        let len = bytes.len().min(u32::MAX as usize) as libc::c_uint;
        // SAFETY: our send stream; `bytes` is readable for `len` bytes.
        unsafe { (self.lib.stream_write)(self.tx_stream, bytes.as_ptr().cast(), len) as usize }
    }

    /// Mark the end of a message part and send it at once, as libzmq.
    pub fn flush_message(&mut self) {
        // SAFETY: our send stream.
        unsafe { (self.lib.stream_flush)(self.tx_stream, true, ffi::NORM_FLUSH_ACTIVE) }
    }

    /// Forget an inactive remote sender and its streams.
    pub fn delete_node(&mut self, sender: usize) {
        // SAFETY: a node handle from the event that reported it inactive.
        unsafe { (self.lib.node_delete)(sender as Handle) }
    }
}

impl Drop for NormConn {
    fn drop(&mut self) {
        let l = self.lib;
        // SAFETY: our handles, each stopped and destroyed once; destroying
        // the instance also frees its streams and nodes.
        unsafe {
            if self.session != l.session_invalid {
                if self.receiver {
                    (l.stop_receiver)(self.session);
                } else if self.tx_stream != l.object_invalid {
                    (l.stop_sender)(self.session);
                }
                (l.destroy_session)(self.session);
            }
            (l.stop_instance)(self.instance);
            (l.destroy_instance)(self.instance);
        }
    }
}

impl AsRawFd for NormConn {
    fn as_raw_fd(&self) -> RawFd {
        self.fd
    }
}

multicast_source!(NormConn);

impl crate::transport::stream::Stream {
    /// A norm stream: Some(receiver?), for the engine to pick the norm wire
    /// (io/engine/norm.rs).
    pub fn norm_receiver(&self) -> Option<bool> {
        match self {
            crate::transport::stream::Stream::Norm(c) => Some(c.is_receiver()),
            _ => None,
        }
    }

    /// The NORM session of a norm stream.
    pub fn norm_mut(&mut self) -> Option<&mut NormConn> {
        match self {
            crate::transport::stream::Stream::Norm(c) => Some(c),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, Endpoint};
    use crate::error::Errno;

    fn ep(
        id: Option<u32>,
        iface: Option<&'static str>,
        addr: &'static str,
        port: u16,
    ) -> Endpoint<'static> {
        Endpoint {
            id,
            iface,
            addr,
            port,
        }
    }

    #[test]
    fn endpoints_as_libzmq_reads_them() {
        assert_eq!(
            parse("239.192.1.2:5556"),
            Ok(ep(None, None, "239.192.1.2", 5556))
        );
        assert_eq!(
            parse("127.0.0.1;239.192.1.2:5556"),
            Ok(ep(None, Some("127.0.0.1"), "239.192.1.2", 5556))
        );
        assert_eq!(
            parse("7,eth0;239.1.1.1:x"),
            Ok(ep(Some(7), Some("eth0"), "239.1.1.1", 0))
        );
        assert_eq!(parse("::1:70000"), Ok(ep(None, None, "::1", 4464)));
        assert_eq!(parse("239.1.1.1"), Err(Errno::EINVAL));
    }
}
