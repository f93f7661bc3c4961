//! Codec vectors: framing both ways, ZMTP 1.0 and 2.0/3.x, hostile sizes.

use super::decoder::Large;
use super::*;
use crate::msg::Msg;
use crate::zmtp::ProtocolError;
use std::io::IoSlice;

fn drain(e: &mut Encoder) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let mut s = [IoSlice::new(&[]); 8];
        let n = e.output(&mut s);
        if n == 0 {
            break;
        }
        let total: usize = s[..n].iter().map(|x| x.len()).sum();
        for x in &s[..n] {
            out.extend_from_slice(x);
        }
        e.consume(total);
    }
    out
}

fn decode_all(d: &mut Decoder, bytes: &[u8]) -> Result<Vec<Msg>, ProtocolError> {
    let mut out = Vec::new();
    let mut rest = bytes;
    loop {
        while let Some(m) = d.decode()? {
            out.push(m);
        }
        d.make_room(0)?;
        if rest.is_empty() {
            return Ok(out);
        }
        let n = d.read_buf().put_slice(&rest[..rest.len().min(7777)]);
        d.commit(n);
        rest = &rest[n..];
    }
}

#[test]
fn v2_frame_forms() {
    let mut e = Encoder::new();
    e.push_frame(false, false, b"", Msg::from_slice(b"hi"));
    e.push_frame(true, false, b"", Msg::from_slice(b""));
    e.push_bytes_frame(false, true, b"\x04PING\x00\x00");
    e.push_frame(false, false, b"", Msg::from_slice(&[9u8; 255]));
    e.push_frame(false, false, b"", Msg::from_slice(&[8u8; 256]));
    let out = drain(&mut e);
    assert_eq!(&out[..4], b"\x00\x02hi");
    assert_eq!(&out[4..6], b"\x01\x00");
    assert_eq!(&out[6..15], b"\x04\x07\x04PING\x00\x00");
    assert_eq!(&out[15..17], b"\x00\xff");
    assert_eq!(
        &out[17 + 255..17 + 255 + 9],
        b"\x02\x00\x00\x00\x00\x00\x00\x01\x00"
    );
    assert_eq!(out.len(), 17 + 255 + 9 + 256);
    assert_eq!(e.pending(), 0);

    let mut d = Decoder::new(8192, -1).unwrap();
    let msgs = decode_all(&mut d, &out).unwrap();
    assert_eq!(msgs.len(), 5);
    assert_eq!(msgs[0].data(), b"hi");
    assert!(msgs[1].more() && msgs[1].is_empty());
    assert!(msgs[2].is_command());
    assert_eq!(msgs[3].size(), 255);
    assert_eq!(msgs[4].data(), &[8u8; 256][..]);
    assert!(!msgs[4].more() && !msgs[4].is_command());
}

#[test]
fn v2_long_form_for_small_sizes_accepted() {
    let mut d = Decoder::new(8192, -1).unwrap();
    let m = decode_all(&mut d, b"\x03\0\0\0\0\0\0\0\x03abc\x06\0\0\0\0\0\0\0\x00").unwrap();
    assert_eq!(m.len(), 2);
    assert_eq!(m[0].data(), b"abc");
    assert!(m[0].more());
    assert!(m[1].is_command() && m[1].is_empty());
}

#[test]
fn v2_malformed() {
    for (bytes, err) in [
        (
            &b"\x02\x80\0\0\0\0\0\0\0"[..],
            ProtocolError::MessageTooLarge,
        ), // 2^63
        (
            b"\x02\x7f\xff\xff\xff\xff\xff\xff\xff",
            ProtocolError::MessageTooLarge,
        ),
        (b"\x02\0\0\x80\0\0\0\0\0", ProtocolError::MessageTooLarge), // 2^47
        (
            b"\x02\xff\xff\xff\xff\xff\xff\xff\xff",
            ProtocolError::MessageTooLarge,
        ),
    ] {
        let mut d = Decoder::new(8192, -1).unwrap();
        assert_eq!(decode_all(&mut d, bytes).err(), Some(err), "{bytes:?}");
    }
    let mut d = Decoder::new(8192, 10).unwrap();
    assert_eq!(
        decode_all(&mut d, b"\x00\x0b").err(),
        Some(ProtocolError::MessageTooLarge)
    );
    let mut d = Decoder::new(8192, 10).unwrap();
    assert_eq!(decode_all(&mut d, b"\x00\x0a0123456789").unwrap().len(), 1);
    // A huge but legal claim under an unlimited maxmsgsize commits
    // memory only as bytes arrive.
    let mut d = Decoder::new(8192, -1).unwrap();
    let mut wire = b"\x02\0\0\x7f\xff\xff\xff\xff\xff".to_vec();
    wire.extend_from_slice(&[0u8; 100_000]);
    assert!(decode_all(&mut d, &wire).unwrap().is_empty());
    match &d.large {
        Some(Large::Staging { buf, filled, .. }) => {
            assert_eq!(*filled, 100_000);
            assert!(buf.capacity() <= 256 * 1024, "{}", buf.capacity());
        }
        _ => panic!("expected staging"),
    }
}

