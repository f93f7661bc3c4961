//! zmq_socket_monitor: socket events delivered as messages on an inproc
//! socket the application connects to.
//!
//! Frame layout (libzmq's): version 1 sends [u16 event | u32 value] in native
//! byte order (6 bytes), then the endpoint. Version 2 (draft) sends a u64
//! event, a u64 value count, that many u64 values, then the local and the
//! remote endpoint.

use super::Socket;
use crate::constants::*;
use crate::ctx::Ctx;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use std::sync::Arc;

/// Where a socket's events go: shared with its sessions in the I/O threads,
/// which report connection events as they happen (the monitored socket's
/// own thread may be blocked elsewhere).
pub type MonitorSink = Arc<parking_lot::Mutex<Option<Monitor>>>;

/// Report an event to `sink` if monitoring is on (v1 value = `value`).
pub fn emit(sink: &MonitorSink, event: i32, value: u64, endpoint: &str) {
    if let Some(m) = sink.lock().as_mut() {
        m.event(event as u32 as u64, &[value], endpoint, "");
    }
}

pub struct Monitor {
    socket: Box<Socket>,
    events: u64,
    version: i32,
}

impl Monitor {
    /// Create the monitor's own socket and bind it to `addr` (inproc only).
    pub fn start(
        ctx: Arc<Ctx>,
        addr: &str,
        events: u64,
        version: i32,
        socket_type: i32,
    ) -> Result<Monitor> {
        if !addr.starts_with("inproc://") {
            return Err(Errno::EPROTONOSUPPORT);
        }
        if version != 1 && version != 2 {
            return Err(Errno::EINVAL);
        }
        if version == 1 && events >> 16 != 0 {
            return Err(Errno::EINVAL);
        }
        if ![ZMQ_PAIR, ZMQ_PUB, ZMQ_PUSH].contains(&socket_type) {
            return Err(Errno::EINVAL);
        }
        let mut socket = Box::new(Socket::new(ctx, socket_type)?);
        // Events are dropped rather than block the monitored socket.
        let zero = 0i32.to_ne_bytes();
        socket.setsockopt(ZMQ_LINGER, &zero)?;
        socket.setsockopt(ZMQ_SNDTIMEO, &zero)?;
        if let Err(e) = socket.bind(addr) {
            socket.close();
            return Err(e);
        }
        Ok(Monitor {
            socket,
            events,
            version,
        })
    }

    /// Emit `event` if the application asked for it.
    pub fn event(&mut self, event: u64, values: &[u64], local: &str, remote: &str) {
        if self.events & event == 0 {
            return;
        }
        let mut frames: Vec<Msg> = Vec::with_capacity(4);
        if self.version == 1 {
            let mut head = [0u8; 6];
            head[..2].copy_from_slice(&(event as u16).to_ne_bytes());
            let value = values.first().copied().unwrap_or(0) as u32;
            head[2..].copy_from_slice(&value.to_ne_bytes());
            frames.push(Msg::from_slice(&head));
            frames.push(Msg::from_slice(local.as_bytes()));
        } else {
            frames.push(Msg::from_slice(&event.to_ne_bytes()));
            frames.push(Msg::from_slice(&(values.len() as u64).to_ne_bytes()));
            for v in values {
                frames.push(Msg::from_slice(&v.to_ne_bytes()));
            }
            frames.push(Msg::from_slice(local.as_bytes()));
            frames.push(Msg::from_slice(remote.as_bytes()));
        }
        let last = frames.len() - 1;
        for (i, mut f) in frames.into_iter().enumerate() {
            let flags = if i < last { ZMQ_SNDMORE } else { 0 } | ZMQ_DONTWAIT;
            if self.socket.send(&mut f, flags).is_err() {
                return;
            }
        }
    }

    /// Stop monitoring: MONITOR_STOPPED (if asked for), then close.
    pub fn stop(mut self) {
        self.event(ZMQ_EVENT_MONITOR_STOPPED as u64, &[0], "", "");
        self.socket.close();
    }
}
