//! The context's view of its sockets: the live set (for ZMQ_MAX_SOCKETS and
//! for waking them with ETERM at termination) and the inproc endpoint table,
//! including connections made before the matching bind.

use crate::error::{Errno, Result};
use crate::io::command::{Command, SocketMailbox};
use crate::pipe::PipeEnd;
use parking_lot::{Condvar, Mutex};
use std::collections::HashMap;
use std::sync::Arc;

/// What a binder publishes about itself for inproc connecters.
#[derive(Clone)]
pub struct InprocPeer {
    pub socket_id: u64,
    pub mailbox: Arc<SocketMailbox>,
    pub socket_type: i32,
    pub sndhwm: i32,
    pub rcvhwm: i32,
    pub routing_id: Vec<u8>,
    pub recv_routing_id: bool,
    /// ZMQ_HELLO_MSG / ZMQ_DISCONNECT_MSG as this socket type uses them
    /// (empty: none).
    pub hello_msg: Vec<u8>,
    pub disconnect_msg: Vec<u8>,
}

/// A connect that arrived before the bind: the binder's end of the pipe,
/// already carrying whatever the connecter sent, plus the connecter's details.
pub struct PendingConnect {
    pub end: PipeEnd,
    pub connecter: InprocPeer,
}

#[derive(Default)]
struct Inner {
    live: HashMap<u64, Arc<SocketMailbox>>,
    next_id: u64,
    terminating: bool,
    endpoints: HashMap<String, InprocPeer>,
    pending: HashMap<String, Vec<PendingConnect>>,
}

#[derive(Default)]
pub struct SocketTable {
    inner: Mutex<Inner>,
    all_closed: Condvar,
}

impl SocketTable {
    /// Register a new socket; EMFILE above `max`, ETERM once terminating.
    pub fn add(&self, mailbox: Arc<SocketMailbox>, max: usize) -> Result<u64> {
        let mut g = self.inner.lock();
        if g.terminating {
            return Err(Errno::ETERM);
        }
        if g.live.len() >= max {
            return Err(Errno::EMFILE);
        }
        g.next_id += 1;
        let id = g.next_id;
        g.live.insert(id, mailbox);
        Ok(id)
    }

    /// A socket closed: forget it and its bound names.
    pub fn remove(&self, id: u64) {
        let mut g = self.inner.lock();
        g.live.remove(&id);
        g.endpoints.retain(|_, p| p.socket_id != id);
        if g.live.is_empty() {
            self.all_closed.notify_all();
        }
    }

    /// Wake every socket with ETERM (zmq_ctx_shutdown / the start of term).
    pub fn stop_all(&self) {
        let mut g = self.inner.lock();
        g.terminating = true;
        for mb in g.live.values() {
            mb.send(Command::Stop);
        }
        // Pending inproc connects will never be bound now.
        g.pending.clear();
    }

    /// Block until every socket is closed.
    pub fn wait_all_closed(&self) {
        let mut g = self.inner.lock();
        while !g.live.is_empty() {
            self.all_closed.wait(&mut g);
        }
    }

    /// Register an inproc name. Returns the connects waiting for it.
    pub fn bind_inproc(&self, name: &str, peer: InprocPeer) -> Result<Vec<PendingConnect>> {
        let mut g = self.inner.lock();
        if g.endpoints.contains_key(name) {
            return Err(Errno::EADDRINUSE);
        }
        g.endpoints.insert(name.to_owned(), peer);
        Ok(g.pending.remove(name).unwrap_or_default())
    }

    /// Is something bound to the inproc name (e.g. a ZAP handler)?
    pub fn has_inproc(&self, name: &str) -> bool {
        self.inner.lock().endpoints.contains_key(name)
    }

    /// The binder of an inproc name, if any (no parking: a ZAP client asks
    /// whether a handler is there now, as libzmq's find_endpoint does).
    pub fn find_inproc(&self, name: &str) -> Option<InprocPeer> {
        self.inner.lock().endpoints.get(name).cloned()
    }

    /// Drop an inproc name if `socket_id` owns it.
    pub fn unbind_inproc(&self, name: &str, socket_id: u64) -> bool {
        let mut g = self.inner.lock();
        match g.endpoints.get(name) {
            Some(p) if p.socket_id == socket_id => {
                g.endpoints.remove(name);
                true
            }
            _ => false,
        }
    }

    /// Find the binder of `name`, or (when absent) park `pending()`'s result
    /// until the bind happens. Both under one lock so a concurrent bind can
    /// neither miss the pending connect nor see it twice.
    pub fn connect_inproc(
        &self,
        name: &str,
        pending: impl FnOnce() -> PendingConnect,
    ) -> Option<InprocPeer> {
        let mut g = self.inner.lock();
        if let Some(p) = g.endpoints.get(name) {
            return Some(p.clone());
        }
        g.pending
            .entry(name.to_owned())
            .or_default()
            .push(pending());
        None
    }
}
