//! The frame decoder alone: ZMTP 1.0 framing (1-byte or 0xFF + 8-byte
//! length counting the flags byte) and ZMTP 2.0/3.x framing (flags with the
//! LONG and COMMAND bits, 1- or 8-byte sizes), fed in chunks through the
//! same read-buffer calls the engine makes, with or without ZMQ_MAXMSGSIZE.
//! A frame that claims more than it can hold (2^62, 2^63 bytes ...) must
//! fail or wait, never allocate its claim; every decoded frame is no longer
//! than the bytes that came in.
//!
//! Byte 0: framing (bit 0), maxmsgsize (bit 1), batch size (bits 2-3);
//! byte 1: read chunk size; the rest is the stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zmq::zmtp::codec::{Decoder, Framing};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let framing = if data[0] & 1 == 0 {
        Framing::V1
    } else {
        Framing::V2
    };
    let maxmsgsize = if data[0] & 2 != 0 { 4096 } else { -1 };
    let batch = [0usize, 64, 512, 8192][usize::from(data[0] >> 2 & 3)];
    let chunk = usize::from(data[1]) * 4 + 1;
    let stream = &data[2..];
    let Ok(mut dec) = Decoder::new(batch, maxmsgsize) else {
        return;
    };
    dec.set_framing(framing);
    let mut rest = stream;
    let mut frames = 0usize;
    while !rest.is_empty() {
        let mut rb = dec.read_buf();
        let want = rb.len().min(chunk).min(rest.len());
        assert!(want > 0, "the decoder offered no room to read into");
        let n = rb.put_slice(&rest[..want]);
        rest = &rest[n..];
        dec.commit(n);
        loop {
            match dec.decode() {
                Ok(Some(m)) => {
                    assert!(m.size() <= stream.len());
                    if maxmsgsize >= 0 {
                        assert!(m.size() as i64 <= maxmsgsize);
                    }
                    frames += 1;
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
        if dec.make_room(0).is_err() {
            return;
        }
    }
    assert!(frames <= stream.len());
});
