//! XPUB and PUB: distribute messages to the subscribers whose subscriptions
//! match the first frame; XPUB also hands the subscriptions (and any other
//! upstream messages) to the application.
//!
//! Subscriptions travel through our pipes as ordinary data messages whose
//! body is 0x01+topic (subscribe) or 0x00+topic (unsubscribe), the ZMTP 3.0
//! form that XSUB applications also send. Command messages
//! (`Msg::is_subscribe`/`is_cancel`, body = topic), which a ZMTP 3.1 session
//! may deliver, are accepted too. The application always reads the 0/1 form.

use std::collections::VecDeque;

use crate::constants::*;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::socket::dist::Dist;
use crate::socket::options::{int_value, OptOut};
use crate::socket::trie::{MTrie, RmResult};
use crate::socket::{Pattern, SocketBase};

pub struct XPub {
    /// PUB: never reads user messages or subscriptions out to the app.
    is_pub: bool,
    dist: Dist,
    subscriptions: MTrie,
    /// XPUB_MANUAL: what each pipe asked for (the real filter is set by the
    /// application); used to unsubscribe a pipe that goes away.
    manual_subscriptions: MTrie,
    verbose_subs: bool,
    verbose_unsubs: bool,
    /// Drop at HWM (false: XPUB_NODROP, EAGAIN instead).
    lossy: bool,
    manual: bool,
    /// XPUB_MANUAL_LAST_VALUE: the next message goes to `last_pipe` only.
    send_last_pipe: bool,
    only_first_subscribe: bool,
    invert_matching: bool,
    welcome: Option<Msg>,
    more_send: bool,
    more_recv: bool,
    process_subscribe: bool,
    /// Messages for the application: (un)subscriptions and user messages.
    pending: VecDeque<Msg>,
    /// XPUB_MANUAL: the pipe each pending subscription came from (None: a
    /// pipe that is gone), becoming `last_pipe` when it is read.
    pending_pipes: VecDeque<Option<usize>>,
    last_pipe: Option<usize>,
    /// The next pipe attached takes every message (a pgm session: no
    /// subscriptions come back over multicast; libzmq's subscribe_to_all).
    next_takes_all: bool,
}

impl XPub {
    pub fn new(is_pub: bool) -> XPub {
        XPub {
            is_pub,
            dist: Dist::default(),
            subscriptions: MTrie::default(),
            manual_subscriptions: MTrie::default(),
            verbose_subs: false,
            verbose_unsubs: false,
            lossy: true,
            manual: false,
            send_last_pipe: false,
            only_first_subscribe: false,
            invert_matching: false,
            welcome: None,
            more_send: false,
            more_recv: false,
            process_subscribe: false,
            pending: VecDeque::new(),
            pending_pipes: VecDeque::new(),
            last_pipe: None,
            next_takes_all: false,
        }
    }

    /// Handle one message a subscriber sent us.
    fn process_upstream(&mut self, mut msg: Msg, slot: usize) {
        let first_part = !self.more_recv;
        self.more_recv = msg.more();

        // (subscribe?, is the topic in a command body rather than after a 0/1 byte)
        let mut sub: Option<(bool, bool)> = None;
        if first_part || self.process_subscribe {
            if msg.is_subscribe() || msg.is_cancel() {
                sub = Some((msg.is_subscribe(), true));
            } else if let Some(&b @ (0 | 1)) = msg.data().first() {
                sub = Some((b == 1, false));
            }
        }
        if first_part {
            self.process_subscribe = !self.only_first_subscribe || sub.is_some();
        }

        let Some((subscribe, command)) = sub else {
            if !self.is_pub {
                self.pending.push_back(msg);
            }
            return;
        };
        let topic = if command {
            msg.data()
        } else {
            &msg.data()[1..]
        };
        let mut notify = false;
        if self.manual {
            if subscribe {
                self.manual_subscriptions.add(topic, slot);
            } else {
                self.manual_subscriptions.rm(topic, slot);
            }
            self.pending_pipes.push_back(Some(slot));
        } else if subscribe {
            notify = self.subscriptions.add(topic, slot) || self.verbose_subs;
        } else {
            notify =
                self.subscriptions.rm(topic, slot) != RmResult::ValuesRemain || self.verbose_unsubs;
        }
        if self.manual || (!self.is_pub && notify) {
            let note = if command {
                let mut v = Vec::with_capacity(topic.len() + 1);
                v.push(subscribe as u8);
                v.extend_from_slice(topic);
                let mut n = Msg::from_slice(&v);
                if let Some(md) = msg.metadata() {
                    n.set_metadata(md.clone());
                }
                n
            } else {
                msg.reset_flags(Msg::MORE);
                msg
            };
            self.pending.push_back(note);
        }
    }

    fn send_unsubscription(&mut self, topic: &[u8]) {
        if self.is_pub {
            return;
        }
        let mut v = Vec::with_capacity(topic.len() + 1);
        v.push(0);
        v.extend_from_slice(topic);
        self.pending.push_back(Msg::from_slice(&v));
        if self.manual {
            self.last_pipe = None;
            self.pending_pipes.push_back(None);
        }
    }
}

/// An int option as libzmq's XPUB takes it: exactly sizeof(int), >= 0.
fn flag(val: &[u8]) -> Result<bool> {
    match int_value(val)? {
        v if v < 0 => Err(Errno::EINVAL),
        v => Ok(v != 0),
    }
}

