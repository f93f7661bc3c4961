//! XSUB and SUB: fair-queue messages from the publishers; send subscriptions
//! upstream to every publisher, including ones that attach later (each new
//! pipe first gets the whole current subscription set).
//!
//! Subscriptions go into our pipes as data messages 0x01+topic (subscribe) /
//! 0x00+topic (unsubscribe), the form XSUB applications send and XPUB
//! applications read; a ZMTP 3.1 session may turn them into SUBSCRIBE/CANCEL
//! commands on the wire. SUB filters what it receives by prefix; XSUB does
//! not (its publisher filters).

use crate::constants::*;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::socket::dist::Dist;
use crate::socket::fq::FairQueue;
use crate::socket::options::{int_value, OptOut};
use crate::socket::trie::SubTrie;
use crate::socket::{Pattern, SocketBase};

pub struct XSub {
    /// SUB: filter received messages, subscribe through setsockopt, no send.
    is_sub: bool,
    fq: FairQueue,
    dist: Dist,
    subscriptions: SubTrie,
    verbose_unsubs: bool,
    only_first_subscribe: bool,
    invert_matching: bool,
    /// A matching first part read ahead by has_in (SUB).
    prefetched: Option<Msg>,
    more_send: bool,
    more_recv: bool,
    process_subscribe: bool,
}

impl XSub {
    pub fn new(is_sub: bool) -> XSub {
        XSub {
            is_sub,
            fq: FairQueue::default(),
            dist: Dist::default(),
            subscriptions: SubTrie::default(),
            verbose_unsubs: false,
            only_first_subscribe: false,
            invert_matching: false,
            prefetched: None,
            more_send: false,
            more_recv: false,
            process_subscribe: false,
        }
    }

    /// Apply and forward one message going upstream (XSUB send, SUB options).
    fn upstream(&mut self, base: &mut SocketBase, msg: &mut Msg) {
        let first_part = !self.more_send;
        self.more_send = msg.more();
        if first_part {
            self.process_subscribe = !self.only_first_subscribe;
        } else if !self.process_subscribe {
            self.dist.send_to_all(&mut base.pipes, msg);
            return;
        }
        let data = msg.data();
        if msg.is_subscribe() || data.first() == Some(&1) {
            let topic = if msg.is_subscribe() { data } else { &data[1..] };
            self.subscriptions.add(topic);
            self.process_subscribe = true;
        } else if msg.is_cancel() || data.first() == Some(&0) {
            let topic = if msg.is_cancel() { data } else { &data[1..] };
            let last = self.subscriptions.rm(topic);
            self.process_subscribe = true;
            if !last && !self.verbose_unsubs {
                // Others still hold this topic: upstream need not know.
                *msg = Msg::new();
                return;
            }
        }
        self.dist.send_to_all(&mut base.pipes, msg);
    }

    fn matches(&self, msg: &Msg) -> bool {
        self.subscriptions.check(msg.data()) ^ self.invert_matching
    }

    /// Next message part that passes the filter (SUB) or any part (XSUB).
    fn next(&mut self, base: &mut SocketBase) -> Option<Msg> {
        loop {
            let (msg, _) = self.fq.recv_from(&mut base.pipes, &mut base.dead)?;
            if self.more_recv || !self.is_sub || self.matches(&msg) {
                return Some(msg);
            }
            // Not wanted: skip the rest of the message.
            let mut more = msg.more();
            while more {
                match self.fq.recv_from(&mut base.pipes, &mut base.dead) {
                    Some((m, _)) => more = m.more(),
                    None => break,
                }
            }
        }
    }

    fn subscribe_option(&mut self, base: &mut SocketBase, subscribe: bool, topic: &[u8]) {
        let mut v = Vec::with_capacity(topic.len() + 1);
        v.push(subscribe as u8);
        v.extend_from_slice(topic);
        let mut msg = Msg::from_slice(&v);
        // An option is never part of a multipart message in progress.
        let saved = std::mem::replace(&mut self.more_send, false);
        self.upstream(base, &mut msg);
        self.more_send = saved;
    }
}