#[test]
fn v2_reserved_bits_ignored() {
    let mut d = Decoder::new(8192, -1).unwrap();
    let m = decode_all(&mut d, b"\x08\x01a\x81\x01b\x05\x00\xf8\x00").unwrap();
    assert_eq!(m.len(), 4);
    assert!(m[0].data() == b"a" && !m[0].more() && !m[0].is_command());
    assert!(m[1].data() == b"b" && m[1].more());
    assert!(m[2].is_command() && m[2].more());
    assert!(m[3].is_empty() && !m[3].more() && !m[3].is_command());
}

#[test]
fn truncated_frame_waits() {
    let mut d = Decoder::new(8192, -1).unwrap();
    assert!(decode_all(&mut d, b"\x00\x05abc").unwrap().is_empty());
    let mut d = Decoder::new(8192, -1).unwrap();
    assert!(decode_all(&mut d, b"\x02\0\0").unwrap().is_empty());
}

#[test]
fn v1_frame_forms() {
    let mut e = Encoder::new();
    e.set_framing(Framing::V1);
    e.push_frame(true, false, b"", Msg::from_slice(b"ab"));
    e.push_frame(false, false, b"", Msg::from_slice(&[1u8; 253]));
    e.push_frame(false, false, b"", Msg::from_slice(&[2u8; 254]));
    let out = drain(&mut e);
    assert_eq!(&out[..4], b"\x03\x01ab");
    assert_eq!(&out[4..6], b"\xfe\x00");
    let o = 6 + 253;
    assert_eq!(&out[o..o + 10], b"\xff\0\0\0\0\0\0\0\xff\x00");
    let mut d = Decoder::new(8192, -1).unwrap();
    d.set_framing(Framing::V1);
    let m = decode_all(&mut d, &out).unwrap();
    assert_eq!(m.len(), 3);
    assert!(m[0].more());
    assert_eq!(m[1].size(), 253);
    assert_eq!(m[2].size(), 254);
    // Zero length (no room for the flags) is malformed; other flag bits
    // are ignored as libzmq does.
    let mut d = Decoder::new(8192, -1).unwrap();
    d.set_framing(Framing::V1);
    assert_eq!(
        decode_all(&mut d, b"\x00").err(),
        Some(ProtocolError::MalformedFrame)
    );
    let mut d = Decoder::new(8192, -1).unwrap();
    d.set_framing(Framing::V1);
    let m = decode_all(&mut d, b"\x02\x7fx").unwrap();
    assert!(m[0].more() && m[0].data() == b"x");
    let mut d = Decoder::new(8192, 3).unwrap();
    d.set_framing(Framing::V1);
    assert_eq!(
        decode_all(&mut d, b"\x05\x00abcd").err(),
        Some(ProtocolError::MessageTooLarge)
    );
}

