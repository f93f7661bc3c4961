//! zmq_socket_monitor: socket events delivered as messages on an inproc
//! socket the application connects to.
//!
//! Frame layout (libzmq's): version 1 sends [u16 event | u32 value] in native
//! byte order (6 bytes), then the endpoint. Version 2 (draft) sends a u64
//! event, a u64 value count, that many u64 values, then the local and the
//! remote endpoint.
//!
//! Events come from the socket's own thread (LISTENING, BIND_FAILED,
//! PIPES_STATS) and from the I/O threads running its connections (all the
//! rest), so the monitor sits behind a lock shared with every session. It
//! sends with DONTWAIT: a monitor nobody reads loses events, it never stalls
//! an I/O thread.
//!
//! Monitoring stops (MONITOR_STOPPED, then the monitor socket closes) when
//! the application asks (zmq_socket_monitor with a NULL address, or a new
//! monitor), or, on zmq_close, once the socket and every listener and
//! session it left in the I/O threads are gone: they hold the sink, so the
//! CLOSED events of a closing socket's listeners still precede
//! MONITOR_STOPPED, as in libzmq (which stops the monitor when the reaper
//! destroys the socket, after its sessions).

use super::Socket;
use crate::constants::*;
use crate::ctx::Ctx;
use crate::error::{Errno, Result};
pub use crate::io::monitor::{
    emit, emit_at, emit_closed_unknown_fd, Ends, EventSink, PipeStatsQuery,
};
use crate::msg::Msg;
use crate::pipe::Notice;
use std::sync::Arc;

/// Where a socket's events go: shared with its sessions in the I/O threads,
/// which report connection events as they happen (the monitored socket's
/// own thread may be blocked elsewhere).
pub type MonitorSink = Arc<parking_lot::Mutex<Option<Monitor>>>;

/// Events reach the monitor socket through the lock the sink shares with
/// the I/O threads (see the module comment).
impl EventSink for parking_lot::Mutex<Option<Monitor>> {
    fn event(&self, event: u64, values: &[u64], ends: Ends) {
        if let Some(m) = self.lock().as_mut() {
            m.event(event, values, ends);
        }
    }

    /// See `emit_closed_unknown_fd`.
    fn closed_unknown_fd(&self, ends: Ends) {
        if let Some(m) = self.lock().as_mut() {
            if m.wants(ZMQ_EVENT_CLOSED as u64) {
                let fd = m.lowest_free_fd();
                m.event(ZMQ_EVENT_CLOSED as u64, &[fd as u64], ends);
            }
        }
    }
}

pub struct Monitor {
    /// None only while being dropped.
    socket: Option<Box<Socket>>,
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
        // Events are dropped rather than block the monitored socket, and
        // never hold up context termination.
        let zero = 0i32.to_ne_bytes();
        socket.setsockopt(ZMQ_LINGER, &zero)?;
        socket.setsockopt(ZMQ_SNDTIMEO, &zero)?;
        if let Err(e) = socket.bind(addr) {
            socket.close();
            return Err(e);
        }
        Ok(Monitor {
            socket: Some(socket),
            events,
            version,
        })
    }

    pub fn wants(&self, event: u64) -> bool {
        self.events & event != 0
    }

    /// See `emit_closed_unknown_fd`.
    fn lowest_free_fd(&self) -> i64 {
        let Some(s) = self.socket.as_ref() else {
            return -1;
        };
        // SAFETY: duplicating a descriptor we own (the monitor socket's
        // mailbox) onto the lowest free number, then closing the duplicate.
        unsafe {
            let fd = libc::fcntl(s.fd(), libc::F_DUPFD_CLOEXEC, 0);
            if fd >= 0 {
                libc::close(fd);
            }
            fd as i64
        }
    }

    /// Emit `event` if the application asked for it.
    pub fn event(&mut self, event: u64, values: &[u64], ends: Ends) {
        if !self.wants(event) {
            return;
        }
        let Some(socket) = self.socket.as_mut() else {
            return;
        };
        let mut frames: Vec<Msg> = Vec::with_capacity(4 + values.len());
        if self.version == 1 {
            let mut head = [0u8; 6];
            head[..2].copy_from_slice(&(event as u16).to_ne_bytes());
            let value = values.first().copied().unwrap_or(0) as u32;
            head[2..].copy_from_slice(&value.to_ne_bytes());
            frames.push(Msg::from_slice(&head));
            frames.push(Msg::from_slice(ends.v1().as_bytes()));
        } else {
            frames.push(Msg::from_slice(&event.to_ne_bytes()));
            frames.push(Msg::from_slice(&(values.len() as u64).to_ne_bytes()));
            for v in values {
                frames.push(Msg::from_slice(&v.to_ne_bytes()));
            }
            frames.push(Msg::from_slice(ends.local.as_bytes()));
            frames.push(Msg::from_slice(ends.remote.as_bytes()));
        }
        // All or nothing: an event that does not fit (no reader, or the
        // reader's HWM reached) is dropped whole, never cut in the middle.
        let last = frames.len() - 1;
        for (i, mut f) in frames.into_iter().enumerate() {
            let flags = if i < last { ZMQ_SNDMORE } else { 0 } | ZMQ_DONTWAIT;
            if socket.send(&mut f, flags).is_err() {
                return;
            }
        }
    }

    /// Stop monitoring now: MONITOR_STOPPED (if asked for), then close.
    pub fn stop(self) {
        drop(self)
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        self.event(ZMQ_EVENT_MONITOR_STOPPED as u64, &[0], Ends::bound("", ""));
        if let Some(s) = self.socket.take() {
            s.close();
        }
    }
}

impl Socket {
    /// zmq_socket_monitor_pipes_stats (draft): ask the far end of every
    /// pipe for its queue; each answers with a PIPES_STATS event.
    pub fn pipes_stats(&mut self) -> Result<()> {
        self.check_stopped()?;
        let wanted = self
            .base
            .monitor
            .lock()
            .as_ref()
            .is_some_and(|m| m.wants(ZMQ_EVENT_PIPES_STATS as u64));
        if !wanted {
            return Err(Errno::EINVAL);
        }
        self.process_commands();
        if self.base.pipes.is_empty() {
            return Err(Errno::EAGAIN);
        }
        let slots: Vec<usize> = self.base.pipes.slots().collect();
        for slot in slots {
            let end = self.base.pipes.get(slot);
            let query = Box::new(PipeStatsQuery {
                outbound: end.unread_by_peer(),
                sink: self.base.monitor.clone(),
            });
            end.send_to_peer(Notice::Other(query));
        }
        Ok(())
    }
}
