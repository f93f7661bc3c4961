//! Commands delivered to a socket's mailbox by its peers, the context and
//! (with the wire transports) the I/O threads.

use crate::pipe::{PipeEnd, PipeRef};

pub enum Command {
    /// The peer wrote into a pipe we had found empty.
    ActivateRead(PipeRef),
    /// The peer read enough of a pipe we had found full to give us credit.
    ActivateWrite(PipeRef),
    /// The peer closed its end of a pipe.
    PipeTerm(PipeRef),
    /// A new pipe to attach (an inproc connecter's pipe reaching the binder).
    Bind(PipeEnd, String),
    /// The context is terminating: blocking calls return ETERM from now on.
    Stop,
}

pub type SocketMailbox = super::mailbox::Mailbox<Command>;
