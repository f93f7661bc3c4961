//! STREAM: raw tcp peers (no ZMTP), each known by a routing id the socket
//! makes up (0x00 and a 32-bit counter, as libzmq) or, for our own connect,
//! the one given by ZMQ_CONNECT_ROUTING_ID. recv yields [id, data] for every
//! chunk the peer sent; with ZMQ_STREAM_NOTIFY (default on) a zero-length
//! data frame announces a connect and a disconnect. send takes [id, data]:
//! an unknown id is EHOSTUNREACH, and a zero-length data frame closes that
//! connection (after what is already queued for it).

use super::router::{first_id, fresh_id};
use crate::constants::*;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::socket::fq::FairQueue;
use crate::socket::options::int_value;
use crate::socket::{Pattern, SocketBase};
use std::collections::HashMap;

pub struct Stream {
    fq: FairQueue,
    /// Routing id -> pipe slot.
    ids: HashMap<Vec<u8>, usize>,
    /// Pipe slot -> routing id.
    peers: HashMap<usize, Vec<u8>>,
    /// recv: the id frame and the data frame read ahead.
    prefetched_id: Option<Msg>,
    prefetched_msg: Option<Msg>,
    /// send: the id frame was taken; the next frame is the data, for
    /// `current_out` (None: dropped).
    more_out: bool,
    current_out: Option<usize>,
    next_id: u32,
    /// The next attach is our own connect (see `before_connect`).
    connecting: bool,
}

impl Default for Stream {
    fn default() -> Stream {
        Stream {
            fq: FairQueue::default(),
            ids: HashMap::new(),
            peers: HashMap::new(),
            prefetched_id: None,
            prefetched_msg: None,
            more_out: false,
            current_out: None,
            next_id: first_id(),
            connecting: false,
        }
    }
}

impl Stream {
    fn generate_id(&mut self) -> Vec<u8> {
        fresh_id(&mut self.next_id, &self.ids)
    }

    fn id_frame(&self, slot: usize, data: &Msg) -> Msg {
        let mut id = match self.peers.get(&slot) {
            Some(id) => Msg::from_slice(id),
            None => Msg::new(),
        };
        id.set_flags(Msg::MORE);
        if let Some(md) = data.metadata() {
            id.set_metadata(md.clone());
        }
        id
    }

    /// Forget a peer the socket is dropping.
    fn forget(&mut self, slot: usize) {
        if let Some(id) = self.peers.remove(&slot) {
            if self.ids.get(&id) == Some(&slot) {
                self.ids.remove(&id);
            }
        }
        self.fq.terminated(slot);
        if self.current_out == Some(slot) {
            self.current_out = None;
        }
    }

    fn next_data(&mut self, base: &mut SocketBase) -> Option<(Msg, usize)> {
        let (mut msg, slot) = self.fq.recv_from(&mut base.pipes, &mut base.dead)?;
        // The engine never sends MORE; make sure nothing else does either.
        msg.reset_flags(Msg::MORE);
        Some((msg, slot))
    }
}

impl Pattern for Stream {
    fn attach(&mut self, base: &mut SocketBase, slot: usize) {
        let locally_initiated = std::mem::take(&mut self.connecting);
        let given = if locally_initiated {
            std::mem::take(&mut base.options.connect_routing_id)
        } else {
            Vec::new()
        };
        // libzmq asserts on a duplicate ZMQ_CONNECT_ROUTING_ID; we make one up.
        let id = if given.is_empty() || self.ids.contains_key(&given) {
            let id = self.generate_id();
            // libzmq also leaves the latest generated id in ZMQ_ROUTING_ID.
            base.options.routing_id = id.clone();
            id
        } else {
            given
        };
        self.ids.insert(id.clone(), slot);
        self.peers.insert(slot, id);
        self.fq.attach(slot);
    }

    fn before_connect(&mut self, _base: &mut SocketBase) {
        self.connecting = true;
    }

    fn send(&mut self, base: &mut SocketBase, msg: &mut Msg) -> Result<()> {
        if !self.more_out {
            // The first frame names the peer. Without MORE it is taken as an
            // id all the same, and the frame after it is dropped (libzmq).
            if msg.more() {
                let slot = *self.ids.get(msg.data()).ok_or(Errno::EHOSTUNREACH)?;
                if !base.pipes.get(slot).check_write() {
                    return Err(Errno::EAGAIN);
                }
                self.current_out = Some(slot);
            }
            self.more_out = true;
            drop(msg.take());
            return Ok(());
        }
        // The data frame ends the message, MORE or not.
        self.more_out = false;
        let mut part = msg.take();
        part.reset_flags(Msg::MORE);
        if let Some(slot) = self.current_out.take() {
            if part.size() == 0 {
                // Close this connection: the session writes what is queued
                // and hangs up; nothing more is read from it.
                self.forget(slot);
                base.dead.push(slot);
                return Ok(());
            }
            let pipe = base.pipes.get(slot);
            pipe.write(part);
            pipe.flush();
        }
        Ok(())
    }

    fn recv(&mut self, base: &mut SocketBase) -> Result<Msg> {
        if !self.has_in(base) {
            return Err(Errno::EAGAIN);
        }
        // The id frame goes first, then the data read with it.
        self.prefetched_id
            .take()
            .or_else(|| self.prefetched_msg.take())
            .ok_or(Errno::EAGAIN)
    }

    fn has_in(&mut self, base: &mut SocketBase) -> bool {
        if self.prefetched_id.is_some() || self.prefetched_msg.is_some() {
            return true;
        }
        let Some((msg, slot)) = self.next_data(base) else {
            return false;
        };
        self.prefetched_id = Some(self.id_frame(slot, &msg));
        self.prefetched_msg = Some(msg);
        true
    }

    /// Always writable: whether a send succeeds depends on its peer.
    fn has_out(&mut self, _base: &mut SocketBase) -> bool {
        true
    }

    fn read_activated(&mut self, _base: &mut SocketBase, slot: usize) {
        if self.peers.contains_key(&slot) {
            self.fq.activated(slot);
        }
    }

    fn write_activated(&mut self, _base: &mut SocketBase, _slot: usize) {}

    fn terminated(&mut self, _base: &mut SocketBase, slot: usize) {
        self.forget(slot);
    }

    fn setsockopt(&mut self, base: &mut SocketBase, option: i32, val: &[u8]) -> Option<Result<()>> {
        match option {
            ZMQ_STREAM_NOTIFY => Some(match int_value(val) {
                Ok(v @ (0 | 1)) => {
                    base.options.raw_notify = v == 1;
                    Ok(())
                }
                _ => Err(Errno::EINVAL),
            }),
            _ => None,
        }
    }
}
