//! A background I/O thread: one mio reactor driving the listeners and the
//! sessions (ZMTP connections) of every socket assigned to it.
//!
//! The thread's mailbox is an ordinary command mailbox whose eventfd is
//! registered with the reactor, so pipe activations from sockets (ActivateRead
//! / ActivateWrite / PipeTerm) and control commands (Listen, Connect, ...)
//! arrive the same way they reach sockets.

use super::command::{Command, IoCommand, SocketMailbox};
use super::mailbox::Mailbox;
use super::session::Sessions;
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Registry, Token};
use std::io;
use std::sync::Arc;
use std::thread::JoinHandle;

pub const MAILBOX: Token = Token(0);

/// The reactor's registry, lent to the listeners, connecters and engines
/// for one round of events.
pub struct Reactor<'a> {
    pub(super) registry: &'a Registry,
}

impl<'a> Reactor<'a> {
    pub fn new(registry: &'a Registry) -> Reactor<'a> {
        Reactor { registry }
    }
}

/// The reactor token of the I/O thread's entry `key` (0 is the mailbox).
pub(super) fn token(key: usize) -> Token {
    Token(key + 1)
}

pub struct IoThread {
    mailbox: Arc<SocketMailbox>,
    join: Option<JoinHandle<()>>,
}

impl IoThread {
    pub fn start(name: String, sched: super::slice::ThreadSched) -> io::Result<IoThread> {
        let mailbox: Arc<SocketMailbox> = Arc::new(Mailbox::new()?);
        let poll = Poll::new()?;
        poll.registry()
            .register(&mut SourceFd(&mailbox.fd()), MAILBOX, Interest::READABLE)?;
        let mb = mailbox.clone();
        let (applied_tx, applied) = std::sync::mpsc::sync_channel(1);
        let join = std::thread::Builder::new().name(name).spawn(move || {
            sched.apply();
            let _ = applied_tx.send(());
            run(poll, mb)
        })?;
        // The thread's scheduling is in place before any socket uses it.
        let _ = applied.recv();
        Ok(IoThread {
            mailbox,
            join: Some(join),
        })
    }

    pub fn mailbox(&self) -> &Arc<SocketMailbox> {
        &self.mailbox
    }

    pub fn send(&self, cmd: IoCommand) {
        self.mailbox.send(Command::Io(Box::new(cmd)));
    }

    /// Ask the thread to finish (sessions flush within their linger) and wait.
    pub fn stop(&mut self) {
        self.send(IoCommand::Stop);
        if let Some(j) = self.join.take() {
            let _ = j.join();
        }
    }
}

fn run(mut poll: Poll, mailbox: Arc<SocketMailbox>) {
    super::slice::request_short_slice();
    let mut events = Events::with_capacity(256);
    let mut sessions = Sessions::new(mailbox.clone());
    let mut idle = super::idle::Idle::new();
    loop {
        let deadline = sessions.next_deadline();
        let timeout = if sessions.turns_pending() {
            // A session yielded mid-write: look, do not sleep.
            Some(std::time::Duration::ZERO)
        } else {
            Sessions::timeout_until(deadline)
        };
        let (wrote, read, receiving) = sessions.take_traffic();
        if let Err(e) = idle.wait(
            &mut poll,
            &mut events,
            &mailbox,
            timeout,
            wrote,
            read,
            receiving,
        ) {
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        let reactor = Reactor::new(poll.registry());
        for ev in events.iter() {
            if ev.token() == MAILBOX {
                continue;
            }
            sessions.ready(
                &reactor,
                ev.token(),
                ev.is_readable() || ev.is_read_closed(),
                ev.is_writable() || ev.is_error(),
                ev.is_read_closed() || ev.is_error(),
            );
        }
        // The mailbox is drained every round: cheap when empty (one load).
        let mb = mailbox.clone();
        mb.drain(|cmd| sessions.command(&reactor, cmd));
        if deadline.is_some() {
            sessions.timers(&reactor);
        }
        sessions.run_turns(&reactor);
        if sessions.finished() {
            return;
        }
    }
}
