//! Threads and their plumbing: signalers (eventfd), command mailboxes, and
//! (with the wire transports) the background I/O threads.

pub mod command;
pub mod idle;
pub mod mailbox;
pub mod security;
pub mod session;

pub mod signaler;
pub mod slice;
pub mod thread;
