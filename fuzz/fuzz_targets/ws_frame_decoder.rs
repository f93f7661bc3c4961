//! The WebSocket frame decoder: frames of any opcode, mask bit and length
//! (7-, 16- and 64-bit), fragments and control frames between them, fed in
//! chunks, towards a server (frames must be masked) or a client (must not),
//! with or without ZMQ_MAXMSGSIZE. A frame that claims more than it brings
//! must fail or wait, never allocate its claim: every message decoded is no
//! longer than the bytes that came in, control payloads are at most 125.
//!
//! Byte 0: masked (bit 0), maxmsgsize (bit 1), read chunk (bits 2-7); the
//! rest is the stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zmq::zmtp::ws::frame::{Frame, FrameDecoder, MAX_CONTROL};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, stream)) = data.split_first() else {
        return;
    };
    let maxmsgsize = if sel & 2 != 0 { 4096 } else { -1 };
    let mut dec = FrameDecoder::new(sel & 1 == 1, maxmsgsize);
    let chunk = usize::from(sel >> 2) * 13 + 1;
    let mut frames = 0usize;
    for piece in stream.chunks(chunk) {
        let mut rest = piece;
        loop {
            match dec.decode(rest) {
                Ok((n, f)) => {
                    assert!(n <= rest.len());
                    rest = &rest[n..];
                    match f {
                        Some(Frame::Message { body, .. }) => {
                            assert!(body.size() < stream.len());
                            if maxmsgsize >= 0 {
                                assert!(body.size() as i64 <= maxmsgsize);
                            }
                            frames += 1;
                        }
                        Some(Frame::Ping(p) | Frame::Pong(p) | Frame::Close(p)) => {
                            assert!(p.len() <= MAX_CONTROL);
                            frames += 1;
                        }
                        None => {
                            assert!(rest.is_empty(), "stopped with input left");
                            break;
                        }
                    }
                }
                Err(_) => return,
            }
        }
    }
    assert!(frames <= stream.len());
});