impl Pattern for XSub {
    fn attach(&mut self, base: &mut SocketBase, slot: usize) {
        self.fq.attach(slot);
        self.dist.attach(slot);
        let pipe = base.pipes.get(slot);
        let mut wrote = false;
        self.subscriptions.for_each_topic(|topic| {
            if pipe.check_write() {
                let mut v = Vec::with_capacity(topic.len() + 1);
                v.push(1);
                v.extend_from_slice(topic);
                pipe.write(Msg::from_slice(&v));
                wrote = true;
            }
        });
        if wrote {
            pipe.flush();
        }
    }

    fn send(&mut self, base: &mut SocketBase, msg: &mut Msg) -> Result<()> {
        if self.is_sub {
            return Err(Errno::ENOTSUP);
        }
        self.upstream(base, msg);
        Ok(())
    }

    fn recv(&mut self, base: &mut SocketBase) -> Result<Msg> {
        let msg = match self.prefetched.take() {
            Some(m) => m,
            None => self.next(base).ok_or(Errno::EAGAIN)?,
        };
        self.more_recv = msg.more();
        Ok(msg)
    }

    fn has_in(&mut self, base: &mut SocketBase) -> bool {
        if self.more_recv || self.prefetched.is_some() {
            return true;
        }
        if !self.is_sub {
            return self.fq.has_in(&mut base.pipes);
        }
        // SUB: only a message that passes the filter counts.
        self.prefetched = self.next(base);
        self.prefetched.is_some()
    }

    fn has_out(&mut self, _base: &mut SocketBase) -> bool {
        !self.is_sub
    }

    fn read_activated(&mut self, _base: &mut SocketBase, slot: usize) {
        self.fq.activated(slot);
    }

    fn write_activated(&mut self, _base: &mut SocketBase, slot: usize) {
        self.dist.activated(slot);
    }

    fn terminated(&mut self, _base: &mut SocketBase, slot: usize) {
        self.fq.terminated(slot);
        self.dist.terminated(slot);
    }

    fn setsockopt(&mut self, base: &mut SocketBase, option: i32, val: &[u8]) -> Option<Result<()>> {
        let r = match option {
            ZMQ_SUBSCRIBE | ZMQ_UNSUBSCRIBE if self.is_sub => {
                self.subscribe_option(base, option == ZMQ_SUBSCRIBE, val);
                Ok(())
            }
            ZMQ_SUBSCRIBE | ZMQ_UNSUBSCRIBE => Err(Errno::EINVAL),
            ZMQ_ONLY_FIRST_SUBSCRIBE | ZMQ_XSUB_VERBOSE_UNSUBSCRIBE if !self.is_sub => {
                match int_value(val) {
                    Ok(v) if v >= 0 => {
                        if option == ZMQ_ONLY_FIRST_SUBSCRIBE {
                            self.only_first_subscribe = v != 0;
                        } else {
                            self.verbose_unsubs = v != 0;
                        }
                        Ok(())
                    }
                    _ => Err(Errno::EINVAL),
                }
            }
            ZMQ_ONLY_FIRST_SUBSCRIBE | ZMQ_XSUB_VERBOSE_UNSUBSCRIBE => Err(Errno::EINVAL),
            ZMQ_INVERT_MATCHING => int_value(val).map(|v| self.invert_matching = v != 0),
            _ => return None,
        };
        Some(r)
    }

    fn getsockopt(
        &mut self,
        _base: &mut SocketBase,
        option: i32,
        out: &mut OptOut,
    ) -> Option<Result<()>> {
        match option {
            ZMQ_INVERT_MATCHING => Some(out.int(self.invert_matching as i32)),
            ZMQ_TOPICS_COUNT => Some(out.int_padded(self.subscriptions.num_topics() as i32)),
            _ => None,
        }
    }
}