impl Pattern for XPub {
    fn attach(&mut self, base: &mut SocketBase, slot: usize) {
        self.dist.attach(slot);
        if std::mem::take(&mut self.next_takes_all) {
            self.subscriptions.add(b"", slot);
        }
        if let Some(w) = &self.welcome {
            let p = base.pipes.get(slot);
            p.write(w.clone());
            p.flush();
        }
        // The subscriber may have sent its subscriptions already.
        self.read_activated(base, slot);
    }

    fn before_attach_all(&mut self, _base: &mut SocketBase) {
        self.next_takes_all = true;
    }

    fn send(&mut self, base: &mut SocketBase, msg: &mut Msg) -> Result<()> {
        let more = msg.more();
        if !self.more_send {
            self.dist.unmatch();
            let dist = &mut self.dist;
            match self.last_pipe {
                Some(last) if self.manual && self.send_last_pipe => {
                    self.subscriptions.for_each_match(msg.data(), |s| {
                        if s == last {
                            dist.match_slot(s)
                        }
                    });
                    self.last_pipe = None;
                }
                _ => self
                    .subscriptions
                    .for_each_match(msg.data(), |s| dist.match_slot(s)),
            }
            if self.invert_matching {
                self.dist.reverse_match();
            }
            if !self.lossy && !self.dist.check_hwm(&mut base.pipes) {
                return Err(Errno::EAGAIN);
            }
        }
        self.dist.send_to_matching(&mut base.pipes, msg);
        if !more {
            self.dist.unmatch();
        }
        self.more_send = more;
        Ok(())
    }

    fn recv(&mut self, _base: &mut SocketBase) -> Result<Msg> {
        if self.is_pub {
            return Err(Errno::ENOTSUP);
        }
        let msg = self.pending.pop_front().ok_or(Errno::EAGAIN)?;
        if self.manual {
            if let Some(p) = self.pending_pipes.pop_front() {
                self.last_pipe = p.filter(|&s| self.dist.has_pipe(s));
            }
        }
        Ok(msg)
    }

    fn has_in(&mut self, _base: &mut SocketBase) -> bool {
        !self.is_pub && !self.pending.is_empty()
    }

    fn has_out(&mut self, _base: &mut SocketBase) -> bool {
        // As libzmq: even with NODROP, POLLOUT is always set.
        true
    }

    fn read_activated(&mut self, base: &mut SocketBase, slot: usize) {
        loop {
            let pipe = base.pipes.get(slot);
            match pipe.read() {
                Some(msg) => self.process_upstream(msg, slot),
                None => {
                    if pipe.peer_closed() {
                        base.dead.push(slot);
                    }
                    break;
                }
            }
        }
    }

    fn write_activated(&mut self, _base: &mut SocketBase, slot: usize) {
        self.dist.activated(slot);
    }

    fn terminated(&mut self, _base: &mut SocketBase, slot: usize) {
        let mut gone = Vec::new();
        if self.manual {
            // Every topic the pipe asked for is withdrawn, whatever others do:
            // the application decided the real subscriptions.
            self.manual_subscriptions
                .rm_pipe(slot, |t, _| gone.push(t.to_vec()));
            self.subscriptions.rm_pipe(slot, |_, _| {});
            if self.last_pipe == Some(slot) {
                self.last_pipe = None;
            }
            for p in self.pending_pipes.iter_mut() {
                if *p == Some(slot) {
                    *p = None;
                }
            }
        } else {
            let verbose = self.verbose_unsubs;
            self.subscriptions.rm_pipe(slot, |t, last| {
                if last || verbose {
                    gone.push(t.to_vec());
                }
            });
        }
        for t in gone {
            self.send_unsubscription(&t);
        }
        self.dist.terminated(slot);
    }

    fn setsockopt(
        &mut self,
        _base: &mut SocketBase,
        option: i32,
        val: &[u8],
    ) -> Option<Result<()>> {
        let r = match option {
            ZMQ_XPUB_VERBOSE => flag(val).map(|v| {
                self.verbose_subs = v;
                self.verbose_unsubs = false;
            }),
            ZMQ_XPUB_VERBOSER => flag(val).map(|v| {
                self.verbose_subs = v;
                self.verbose_unsubs = v;
            }),
            ZMQ_XPUB_MANUAL_LAST_VALUE => flag(val).map(|v| {
                self.manual = v;
                self.send_last_pipe = v;
            }),
            ZMQ_XPUB_NODROP => flag(val).map(|v| self.lossy = !v),
            ZMQ_XPUB_MANUAL => flag(val).map(|v| self.manual = v),
            ZMQ_ONLY_FIRST_SUBSCRIBE => flag(val).map(|v| self.only_first_subscribe = v),
            ZMQ_SUBSCRIBE | ZMQ_UNSUBSCRIBE if self.manual => {
                if let Some(last) = self.last_pipe {
                    if option == ZMQ_SUBSCRIBE {
                        self.subscriptions.add(val, last);
                    } else {
                        self.subscriptions.rm(val, last);
                    }
                }
                Ok(())
            }
            ZMQ_SUBSCRIBE | ZMQ_UNSUBSCRIBE => Err(Errno::EINVAL),
            ZMQ_XPUB_WELCOME_MSG => {
                self.welcome = (!val.is_empty()).then(|| Msg::from_slice(val));
                Ok(())
            }
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
