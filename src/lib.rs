//! libzmq-rs: ZeroMQ (libzmq 4.3) in Rust, built as a drop-in `libzmq.so.5`.
//!
//! The layers, top to bottom (see docs/ARCHITECTURE.md for the picture):
//! `capi` (C ABI) → `socket` → `ctx` → `io` → `pipe`, `transport` →
//! `zmtp`, with `msg` and `util` shared by all of them. A module never
//! names one above it: tests/layers.rs fails on a cycle.

pub mod capi;
pub mod constants;
pub mod ctx;
pub mod error;
pub mod io;
pub mod msg;
pub mod pipe;
pub mod socket;
pub mod transport;
pub mod util;
pub mod zmtp;
