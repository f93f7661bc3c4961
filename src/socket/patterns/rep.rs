//! REP: fair-queue requests; strip each request's envelope (every frame up to
//! and including the empty delimiter) and put it back in front of the reply,
//! which goes to the pipe the request came from. recv and send must alternate
//! (EFSM otherwise).

use super::dealer::{nonneg_flag, send_probe};
use crate::constants::*;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::socket::fq::FairQueue;
use crate::socket::{Pattern, SocketBase};

#[derive(Default)]
pub struct Rep {
    fq: FairQueue,
    /// A request was received whole; the next call must be a send.
    sending_reply: bool,
    /// The envelope of the current request has been read.
    request_begun: bool,
    /// The envelope to put back on the reply (kept allocated across requests).
    envelope: Vec<Msg>,
    /// Where the reply goes; None once that pipe is gone (the reply is dropped).
    reply_pipe: Option<usize>,
    /// Sending the reply's parts to `reply_pipe` (false: dropping them).
    reply_open: bool,
    /// In the middle of sending the reply.
    more_out: bool,
    /// Options libzmq's REP inherits from ROUTER; only probing acts here.
    probe_router: bool,
    mandatory: bool,
    handover: bool,
}

impl Rep {
    /// Read the next request's envelope. Malformed requests (no delimiter)
    /// are dropped whole, as libzmq does.
    fn begin_request(&mut self, base: &mut SocketBase) -> Result<()> {
        loop {
            let (msg, slot) = self
                .fq
                .recv_from(&mut base.pipes, &mut base.dead)
                .ok_or(Errno::EAGAIN)?;
            if self.envelope.is_empty() {
                self.reply_pipe = Some(slot);
            }
            if msg.more() {
                let bottom = msg.size() == 0;
                self.envelope.push(msg);
                if bottom {
                    self.request_begun = true;
                    return Ok(());
                }
            } else {
                // The message ended before its delimiter: drop it whole.
                self.envelope.clear();
                self.reply_pipe = None;
            }
        }
    }
}

impl Pattern for Rep {
    fn attach(&mut self, base: &mut SocketBase, slot: usize) {
        if self.probe_router {
            send_probe(base, slot);
        }
        self.fq.attach(slot);
    }

    fn send(&mut self, base: &mut SocketBase, msg: &mut Msg) -> Result<()> {
        if !self.sending_reply {
            return Err(Errno::EFSM);
        }
        let more = msg.more();
        if !self.more_out {
            // The first part of the reply: the envelope goes in front.
            self.reply_open = false;
            if let Some(slot) = self.reply_pipe {
                let pipe = base.pipes.get(slot);
                if pipe.check_write() {
                    for part in self.envelope.drain(..) {
                        pipe.write(part);
                    }
                    self.reply_open = true;
                }
            }
            self.envelope.clear();
        }
        let part = msg.take();
        if self.reply_open {
            if let Some(slot) = self.reply_pipe {
                let pipe = base.pipes.get(slot);
                pipe.write(part);
                if !more {
                    pipe.flush();
                }
            }
        }
        self.more_out = more;
        if !more {
            self.sending_reply = false;
            self.reply_pipe = None;
            self.reply_open = false;
        }
        Ok(())
    }

    fn recv(&mut self, base: &mut SocketBase) -> Result<Msg> {
        if self.sending_reply {
            return Err(Errno::EFSM);
        }
        if !self.request_begun {
            self.begin_request(base)?;
        }
        let (msg, _) = self
            .fq
            .recv_from(&mut base.pipes, &mut base.dead)
            .ok_or(Errno::EAGAIN)?;
        if !msg.more() {
            self.sending_reply = true;
            self.request_begun = false;
        }
        Ok(msg)
    }

    fn has_in(&mut self, base: &mut SocketBase) -> bool {
        !self.sending_reply && self.fq.has_in(&mut base.pipes)
    }

    fn has_out(&mut self, base: &mut SocketBase) -> bool {
        if !self.sending_reply {
            return false;
        }
        // libzmq's REP reports POLLOUT whenever a reply is due (unless the
        // ROUTER it is built on is in mandatory mode and the pipe is full).
        if !self.mandatory || self.more_out {
            return true;
        }
        self.reply_pipe
            .is_some_and(|s| base.pipes.get(s).check_write())
    }

    fn read_activated(&mut self, _base: &mut SocketBase, slot: usize) {
        self.fq.activated(slot);
    }

    fn write_activated(&mut self, _base: &mut SocketBase, _slot: usize) {}

    fn terminated(&mut self, _base: &mut SocketBase, slot: usize) {
        self.fq.terminated(slot);
        if self.reply_pipe == Some(slot) {
            self.reply_pipe = None;
            self.reply_open = false;
        }
    }

    fn setsockopt(
        &mut self,
        _base: &mut SocketBase,
        option: i32,
        val: &[u8],
    ) -> Option<Result<()>> {
        let flag = |v: &mut bool| Some(nonneg_flag(val).map(|b| *v = b));
        match option {
            ZMQ_PROBE_ROUTER => flag(&mut self.probe_router),
            ZMQ_ROUTER_MANDATORY => flag(&mut self.mandatory),
            ZMQ_ROUTER_HANDOVER => flag(&mut self.handover),
            ZMQ_ROUTER_RAW => Some(nonneg_flag(val).map(|_| ())),
            _ => None,
        }
    }
}
