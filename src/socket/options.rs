//! Socket options: storage, libzmq's defaults, and the generic parsing rules
//! (int options need exactly sizeof(int); string getters NUL-terminate).
//! Pattern-specific options (ROUTER_MANDATORY, SUBSCRIBE, ...) are handled by
//! the pattern modules; what is stored here is what every socket has.

use crate::constants::*;
use crate::error::{Errno, Result};

#[derive(Clone)]
pub struct Options {
    pub socket_type: i32,
    pub sndhwm: i32,
    pub rcvhwm: i32,
    pub linger: i32,
    pub rcvtimeo: i32,
    pub sndtimeo: i32,
    pub routing_id: Vec<u8>,
    pub immediate: bool,
    pub conflate: bool,
    pub last_endpoint: String,
    /// Does this socket type want to know its peers' routing ids (ROUTER)?
    pub recv_routing_id: bool,
}

impl Options {
    pub fn new(socket_type: i32, blocky: bool) -> Options {
        Options {
            socket_type,
            sndhwm: 1000,
            rcvhwm: 1000,
            linger: if blocky { -1 } else { 0 },
            rcvtimeo: -1,
            sndtimeo: -1,
            routing_id: Vec::new(),
            immediate: false,
            conflate: false,
            last_endpoint: String::new(),
            recv_routing_id: false,
        }
    }

    pub fn set(&mut self, option: i32, val: &[u8]) -> Result<()> {
        match option {
            ZMQ_SNDHWM => self.sndhwm = int_at_least(val, 0)?,
            ZMQ_RCVHWM => self.rcvhwm = int_at_least(val, 0)?,
            ZMQ_LINGER => self.linger = int_at_least(val, -1)?,
            ZMQ_RCVTIMEO => self.rcvtimeo = int_at_least(val, -1)?,
            ZMQ_SNDTIMEO => self.sndtimeo = int_at_least(val, -1)?,
            ZMQ_ROUTING_ID => {
                if val.is_empty() || val.len() > 255 {
                    return Err(Errno::EINVAL);
                }
                self.routing_id = val.to_vec();
            }
            ZMQ_IMMEDIATE => self.immediate = bool_int(val)?,
            ZMQ_CONFLATE => self.conflate = bool_int(val)?,
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }

    pub fn get(&self, option: i32, out: &mut OptOut) -> Result<()> {
        match option {
            ZMQ_TYPE => out.int(self.socket_type),
            ZMQ_SNDHWM => out.int(self.sndhwm),
            ZMQ_RCVHWM => out.int(self.rcvhwm),
            ZMQ_LINGER => out.int(self.linger),
            ZMQ_RCVTIMEO => out.int(self.rcvtimeo),
            ZMQ_SNDTIMEO => out.int(self.sndtimeo),
            ZMQ_ROUTING_ID => out.bytes(&self.routing_id),
            ZMQ_IMMEDIATE => out.int(self.immediate as i32),
            ZMQ_CONFLATE => out.int(self.conflate as i32),
            ZMQ_LAST_ENDPOINT => out.string(&self.last_endpoint),
            _ => Err(Errno::EINVAL),
        }
    }
}

/// Parse an int option value: exactly sizeof(int) bytes, native order.
pub fn int_value(val: &[u8]) -> Result<i32> {
    let bytes: [u8; 4] = val.try_into().map_err(|_| Errno::EINVAL)?;
    Ok(i32::from_ne_bytes(bytes))
}

pub fn int_at_least(val: &[u8], min: i32) -> Result<i32> {
    let v = int_value(val)?;
    if v < min {
        return Err(Errno::EINVAL);
    }
    Ok(v)
}

/// A 0/1 int option (libzmq rejects other values with EINVAL).
pub fn bool_int(val: &[u8]) -> Result<bool> {
    match int_value(val)? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Errno::EINVAL),
    }
}

/// The caller's getsockopt buffer, with libzmq's size rules.
pub struct OptOut<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> OptOut<'a> {
    pub fn new(buf: &'a mut [u8]) -> OptOut<'a> {
        OptOut { buf, len: 0 }
    }

    /// Bytes written (what getsockopt stores in *optvallen).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// An int value: the buffer must be exactly sizeof(int).
    pub fn int(&mut self, v: i32) -> Result<()> {
        if self.buf.len() != 4 {
            return Err(Errno::EINVAL);
        }
        self.buf.copy_from_slice(&v.to_ne_bytes());
        self.len = 4;
        Ok(())
    }

    /// An int64/uint64 value: the buffer must be exactly 8 bytes.
    pub fn int64(&mut self, v: i64) -> Result<()> {
        if self.buf.len() != 8 {
            return Err(Errno::EINVAL);
        }
        self.buf.copy_from_slice(&v.to_ne_bytes());
        self.len = 8;
        Ok(())
    }

    /// Binary value: the buffer must hold it.
    pub fn bytes(&mut self, v: &[u8]) -> Result<()> {
        if self.buf.len() < v.len() {
            return Err(Errno::EINVAL);
        }
        self.buf[..v.len()].copy_from_slice(v);
        self.len = v.len();
        Ok(())
    }

    /// String value: copied with its NUL, the rest of the buffer zeroed.
    pub fn string(&mut self, v: &str) -> Result<()> {
        let n = v.len() + 1;
        if self.buf.len() < n {
            return Err(Errno::EINVAL);
        }
        self.buf[..v.len()].copy_from_slice(v.as_bytes());
        self.buf[v.len()..].fill(0);
        self.len = n;
        Ok(())
    }

    /// A file descriptor (zmq_fd_t = int on POSIX).
    pub fn fd(&mut self, fd: i32) -> Result<()> {
        self.int(fd)
    }
}
