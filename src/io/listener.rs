//! The listener: a socket's bound endpoint in its I/O thread, libzmq's
//! tcp_listener / ipc_listener. It accepts connections and starts a session
//! with an engine for each (see `Sessions::start_engine`).
//!
//! An accept that fails for want of descriptors is retried: libzmq's level-triggered poller
//! retries a failed accept at every turn (reporting ACCEPT_FAILED each time);
//! our reactor is edge-triggered and would not wake again until another
//! peer connects, leaving the pending ones stranded. So a listener whose
//! accept failed tries again after a short pause.

use super::command::SessionOptions;
use super::monitor::Ends;
use super::session::{emit, emit_at, Entry, Session, Sessions};
use super::thread::{token, Reactor};
use crate::constants::*;
use crate::transport::stream::Listener;
use crate::util::clock::now_ms;
use mio::Interest;
use std::io;
use std::sync::Arc;

/// How long a listener waits before retrying a failed accept (ms).
const RETRY_MS: u64 = 100;

impl Sessions {
    /// Start accepting on a listener the socket bound.
    pub(super) fn listen(
        &mut self,
        r: &Reactor,
        listener: Listener,
        endpoint: String,
        opts: Arc<SessionOptions>,
    ) {
        let key = self.insert(Entry::Listener {
            listener,
            endpoint,
            opts,
        });
        let ok = match &mut self.entries[key] {
            Some(Entry::Listener { listener, .. }) => r
                .registry
                .register(listener, token(key), Interest::READABLE)
                .is_ok(),
            _ => false,
        };
        if !ok {
            self.destroy(r, key);
        }
    }

    pub(super) fn accept(&mut self, r: &Reactor, key: usize) {
        loop {
            let (stream, endpoint, opts) = match &self.entries[key] {
                Some(Entry::Listener {
                    listener,
                    endpoint,
                    opts,
                }) => match listener.accept() {
                    Ok(s) => (s, endpoint.clone(), opts.clone()),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    // EMFILE and friends: this connection is lost, the
                    // listener keeps serving.
                    Err(e) => {
                        let errno = e.raw_os_error().unwrap_or(0) as i64;
                        emit(opts, ZMQ_EVENT_ACCEPT_FAILED, errno, endpoint);
                        self.accept_failed(key);
                        return;
                    }
                },
                _ => return,
            };
            if !opts.transport.accept_filters.admits(&stream) {
                // Refused before any engine or pipe exists, as libzmq's
                // listener closes it (its monitor says ACCEPT_FAILED).
                let errno = i64::from(libc::EACCES);
                emit(&opts, ZMQ_EVENT_ACCEPT_FAILED, errno, &endpoint);
                continue;
            }
            stream.accepted(&opts.transport);
            let (local, remote) = (stream.local_name(), stream.remote_name());
            let ends = Ends::bound(&local, &remote);
            emit_at(&opts, ZMQ_EVENT_ACCEPTED, stream.fd() as i64, ends);
            let skey = self.insert(Entry::Session(Box::new(Session {
                opts: opts.clone(),
                endpoint: endpoint.clone(),
                event_endpoint: String::new(),
                listener_endpoint: Some(endpoint),
                target: None,
                pipe: None,
                engine: None,
                reconnect_at: None,
                reconnect_ivl: opts.reconnect_ivl,
                closing: false,
                pipe_per_connection: false,
                resubscribe: false,
                linger_deadline: None,
                connect_deadline: None,
                socks: None,
            })));
            self.start_engine(r, skey, stream, false);
        }
    }

    /// The accept on the listener at `key` failed for want of resources.
    fn accept_failed(&mut self, key: usize) {
        self.accept_retry.insert(key, now_ms() + RETRY_MS);
    }

    /// The earliest accept retry, if any.
    pub(super) fn next_accept_retry(&self) -> Option<u64> {
        self.accept_retry.values().copied().min()
    }

    /// Retry the accepts that are due.
    pub(super) fn retry_accepts(&mut self, r: &Reactor, now: u64) {
        if self.accept_retry.is_empty() {
            return;
        }
        let due: Vec<usize> = self
            .accept_retry
            .iter()
            .filter(|(_, &at)| at <= now)
            .map(|(&k, _)| k)
            .collect();
        for key in due {
            self.accept_retry.remove(&key);
            self.accept(r, key);
        }
    }
}
