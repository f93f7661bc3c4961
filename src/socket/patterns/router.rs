//! ROUTER: every peer pipe has a routing id (the one the peer announced, the
//! one given by ZMQ_CONNECT_ROUTING_ID, or a generated 5-byte id). recv puts
//! the sender's id in front of each message; send takes the first frame as
//! the destination. Unroutable messages are dropped, or refused with
//! ZMQ_ROUTER_MANDATORY.
//!
//! ZMQ_ROUTER_RAW (deprecated, STREAM's predecessor) switches to raw mode:
//! no ZMTP on the connections, a generated id per peer, [id, data] per chunk
//! with an empty data frame on connect and disconnect, and a zero-length
//! data frame sent to a peer ends its connection.

use super::dealer::{nonneg_flag, send_probe};
use crate::constants::*;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::socket::fq::FairQueue;
use crate::socket::options::int_value;
use crate::socket::{Pattern, SocketBase};
use std::collections::HashMap;

/// ZMQ_ROUTER_NOTIFY and its bits (draft API: constants.rs declares them
/// only with the "draft" feature; the library always handles them).
const OPT_ROUTER_NOTIFY: i32 = 97;
const NOTIFY_ALL: i32 = 1 | 2;

/// What the router knows about the pipe in one slot.
#[derive(Default)]
enum Peer {
    #[default]
    None,
    /// Waiting for the peer's routing-id message.
    Anonymous,
    /// Announced an id already taken (no handover): never read, never routed to.
    Ignored,
    Known(Vec<u8>),
}

pub struct Router {
    fq: FairQueue,
    /// Routing id -> pipe slot.
    ids: HashMap<Vec<u8>, usize>,
    /// Pipe slot -> what we know about that peer.
    peers: Vec<Peer>,
    /// recv: the id frame and first part of a message, read ahead.
    prefetched_id: Option<Msg>,
    prefetched_msg: Option<Msg>,
    /// recv: in the middle of a message.
    more_in: bool,
    /// send: in the middle of a message; its parts go to `current_out`
    /// (None: dropped).
    more_out: bool,
    current_out: Option<usize>,
    /// The next generated routing id.
    next_id: u32,
    mandatory: bool,
    probe_router: bool,
    handover: bool,
    /// The next attach is our own connect (see `before_connect`).
    connecting: bool,
    /// ZMQ_ROUTER_RAW.
    raw: bool,
}

/// Where a socket's generated routing ids start: random, as libzmq.
pub(super) fn first_id() -> u32 {
    let mut b = [0u8; 4];
    let _ = getrandom::getrandom(&mut b);
    u32::from_ne_bytes(b)
}

/// A fresh id no peer uses: 0x00 and a 32-bit counter, as libzmq (ROUTER
/// and STREAM).
pub(super) fn fresh_id(next_id: &mut u32, ids: &HashMap<Vec<u8>, usize>) -> Vec<u8> {
    loop {
        let mut id = Vec::with_capacity(5);
        id.push(0);
        id.extend_from_slice(&next_id.to_be_bytes());
        *next_id = next_id.wrapping_add(1);
        if !ids.contains_key(&id) {
            return id;
        }
    }
}

impl Default for Router {
    fn default() -> Router {
        Router {
            fq: FairQueue::default(),
            ids: HashMap::new(),
            peers: Vec::new(),
            prefetched_id: None,
            prefetched_msg: None,
            more_in: false,
            more_out: false,
            current_out: None,
            next_id: first_id(),
            mandatory: false,
            probe_router: false,
            handover: false,
            connecting: false,
            raw: false,
        }
    }
}

impl Router {
    fn peer_mut(&mut self, slot: usize) -> &mut Peer {
        if self.peers.len() <= slot {
            self.peers.resize_with(slot + 1, Peer::default);
        }
        &mut self.peers[slot]
    }

    fn peer(&self, slot: usize) -> &Peer {
        self.peers.get(slot).unwrap_or(&Peer::None)
    }

    fn generate_id(&mut self) -> Vec<u8> {
        fresh_id(&mut self.next_id, &self.ids)
    }

