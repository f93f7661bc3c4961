//! Monitor events as the I/O threads raise them: the two ends an event
//! names, and the sink it goes to. The sink is the socket's monitor
//! (socket/monitor.rs, which also formats the frames), behind a trait so
//! that this layer does not reach up into sockets.

use crate::constants::*;
use std::sync::Arc;

/// The two ends an event is about (libzmq's endpoint_uri_pair_t). The v1
/// frame carries only one of them: the local end for events of a bound
/// endpoint, the remote end for a connecter's.
#[derive(Clone, Copy)]
pub struct Ends<'a> {
    pub local: &'a str,
    pub remote: &'a str,
    pub bound: bool,
}

impl<'a> Ends<'a> {
    /// A listener's or accepted connection's event.
    pub fn bound(local: &'a str, remote: &'a str) -> Ends<'a> {
        Ends {
            local,
            remote,
            bound: true,
        }
    }

    /// A connecter's event.
    pub fn connect(local: &'a str, remote: &'a str) -> Ends<'a> {
        Ends {
            local,
            remote,
            bound: false,
        }
    }

    pub fn v1(&self) -> &'a str {
        if self.bound {
            self.local
        } else {
            self.remote
        }
    }
}

/// Where the I/O threads report a socket's events: its monitor, if any
/// (socket/monitor.rs implements it; the I/O layer does not know sockets).
pub trait EventSink: Send + Sync {
    /// Report `event` with its `values` if monitoring is on and wants it.
    fn event(&self, event: u64, values: &[u64], ends: Ends);
    /// CLOSED for a descriptor we no longer know (see
    /// [`emit_closed_unknown_fd`]).
    fn closed_unknown_fd(&self, ends: Ends);
}

/// Report an event of a bound endpoint (v1 endpoint = `endpoint`, v2 local
/// = `endpoint`, remote empty).
pub fn emit(sink: &dyn EventSink, event: i32, value: u64, endpoint: &str) {
    emit_at(sink, event, value, Ends::bound(endpoint, ""));
}

/// Report an event to `sink` if monitoring is on.
pub fn emit_at(sink: &dyn EventSink, event: i32, value: u64, ends: Ends) {
    sink.event(event as u32 as u64, &[value], ends);
}

/// CLOSED for a descriptor the transport opened and already closed again
/// after a failed bind or connect, without telling us its number. The
/// kernel hands out the lowest free descriptor, so the one it just freed is
/// (barring a race with another thread) the lowest free one now: libzmq
/// reports that number, so we report the same.
pub fn emit_closed_unknown_fd(sink: &dyn EventSink, ends: Ends) {
    sink.closed_unknown_fd(ends);
}

/// A zmq_socket_monitor_pipes_stats request travelling to the far end of
/// one of the socket's pipes (its session, or the inproc peer socket): the
/// far end adds its own count and reports to the requester's monitor.
pub struct PipeStatsQuery {
    /// Messages the socket wrote into the pipe that the far end has not
    /// acknowledged reading.
    pub outbound: u64,
    pub sink: Arc<dyn EventSink>,
}

impl PipeStatsQuery {
    /// The far end's answer: `inbound` = messages it wrote towards the
    /// socket that the socket has not acknowledged reading.
    pub fn answer(&self, inbound: u64, ends: Ends) {
        self.sink.event(
            ZMQ_EVENT_PIPES_STATS as u64,
            &[self.outbound, inbound],
            ends,
        );
    }
}
