//! REQ: a DEALER with a strict send/receive state machine. A request goes
//! out with an empty delimiter frame in front (and, with ZMQ_REQ_CORRELATE,
//! a request-id frame before that); a reply is accepted only from the pipe the
//! request went to, only with the matching envelope, and the envelope is
//! stripped. ZMQ_REQ_RELAXED lets a new request abandon the pending one.

use super::dealer::{nonneg_flag, Dealer};
use crate::constants::*;
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::socket::{Pattern, SocketBase};

pub struct Req {
    dealer: Dealer,
    /// A request went out whole; now only recv is allowed (unless relaxed).
    receiving_reply: bool,
    /// The next part sent or received starts a message.
    message_begins: bool,
    /// The pipe the current request went to; replies from others are dropped.
    reply_pipe: Option<usize>,
    /// ZMQ_REQ_CORRELATE.
    correlate: bool,
    request_id: u32,
    /// !ZMQ_REQ_RELAXED.
    strict: bool,
}

impl Default for Req {
    fn default() -> Req {
        Req {
            dealer: Dealer::default(),
            receiving_reply: false,
            message_begins: true,
            reply_pipe: None,
            correlate: false,
            // libzmq starts from a random value; any start will do as long as
            // stale replies to earlier requests do not match.
            request_id: initial_request_id(),
            strict: true,
        }
    }
}

fn initial_request_id() -> u32 {
    let mut b = [0u8; 4];
    if getrandom::getrandom(&mut b).is_err() {
        return 0;
    }
    u32::from_ne_bytes(b)
}

impl Req {
    /// One part of the reply from the current peer; parts from any other
    /// pipe are dropped.
    fn recv_reply_part(&mut self, base: &mut SocketBase) -> Result<Msg> {
        loop {
            let (msg, slot) = self.dealer.recv_pipe(base)?;
            if self.reply_pipe.is_none() || self.reply_pipe == Some(slot) {
                return Ok(msg);
            }
        }
    }

    /// Drop the rest of a message whose first part was `msg`.
    fn skip_rest(&mut self, base: &mut SocketBase, mut msg: Msg) -> Result<()> {
        while msg.more() {
            msg = self.recv_reply_part(base)?;
        }
        Ok(())
    }

    /// Send the envelope in front of a new request.
    fn begin_request(&mut self, base: &mut SocketBase) -> Result<()> {
        self.reply_pipe = None;
        if self.correlate {
            self.request_id = self.request_id.wrapping_add(1);
            let mut id = Msg::from_slice(&self.request_id.to_ne_bytes());
            id.set_flags(Msg::MORE);
            self.reply_pipe = self.dealer.send_pipe(base, &mut id)?;
        }
        let mut bottom = Msg::new();
        bottom.set_flags(Msg::MORE);
        let slot = self.dealer.send_pipe(base, &mut bottom)?;
        if self.reply_pipe.is_none() {
            self.reply_pipe = slot;
        }
        self.message_begins = false;
        // Replies that arrived for earlier requests must not be taken for the
        // reply to this one: drop everything already queued.
        while self.dealer.recv_pipe(base).is_ok() {}
        Ok(())
    }
}

impl Pattern for Req {
    fn attach(&mut self, base: &mut SocketBase, slot: usize) {
        self.dealer.attach(base, slot);
    }

    fn send(&mut self, base: &mut SocketBase, msg: &mut Msg) -> Result<()> {
        if self.receiving_reply {
            if self.strict {
                return Err(Errno::EFSM);
            }
            self.receiving_reply = false;
            self.message_begins = true;
        }
        if self.message_begins {
            self.begin_request(base)?;
        }
        let more = msg.more();
        self.dealer.send_pipe(base, msg)?;
        if !more {
            self.receiving_reply = true;
            self.message_begins = true;
        }
        Ok(())
    }

    fn recv(&mut self, base: &mut SocketBase) -> Result<Msg> {
        if !self.receiving_reply {
            return Err(Errno::EFSM);
        }
        while self.message_begins {
            if self.correlate {
                let id = self.recv_reply_part(base)?;
                let ok = id.more() && id.data() == self.request_id.to_ne_bytes();
                if !ok {
                    self.skip_rest(base, id)?;
                    continue;
                }
            }
            let bottom = self.recv_reply_part(base)?;
            if !bottom.more() || bottom.size() != 0 {
                self.skip_rest(base, bottom)?;
                continue;
            }
            self.message_begins = false;
        }
        let msg = self.recv_reply_part(base)?;
        if !msg.more() {
            self.receiving_reply = false;
            self.message_begins = true;
        }
        Ok(msg)
    }

    fn has_in(&mut self, base: &mut SocketBase) -> bool {
        self.receiving_reply && self.dealer.has_in(base)
    }

    fn has_out(&mut self, base: &mut SocketBase) -> bool {
        if self.receiving_reply && self.strict {
            return false;
        }
        self.dealer.has_out(base)
    }

    fn read_activated(&mut self, base: &mut SocketBase, slot: usize) {
        self.dealer.read_activated(base, slot);
    }

    fn write_activated(&mut self, base: &mut SocketBase, slot: usize) {
        self.dealer.write_activated(base, slot);
    }

    fn terminated(&mut self, base: &mut SocketBase, slot: usize) {
        if self.reply_pipe == Some(slot) {
            self.reply_pipe = None;
        }
        self.dealer.terminated(base, slot);
    }

    fn setsockopt(&mut self, base: &mut SocketBase, option: i32, val: &[u8]) -> Option<Result<()>> {
        match option {
            ZMQ_REQ_CORRELATE => Some(nonneg_flag(val).map(|v| self.correlate = v)),
            ZMQ_REQ_RELAXED => Some(nonneg_flag(val).map(|v| self.strict = !v)),
            _ => self.dealer.setsockopt(base, option, val),
        }
    }
}