    /// Give the pipe at `slot` its routing id. False: not yet known (the
    /// peer's routing-id message has not arrived) or refused.
    fn identify(&mut self, base: &mut SocketBase, slot: usize, locally_initiated: bool) -> bool {
        // ZMQ_CONNECT_ROUTING_ID names the peer of our next connect.
        let id = if locally_initiated && !base.options.connect_routing_id.is_empty() {
            let id = std::mem::take(&mut base.options.connect_routing_id);
            if self.ids.contains_key(&id) {
                *self.peer_mut(slot) = Peer::Ignored;
                return false;
            }
            id
        } else if self.raw {
            // A raw peer announces nothing.
            self.generate_id()
        } else {
            let Some(msg) = base.pipes.get(slot).read() else {
                *self.peer_mut(slot) = Peer::Anonymous;
                return false;
            };
            if msg.size() == 0 {
                self.generate_id()
            } else {
                let id = msg.data().to_vec();
                if let Some(&old) = self.ids.get(&id) {
                    if !self.handover {
                        *self.peer_mut(slot) = Peer::Ignored;
                        return false;
                    }
                    // The newcomer takes the id over; the old pipe is renamed
                    // and closed.
                    let renamed = self.generate_id();
                    self.ids.remove(&id);
                    self.ids.insert(renamed.clone(), old);
                    *self.peer_mut(old) = Peer::Known(renamed);
                    if self.current_out == Some(old) {
                        self.current_out = None;
                    }
                    base.dead.push(old);
                }
                id
            }
        };
        self.ids.insert(id.clone(), slot);
        *self.peer_mut(slot) = Peer::Known(id);
        true
    }

    /// The next part from the fair queue, skipping routing-id messages (a
    /// peer announces itself again after a reconnect, or on a pipe whose id
    /// we set with ZMQ_CONNECT_ROUTING_ID).
    fn recv_part(&mut self, base: &mut SocketBase) -> Option<(Msg, usize)> {
        loop {
            let (msg, slot) = self.fq.recv_from(&mut base.pipes, &mut base.dead)?;
            if !msg.is_routing_id() {
                return Some((msg, slot));
            }
        }
    }

    /// The routing-id frame announcing a message from `slot`.
    fn id_frame(&self, slot: usize, first: &Msg) -> Msg {
        let mut id = match self.peer(slot) {
            Peer::Known(id) => Msg::from_slice(id),
            _ => Msg::new(),
        };
        id.set_flags(Msg::MORE);
        if let Some(md) = first.metadata() {
            id.set_metadata(md.clone());
        }
        id
    }
}

impl Pattern for Router {
    fn attach(&mut self, base: &mut SocketBase, slot: usize) {
        let locally_initiated = std::mem::take(&mut self.connecting);
        if self.probe_router {
            send_probe(base, slot);
        }
        if self.identify(base, slot, locally_initiated) {
            self.fq.attach(slot);
        }
    }

    fn before_connect(&mut self, _base: &mut SocketBase) {
        self.connecting = true;
    }

    fn send(&mut self, base: &mut SocketBase, msg: &mut Msg) -> Result<()> {
        if !self.more_out {
            // The first frame names the destination. A lone frame (no
            // message after it) is silently dropped.
            if msg.more() {
                self.current_out = None;
                match self.ids.get(msg.data()) {
                    Some(&slot) => {
                        let pipe = base.pipes.get(slot);
                        if pipe.check_write() {
                            self.current_out = Some(slot);
                        } else if self.mandatory {
                            return Err(if pipe.peer_closed() {
                                Errno::EHOSTUNREACH
                            } else {
                                Errno::EAGAIN
                            });
                        }
                    }
                    None if self.mandatory => return Err(Errno::EHOSTUNREACH),
                    None => {}
                }
                self.more_out = true;
            }
            drop(msg.take());
            return Ok(());
        }
        if self.raw {
            // One data frame per message, MORE or not; an empty one ends the
            // connection (what is queued for it still goes out).
            msg.reset_flags(Msg::MORE);
            if msg.size() == 0 {
                drop(msg.take());
                self.more_out = false;
                if let Some(slot) = self.current_out.take() {
                    self.terminated(base, slot);
                    base.dead.push(slot);
                }
                return Ok(());
            }
        }
        self.more_out = msg.more();
        match self.current_out {
            Some(slot) => {
                let pipe = base.pipes.get(slot);
                pipe.write_taken(msg);
                if !self.more_out {
                    pipe.flush();
                    self.current_out = None;
                }
            }
            None => drop(msg.take()),
        }
        Ok(())
    }

