//! Frame codec: ZMTP 2.0/3.x framing (`flags | size(1 or 8) | body`) and
//! ZMTP 1.0 framing (`length(1 or FF+8) | flags | body`, length counting the
//! flags byte).
//!
//! The [`Decoder`] owns one refcounted receive buffer
//! ([`SharedBuf`](crate::msg::SharedBuf)) that the engine reads into
//! directly. Frames of up to 30 bytes become inline
//! messages (no allocation), larger frames that arrived whole become slices
//! of the buffer (no copy), and frames that cannot fit the buffer get their
//! own message, which the engine then reads into directly.
//!
//! The [`Encoder`] copies headers and small bodies into one reusable batch
//! buffer and keeps large bodies as their own segments, so one `writev`
//! sends many small frames and large payloads without a staging copy.
//!
//! The two directions share only the framing rules and constants here:
//! decoder.rs parses frames out of the receive buffer, encoder.rs batches
//! frames for writev.

mod decoder;
mod encoder;
#[cfg(test)]
mod tests;

pub use decoder::{Decoder, GROWN_IN_BATCH, LARGE_PREALLOC, MAX_FRAME_SIZE};
pub use encoder::Encoder;

/// ZMTP 2.0/3.x flag bits.
pub const FLAG_MORE: u8 = 0x01;
pub const FLAG_LONG: u8 = 0x02;
pub const FLAG_COMMAND: u8 = 0x04;

/// Bodies at least this large are written from the message itself (their
/// own iovec) rather than copied into the batch buffer.
pub const LARGE_BODY: usize = 1024;
/// The engine should pull more messages while less than this is pending
/// (libzmq's out_batch_size).
pub const OUT_BATCH_SIZE: usize = 8192;
/// Smallest receive buffer: a whole ZMTP 3.x greeting must fit.
pub const MIN_IN_BATCH: usize = 64;
/// Receive buffer during the greeting and handshake: enough for a greeting
/// and a typical READY, small so that a flood of half-open connections
/// costs little memory (the full buffer comes with the handshake's end, see
/// [`Decoder::set_batch_size`]; a larger handshake command takes the large
/// frame path).
pub const HANDSHAKE_IN_BATCH: usize = 512;

/// Which framing the peer speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// ZMTP 1.0.
    V1,
    /// ZMTP 2.0 and 3.x.
    V2,
}

impl Framing {
    /// The longest frame header.
    pub fn max_header(self) -> usize {
        match self {
            Framing::V1 => 10,
            Framing::V2 => 9,
        }
    }
}