#[test]
fn zero_copy_and_large_frames() {
    // Many messages of mixed sizes through a small buffer, read in odd
    // chunks: shared slices, compaction, and dedicated large messages.
    let sizes = [
        0usize, 1, 30, 31, 100, 255, 256, 1000, 1023, 1024, 5000, 70_000, 3, 200_000,
    ];
    let mut e = Encoder::new();
    for (i, &s) in sizes.iter().enumerate() {
        let body: Vec<u8> = (0..s).map(|j| (i * 7 + j) as u8).collect();
        e.push_frame(i % 3 == 0, false, b"", Msg::from_slice(&body));
    }
    let wire = drain(&mut e);
    for cap in [64usize, 300, 8192] {
        let mut d = Decoder::new(cap, -1).unwrap();
        let msgs = decode_all(&mut d, &wire).unwrap();
        assert_eq!(msgs.len(), sizes.len());
        for (i, (m, &s)) in msgs.iter().zip(&sizes).enumerate() {
            let body: Vec<u8> = (0..s).map(|j| (i * 7 + j) as u8).collect();
            assert_eq!(m.data(), &body[..], "cap {cap} msg {i}");
            assert_eq!(m.more(), i % 3 == 0);
            assert_eq!(m.is_vsm(), s <= 30);
        }
    }
}

#[test]
fn body_remaining_counts_what_the_stream_still_owes() {
    // Exact while a body is read in place (the engine's SO_RCVLOWAT may
    // never ask for more than this); 0 between frames and while a claim
    // above LARGE_PREALLOC is only staged.
    let mut d = Decoder::new(8192, -1).unwrap();
    assert_eq!(d.body_remaining(), 0);
    let size = 300_000usize;
    let mut wire = vec![0x02];
    wire.extend_from_slice(&(size as u64).to_be_bytes());
    wire.extend((0..size).map(|i| i as u8));
    let first = 5000;
    let n = d.read_buf().put_slice(&wire[..first]);
    d.commit(n);
    assert!(d.decode().unwrap().is_none());
    assert_eq!(d.body_remaining(), wire.len() - first);
    let mut at = first;
    while at < wire.len() {
        let n = d
            .read_buf()
            .put_slice(&wire[at..(at + 70_000).min(wire.len())]);
        d.commit(n);
        at += n;
        if at < wire.len() {
            assert!(d.decode().unwrap().is_none());
            assert_eq!(d.body_remaining(), wire.len() - at);
        }
    }
    let m = d.decode().unwrap().expect("the whole message");
    assert_eq!(m.size(), size);
    assert_eq!(d.body_remaining(), 0);

    let mut d = Decoder::new(8192, -1).unwrap();
    let mut claim = vec![0x02];
    claim.extend_from_slice(&((LARGE_PREALLOC as u64) * 4).to_be_bytes());
    claim.extend_from_slice(&[7u8; 4000]);
    let n = d.read_buf().put_slice(&claim);
    d.commit(n);
    assert!(d.decode().unwrap().is_none());
    assert_eq!(d.body_remaining(), 0);
}

#[test]
fn large_body_and_following_frames_in_one_read() {
    // As the engine's readv: the rest of a large body, then the receive
    // buffer, filled by one read.
    let mut e = Encoder::new();
    let big: Vec<u8> = (0..20_000u32).map(|i| i as u8).collect();
    for _ in 0..3 {
        e.push_frame(false, false, b"", Msg::from_slice(&big));
        e.push_frame(true, false, b"", Msg::from_slice(b"small after big"));
    }
    let wire = drain(&mut e);
    let mut d = Decoder::new(8192, -1).unwrap();
    let mut rest = &wire[..];
    let mut msgs = Vec::new();
    let mut two_region_reads = 0;
    while !rest.is_empty() {
        let n = match d.read_bufs() {
            (mut a, Some(mut b)) => {
                two_region_reads += 1;
                let k = a.put_slice(rest);
                k + b.put_slice(&rest[k..])
            }
            (mut a, None) => a.put_slice(rest),
        };
        d.commit(n);
        rest = &rest[n..];
        while let Some(m) = d.decode().unwrap() {
            msgs.push(m);
        }
        d.make_room(0).unwrap();
    }
    assert!(two_region_reads >= 3, "{two_region_reads}");
    assert_eq!(msgs.len(), 6);
    for pair in msgs.chunks(2) {
        assert_eq!(pair[0].data(), &big[..]);
        assert_eq!(pair[1].data(), b"small after big");
        assert!(pair[1].more());
    }
}

