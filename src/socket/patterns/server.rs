//! SERVER (and PEER, which is a SERVER that connects): every pipe gets a
//! 32-bit routing id of our own; recv marks each message with the id of its
//! pipe (`zmq_msg_routing_id`), send routes by the id set on the message.
//! Single-part messages only: a SNDMORE send is EINVAL, and received
//! multipart messages are dropped whole, as libzmq's server_t does.

use super::single_part::{check_single, recv_single};
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::socket::fq::FairQueue;
use crate::socket::{Pattern, SocketBase};
use std::collections::HashMap;

pub struct Server {
    fq: FairQueue,
    /// Routing id -> pipe slot.
    out: HashMap<u32, usize>,
    /// Pipe slot -> routing id (0: none).
    ids: Vec<u32>,
    next_id: u32,
    /// recv: dropping the rest of a multipart message.
    skipping: Option<usize>,
    /// The id of the most recently attached pipe (zmq_connect_peer).
    last_attached: u32,
}

impl Default for Server {
    fn default() -> Server {
        // libzmq starts the ids at a random value.
        let mut b = [0u8; 4];
        let _ = getrandom::getrandom(&mut b);
        Server {
            fq: FairQueue::default(),
            out: HashMap::new(),
            ids: Vec::new(),
            next_id: u32::from_ne_bytes(b),
            skipping: None,
            last_attached: 0,
        }
    }
}

impl Server {
    fn fresh_id(&mut self) -> u32 {
        loop {
            let id = self.next_id;
            self.next_id = self.next_id.wrapping_add(1);
            if id != 0 && !self.out.contains_key(&id) {
                return id;
            }
        }
    }
}

impl Pattern for Server {
    fn attach(&mut self, _base: &mut SocketBase, slot: usize) {
        let id = self.fresh_id();
        if self.ids.len() <= slot {
            self.ids.resize(slot + 1, 0);
        }
        self.ids[slot] = id;
        self.out.insert(id, slot);
        self.last_attached = id;
        self.fq.attach(slot);
    }

    fn send(&mut self, base: &mut SocketBase, msg: &mut Msg) -> Result<()> {
        check_single(msg)?;
        let slot = *self.out.get(&msg.routing_id()).ok_or(Errno::EHOSTUNREACH)?;
        let pipe = base.pipes.get(slot);
        if !pipe.check_write() {
            return Err(Errno::EAGAIN);
        }
        let mut part = msg.take();
        part.set_routing_id(0);
        pipe.write(part);
        pipe.flush();
        Ok(())
    }

    fn recv(&mut self, base: &mut SocketBase) -> Result<Msg> {
        let (mut msg, slot) = recv_single(&mut self.fq, base, &mut self.skipping)?;
        msg.set_routing_id(self.ids.get(slot).copied().unwrap_or(0));
        Ok(msg)
    }

    fn has_in(&mut self, base: &mut SocketBase) -> bool {
        self.fq.has_in(&mut base.pipes)
    }

    /// Whether a send succeeds depends on the pipe it is routed to.
    fn has_out(&mut self, _base: &mut SocketBase) -> bool {
        true
    }

    fn read_activated(&mut self, _base: &mut SocketBase, slot: usize) {
        self.fq.activated(slot);
    }

    fn write_activated(&mut self, _base: &mut SocketBase, _slot: usize) {}

    fn terminated(&mut self, _base: &mut SocketBase, slot: usize) {
        if let Some(id) = self.ids.get_mut(slot) {
            if *id != 0 {
                self.out.remove(id);
                *id = 0;
            }
        }
        self.fq.terminated(slot);
    }

    fn slot_of(&self, routing_id: u32) -> Option<usize> {
        self.out.get(&routing_id).copied()
    }

    fn last_routing_id(&self) -> Option<u32> {
        (self.last_attached != 0).then_some(self.last_attached)
    }
}
