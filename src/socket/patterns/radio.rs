//! RADIO: sends each single-part message to the DISH peers that joined its
//! group (`zmq_msg_set_group`); no subscriber, no delivery. A full peer
//! loses the message unless ZMQ_XPUB_NODROP is set, then send is EAGAIN
//! (blocks), as libzmq's radio_t. The peers' joins and leaves arrive on the
//! pipes as join/leave notices (over the wire: ZMTP JOIN/LEAVE commands).
//! A udp destination hears no joins: it gets every message.

use super::single_part::check_single;
use crate::constants::ZMQ_XPUB_NODROP;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::socket::dist::Dist;
use crate::socket::options::int_value;
use crate::socket::{Pattern, SocketBase};
use std::collections::HashMap;

pub struct Radio {
    dist: Dist,
    /// Group -> the pipes that joined it (a pipe once per join, as libzmq's
    /// multimap).
    subscriptions: HashMap<Vec<u8>, Vec<usize>>,
    /// Pipes that take every group (udp destinations).
    all_groups: Vec<usize>,
    /// The next pipe attached is one of those.
    next_takes_all: bool,
    lossy: bool,
}

impl Default for Radio {
    fn default() -> Radio {
        Radio {
            dist: Dist::default(),
            subscriptions: HashMap::new(),
            all_groups: Vec::new(),
            next_takes_all: false,
            lossy: true,
        }
    }
}

impl Radio {
    /// Take in the joins and leaves waiting on the pipe at `slot`.
    fn read_notices(&mut self, base: &mut SocketBase, slot: usize) {
        let pipe = base.pipes.get(slot);
        while let Some(msg) = pipe.read() {
            let group = msg.group().to_bytes();
            if msg.is_join() {
                self.subscriptions
                    .entry(group.to_vec())
                    .or_default()
                    .push(slot);
            } else if msg.is_leave() {
                if let Some(pipes) = self.subscriptions.get_mut(group) {
                    if let Some(i) = pipes.iter().position(|&s| s == slot) {
                        pipes.swap_remove(i);
                    }
                    if pipes.is_empty() {
                        self.subscriptions.remove(group);
                    }
                }
            }
            // Anything else from a DISH is meaningless: dropped.
        }
        if pipe.peer_closed() {
            base.dead.push(slot);
        }
    }
}

impl Pattern for Radio {
    fn attach(&mut self, base: &mut SocketBase, slot: usize) {
        self.dist.attach(slot);
        if std::mem::take(&mut self.next_takes_all) {
            self.all_groups.push(slot);
        } else {
            self.read_notices(base, slot);
        }
    }

    fn before_attach_all(&mut self, _base: &mut SocketBase) {
        self.next_takes_all = true;
    }

    fn send(&mut self, base: &mut SocketBase, msg: &mut Msg) -> Result<()> {
        check_single(msg)?;
        self.dist.unmatch();
        if let Some(pipes) = self.subscriptions.get(msg.group().to_bytes()) {
            for &slot in pipes {
                self.dist.match_slot(slot);
            }
        }
        for &slot in &self.all_groups {
            self.dist.match_slot(slot);
        }
        if !self.lossy && !self.dist.check_hwm(&mut base.pipes) {
            return Err(Errno::EAGAIN);
        }
        self.dist.send_to_matching(&mut base.pipes, msg);
        Ok(())
    }

    fn recv(&mut self, _base: &mut SocketBase) -> Result<Msg> {
        Err(Errno::ENOTSUP)
    }

    fn has_in(&mut self, _base: &mut SocketBase) -> bool {
        false
    }

    fn has_out(&mut self, _base: &mut SocketBase) -> bool {
        true
    }

    fn read_activated(&mut self, base: &mut SocketBase, slot: usize) {
        self.read_notices(base, slot);
    }

    fn write_activated(&mut self, _base: &mut SocketBase, slot: usize) {
        self.dist.activated(slot);
    }

    fn terminated(&mut self, _base: &mut SocketBase, slot: usize) {
        self.subscriptions.retain(|_, pipes| {
            pipes.retain(|&s| s != slot);
            !pipes.is_empty()
        });
        self.all_groups.retain(|&s| s != slot);
        self.dist.terminated(slot);
    }

    fn setsockopt(
        &mut self,
        _base: &mut SocketBase,
        option: i32,
        val: &[u8],
    ) -> Option<Result<()>> {
        if option != ZMQ_XPUB_NODROP {
            return None;
        }
        Some(match int_value(val) {
            Ok(v) if v >= 0 => {
                self.lossy = v == 0;
                Ok(())
            }
            _ => Err(Errno::EINVAL),
        })
    }
}
