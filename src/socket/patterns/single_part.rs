//! What the draft single-part socket types share: SNDMORE is refused with
//! EINVAL, and a multipart message that arrives anyway is dropped whole on
//! receipt (libzmq's client_t, gather_t, scatter_t, channel_t, server_t).
//! CLIENT, GATHER, SCATTER and CHANNEL are DEALER, PULL, PUSH and PAIR
//! with these rules on top: see [`SinglePart`].

use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::socket::fq::FairQueue;
use crate::socket::{Pattern, SocketBase};

/// EINVAL for a part that is not the whole message.
#[inline]
pub fn check_single(msg: &Msg) -> Result<()> {
    if msg.more() {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// The next single-part message from the fair queue and its pipe, skipping
/// every part of multipart messages. `skipping` is the pipe whose multipart
/// message is being dropped (a part from another pipe starts a new message:
/// the first pipe went away mid-message).
pub fn recv_single(
    fq: &mut FairQueue,
    base: &mut SocketBase,
    skipping: &mut Option<usize>,
) -> Result<(Msg, usize)> {
    loop {
        let (msg, slot) = fq
            .recv_from(&mut base.pipes, &mut base.dead)
            .ok_or(Errno::EAGAIN)?;
        if *skipping == Some(slot) || msg.more() {
            *skipping = msg.more().then_some(slot);
            continue;
        }
        *skipping = None;
        return Ok((msg, slot));
    }
}

/// A classic routing strategy restricted to single-part messages. The
/// inner type's own options (ZMQ_PROBE_ROUTER, ...) are not offered: libzmq's
/// draft types do not take them.
#[derive(Default)]
pub struct SinglePart<P> {
    inner: P,
    /// recv: dropping the rest of a multipart message. Messages are
    /// published whole, so the rest is always there to drop.
    skipping: bool,
}

impl<P: Pattern> Pattern for SinglePart<P> {
    fn attach(&mut self, base: &mut SocketBase, slot: usize) {
        self.inner.attach(base, slot);
    }

    fn send(&mut self, base: &mut SocketBase, msg: &mut Msg) -> Result<()> {
        check_single(msg)?;
        self.inner.send(base, msg)
    }

    fn recv(&mut self, base: &mut SocketBase) -> Result<Msg> {
        loop {
            let msg = self.inner.recv(base)?;
            if self.skipping || msg.more() {
                self.skipping = msg.more();
                continue;
            }
            return Ok(msg);
        }
    }

    fn has_in(&mut self, base: &mut SocketBase) -> bool {
        self.inner.has_in(base)
    }

    fn has_out(&mut self, base: &mut SocketBase) -> bool {
        self.inner.has_out(base)
    }

    fn read_activated(&mut self, base: &mut SocketBase, slot: usize) {
        self.inner.read_activated(base, slot);
    }

    fn write_activated(&mut self, base: &mut SocketBase, slot: usize) {
        self.inner.write_activated(base, slot);
    }

    fn terminated(&mut self, base: &mut SocketBase, slot: usize) {
        self.inner.terminated(base, slot);
    }
}