#[test]
fn receive_buffer_grows_only_for_frames_beyond_it() {
    let wire = |size: usize, count: usize| {
        let mut e = Encoder::new();
        for i in 0..count {
            e.push_frame(false, false, b"", Msg::from_slice(&vec![i as u8; size]));
        }
        drain(&mut e)
    };
    let check = |batch: usize, size: usize, count: usize, cap: usize| {
        let mut d = Decoder::new(batch, -1).unwrap();
        let msgs = decode_all(&mut d, &wire(size, count)).unwrap();
        assert_eq!(msgs.len(), count);
        for (i, m) in msgs.iter().enumerate() {
            assert_eq!(m.data(), &vec![i as u8; size][..], "{batch} {size} #{i}");
        }
        assert_eq!(d.cap, cap, "in_batch {batch}, frames of {size}");
    };
    // 8 KiB bodies overflow the default buffer: it grows, and later
    // frames arrive several per buffer.
    check(8192, 8192, 40, GROWN_IN_BATCH);
    check(8192, 16_000, 20, GROWN_IN_BATCH);
    // Frames that fit, frames too long to gain from it, and a buffer
    // configured small (as during the handshake) keep their size.
    check(8192, 1000, 200, 8192);
    check(8192, 100_000, 4, 8192);
    check(4096, 8192, 20, 4096);
    check(HANDSHAKE_IN_BATCH, 2000, 20, HANDSHAKE_IN_BATCH);
    // Back to small frames: the next new buffer (this one is still held
    // by messages) is the configured size again.
    let mut d = Decoder::new(8192, -1).unwrap();
    let mut w = wire(8192, 20);
    w.extend_from_slice(&wire(100, 2000));
    let msgs = decode_all(&mut d, &w).unwrap();
    assert_eq!(msgs.len(), 2020);
    assert_eq!(d.cap, 8192);
}

/// Small frames whose reads fill the receive buffer (the peer streams
/// faster than we read) get the grown buffer, so the next reads are
/// larger; reads that never fill it keep the configured size (the test
/// above), as does a buffer configured below libzmq's default.
#[test]
fn receive_buffer_grows_for_a_stream_that_fills_it() {
    let mut e = Encoder::new();
    for i in 0..300 {
        e.push_frame(false, false, b"", Msg::from_slice(&[i as u8; 1000]));
    }
    let wire = drain(&mut e);
    // ~300 KB: 5 reads of the grown buffer after the first of 8 KiB; 74
    // of 4 KiB.
    for (batch, most_reads, widest) in [(8192, 10, GROWN_IN_BATCH), (4096, 80, 4096)] {
        let mut d = Decoder::new(batch, -1).unwrap();
        let (mut msgs, mut reads, mut cap) = (Vec::new(), 0, 0);
        let mut rest = &wire[..];
        while !rest.is_empty() {
            // Every read takes all the room it is offered.
            let n = d.read_buf().put_slice(rest);
            d.commit(n);
            rest = &rest[n..];
            reads += 1;
            cap = cap.max(d.cap);
            while let Some(m) = d.decode().unwrap() {
                msgs.push(m);
            }
            d.make_room(0).unwrap();
        }
        assert_eq!(msgs.len(), 300);
        for (i, m) in msgs.iter().enumerate() {
            assert_eq!(m.data(), &[i as u8; 1000][..]);
        }
        assert!(reads <= most_reads, "in_batch {batch}: {reads} reads");
        assert_eq!(cap, widest, "in_batch {batch}");
    }
}

#[test]
fn compaction_keeps_unparsed_bytes_when_buffer_is_reused() {
    // A frame split across the buffer end with no message holding the
    // buffer: the tail is slid to the front of the same buffer.
    let mut d = Decoder::new(64, -1).unwrap();
    let mut wire = Vec::new();
    for i in 0..10u8 {
        wire.extend_from_slice(&[0, 10]);
        wire.extend_from_slice(&[i; 10]);
    }
    let msgs = decode_all(&mut d, &wire).unwrap();
    assert_eq!(msgs.len(), 10);
    for (i, m) in msgs.iter().enumerate() {
        assert_eq!(m.data(), &[i as u8; 10]);
    }
}