    fn recv(&mut self, base: &mut SocketBase) -> Result<Msg> {
        if let Some(id) = self.prefetched_id.take() {
            return Ok(id);
        }
        if let Some(msg) = self.prefetched_msg.take() {
            self.more_in = msg.more();
            return Ok(msg);
        }
        let (msg, slot) = self.recv_part(base).ok_or(Errno::EAGAIN)?;
        if self.more_in {
            self.more_in = msg.more();
            return Ok(msg);
        }
        let id = self.id_frame(slot, &msg);
        self.prefetched_msg = Some(msg);
        Ok(id)
    }

    fn has_in(&mut self, base: &mut SocketBase) -> bool {
        if self.more_in || self.prefetched_id.is_some() || self.prefetched_msg.is_some() {
            return true;
        }
        match self.recv_part(base) {
            Some((msg, slot)) => {
                self.prefetched_id = Some(self.id_frame(slot, &msg));
                self.prefetched_msg = Some(msg);
                true
            }
            None => false,
        }
    }

    fn has_out(&mut self, base: &mut SocketBase) -> bool {
        if !self.mandatory {
            return true;
        }
        self.ids.values().any(|&s| base.pipes.get(s).check_write())
    }

    fn read_activated(&mut self, base: &mut SocketBase, slot: usize) {
        match self.peer(slot) {
            Peer::Known(_) => self.fq.activated(slot),
            Peer::Anonymous => {
                if self.identify(base, slot, false) {
                    self.fq.attach(slot);
                }
            }
            Peer::Ignored | Peer::None => {}
        }
    }

    fn write_activated(&mut self, _base: &mut SocketBase, _slot: usize) {}

    fn terminated(&mut self, _base: &mut SocketBase, slot: usize) {
        if let Peer::Known(id) = std::mem::take(self.peer_mut(slot)) {
            if self.ids.get(&id) == Some(&slot) {
                self.ids.remove(&id);
            }
            self.fq.terminated(slot);
        }
        if self.current_out == Some(slot) {
            self.current_out = None;
        }
    }

    fn setsockopt(&mut self, base: &mut SocketBase, option: i32, val: &[u8]) -> Option<Result<()>> {
        let flag = |v: &mut bool| Some(nonneg_flag(val).map(|b| *v = b));
        match option {
            ZMQ_ROUTER_MANDATORY => flag(&mut self.mandatory),
            ZMQ_PROBE_ROUTER => flag(&mut self.probe_router),
            ZMQ_ROUTER_HANDOVER => flag(&mut self.handover),
            // As libzmq: setting it to 0 later does not switch back.
            ZMQ_ROUTER_RAW => Some(nonneg_flag(val).map(|on| {
                if on {
                    self.raw = true;
                    base.options.recv_routing_id = false;
                    base.options.raw_socket = true;
                }
            })),
            // Draft (97); every socket reads it back through the generic
            // options, only ROUTER sets it.
            OPT_ROUTER_NOTIFY => Some(match int_value(val) {
                Ok(v) if (0..=NOTIFY_ALL).contains(&v) => {
                    base.options.router_notify = v;
                    Ok(())
                }
                _ => Err(Errno::EINVAL),
            }),
            _ => None,
        }
    }

    fn peer_state(&mut self, base: &mut SocketBase, routing_id: &[u8]) -> Result<i32> {
        let slot = *self.ids.get(routing_id).ok_or(Errno::EHOSTUNREACH)?;
        let mut state = 0;
        if base.pipes.get(slot).check_write() {
            state |= ZMQ_POLLOUT;
        }
        Ok(state)
    }
}
