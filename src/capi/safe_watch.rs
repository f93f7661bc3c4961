//! How zmq_poll and the zmq_poller_* API wait on thread-safe sockets, which
//! have no ZMQ_FD: one eventfd of the waiter's own (libzmq's signaler) that
//! the sockets' mailboxes make readable on every command. The waiter resets
//! it before reading ZMQ_EVENTS, so no command is missed, and another
//! thread draining the socket's mailbox cannot steal the wake-up.

use crate::error::{Errno, Result};
use crate::io::command::SocketMailbox;
use crate::io::signaler::Signaler;
use std::os::fd::RawFd;
use std::sync::Arc;

#[derive(Default)]
pub(crate) struct SafeWatch {
    signaler: Option<Arc<Signaler>>,
    watched: Vec<Arc<SocketMailbox>>,
}

impl SafeWatch {
    /// Have `mailbox` signal us from now on; returns the fd to poll.
    pub(crate) fn watch(&mut self, mailbox: &Arc<SocketMailbox>) -> Result<RawFd> {
        let sig = match &self.signaler {
            Some(s) => s.clone(),
            None => {
                let s = Arc::new(Signaler::new().map_err(|_| Errno::EMFILE)?);
                self.signaler = Some(s.clone());
                s
            }
        };
        if !self.watched.iter().any(|m| Arc::ptr_eq(m, mailbox)) {
            mailbox.add_signaler(sig.clone());
            self.watched.push(mailbox.clone());
        }
        Ok(sig.fd())
    }

    /// Stop watching `mailbox` (the signaler itself stays, as libzmq's).
    pub(crate) fn unwatch(&mut self, mailbox: &Arc<SocketMailbox>) {
        if let (Some(sig), Some(i)) = (
            &self.signaler,
            self.watched.iter().position(|m| Arc::ptr_eq(m, mailbox)),
        ) {
            mailbox.remove_signaler(sig);
            self.watched.swap_remove(i);
        }
    }

    /// The signaler's fd, once a thread-safe socket has been watched.
    pub(crate) fn fd(&self) -> Option<RawFd> {
        self.signaler.as_ref().map(|s| s.fd())
    }

    /// Make the fd unreadable again; call before reading ZMQ_EVENTS.
    pub(crate) fn reset(&self) {
        if let Some(s) = &self.signaler {
            s.recv();
        }
    }
}

impl Drop for SafeWatch {
    fn drop(&mut self) {
        if let Some(sig) = &self.signaler {
            for m in self.watched.drain(..) {
                m.remove_signaler(sig);
            }
        }
    }
}
