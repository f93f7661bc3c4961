//! Threads and their plumbing: signalers (eventfd), command mailboxes, and
//! the background I/O threads with what runs in them, one file per libzmq
//! role: the listener (accept), the connecter (connect, reconnect), the
//! engine (one connection's byte pump) and the session (an engine bound to
//! the socket's pipes), on one reactor with one set of timers.

pub mod command;
pub mod connecter;
pub mod engine;
pub mod idle;
pub mod listener;
pub mod mailbox;
pub mod monitor;
pub mod security;
pub mod session;
pub mod signaler;
pub mod slice;
pub mod thread;
pub mod timers;
mod turns;