#[test]
fn large_bodies_are_not_copied_into_the_batch() {
    let big = Msg::from_slice(&[5u8; 4096]);
    let ptr = big.data().as_ptr();
    let mut e = Encoder::new();
    e.push_frame(false, false, b"", Msg::from_slice(b"small"));
    e.push_frame(true, false, b"", big);
    e.push_frame(false, false, b"", Msg::from_slice(b"tail"));
    {
        let mut s = [IoSlice::new(&[]); 8];
        let n = e.output(&mut s);
        assert_eq!(n, 3);
        assert_eq!(&*s[0], b"\x00\x05small\x03\x00\x00\x00\x00\x00\x00\x10\x00");
        assert_eq!(s[1].as_ptr(), ptr);
        assert_eq!(&*s[2], b"\x00\x04tail");
    }
    // Partial writes resume mid-segment.
    e.consume(10);
    {
        let mut s = [IoSlice::new(&[]); 8];
        assert_eq!(e.output(&mut s), 3);
        assert_eq!(s[0].len(), 6);
    }
    e.consume(6 + 100);
    {
        let mut s = [IoSlice::new(&[]); 8];
        assert_eq!(e.output(&mut s), 2);
        assert_eq!(s[0].len(), 3996);
    }
    e.consume(3996 + 6);
    assert_eq!(e.pending(), 0);
    let mut s = [IoSlice::new(&[]); 8];
    assert_eq!(e.output(&mut s), 0);
}

#[test]
fn batch_reclaims_written_prefix() {
    let mut e = Encoder::new();
    for _ in 0..100_000 {
        e.push_frame(false, false, b"", Msg::from_slice(&[1u8; 20]));
        // Write all but a little, so the queue never drains.
        let p = e.pending();
        e.consume(p - 5);
    }
    assert!(e.batch.capacity() < 64 * 1024, "{}", e.batch.capacity());
}

#[test]
fn zero_copy_recv_off_copies_each_body() {
    // Frames of 100 bytes arriving in one read: with zero copy (the
    // default) they are slices of the one receive buffer, back to back
    // (2-byte headers between them); off, each body has its own storage,
    // so holding one message does not hold the buffer.
    let mut e = Encoder::new();
    for i in 0..8u8 {
        e.push_frame(false, false, b"", Msg::from_slice(&[i; 100]));
    }
    let wire = drain(&mut e);
    for zero_copy in [true, false] {
        let mut d = Decoder::new(8192, -1).unwrap();
        d.set_zero_copy(zero_copy);
        let msgs = decode_all(&mut d, &wire).unwrap();
        assert_eq!(msgs.len(), 8);
        for (i, pair) in msgs.windows(2).enumerate() {
            assert_eq!(pair[0].data(), &[i as u8; 100][..]);
            let gap = (pair[1].data_ptr() as usize).wrapping_sub(pair[0].data_ptr() as usize);
            assert_eq!(gap == 102, zero_copy, "zero copy {zero_copy}, msg {i}");
        }
        for m in &msgs {
            assert!(!m.is_vsm());
        }
    }
}

/// `large_body` finds the first body of at least `min` bytes: what is
/// queued before it (headers, small frames, smaller bodies), and what of it
/// is still to write once writing has reached into it; only within the
/// segments one write takes.
#[test]
fn large_body_reports_what_precedes_it_and_what_is_left() {
    let mut e = Encoder::new();
    assert_eq!(e.large_body(1000, 64), None);
    e.push_frame(false, false, b"", Msg::from_slice(b"small"));
    e.push_frame(false, false, b"", Msg::from_slice(&[1u8; 2000]));
    e.push_frame(false, false, b"", Msg::from_slice(&[2u8; 5000]));
    e.push_frame(false, false, b"", Msg::from_slice(b"after"));
    // 2 + 5 (small), 9 + 2000 (a body under min), 9 (the large one's header).
    assert_eq!(e.large_body(3000, 64), Some((2 + 5 + 9 + 2000 + 9, 5000)));
    assert_eq!(e.large_body(1000, 64), Some((2 + 5 + 9, 2000)));
    assert_eq!(e.large_body(6000, 64), None, "no body that large");
    assert_eq!(e.large_body(3000, 2), None, "beyond what one write takes");
    // Written up to 100 bytes into the large body: 4900 of it left.
    e.consume(2 + 5 + 9 + 2000 + 9 + 100);
    assert_eq!(e.large_body(3000, 64), Some((0, 4900)));
    e.consume(4900);
    assert_eq!(e.large_body(3000, 64), None);
}
