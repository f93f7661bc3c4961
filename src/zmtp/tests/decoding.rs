//! How a ready connection decodes what it reads: a decode batch at a
//! time, frames around the inline limit.

use super::*;

/// With a decode batch, a read of many frames is decoded a batch at a time:
/// the rest waits in the receive buffer until `commit_read(0, ..)`, in
/// order, and a bad frame further on still fails the connection.
#[test]
fn decode_batch_bounds_queued_events() {
    let mut conn = ready_conn(cfg(c::ZMQ_PULL), 1, "PUSH");
    conn.set_decode_batch(4);
    let mut wire = Vec::new();
    for i in 0..10u8 {
        wire.extend_from_slice(&[0, 1, i]);
    }
    feed(&mut conn, &wire).unwrap();
    let mut got = Vec::new();
    loop {
        let batch = messages(&mut conn);
        assert!(batch.len() <= 4, "{}", batch.len());
        got.extend(batch.into_iter().map(|m| m.data()[0]));
        if !conn.has_pending_frames() {
            break;
        }
        conn.commit_read(0, 0).unwrap();
    }
    assert_eq!(got, (0..10).collect::<Vec<u8>>());
    // A frame claiming 2^47 bytes behind a full batch fails once reached.
    let mut conn = ready_conn(cfg(c::ZMQ_PULL), 1, "PUSH");
    conn.set_decode_batch(2);
    feed(
        &mut conn,
        b"\x00\x01a\x00\x01b\x00\x01c\x02\0\0\x80\0\0\0\0\0",
    )
    .unwrap();
    assert_eq!(messages(&mut conn).len(), 2);
    assert!(conn.has_pending_frames());
    assert_eq!(conn.commit_read(0, 0), Err(ProtocolError::MessageTooLarge));
    assert_eq!(messages(&mut conn).len(), 1);
}

#[test]
fn frames_around_the_inline_limit_with_commands_between() {
    // Sizes on both sides of the 30-byte inline limit, short and long
    // frames, MORE flags and a PING between data frames, fed whole and in
    // awkward chunks: the in-place small-frame path and the general one
    // must agree.
    let sizes = [0usize, 1, 29, 30, 31, 255, 256, 70_000];
    let mut wire = Vec::new();
    for (i, &n) in sizes.iter().enumerate() {
        let more = i % 3 == 1;
        let body: Vec<u8> = (0..n).map(|k| (k * 7 + i) as u8).collect();
        if n < 256 {
            wire.extend_from_slice(&[u8::from(more), n as u8]);
        } else {
            wire.push(2 | u8::from(more));
            wire.extend_from_slice(&(n as u64).to_be_bytes());
        }
        wire.extend_from_slice(&body);
        if i == 3 {
            wire.extend_from_slice(b"\x04\x0a\x04PING\x00\x00ctx");
        }
    }
    for chunk in [1, 7, 33, usize::MAX] {
        let mut conn = ready_conn(cfg(c::ZMQ_PULL), 1, "PUSH");
        feed_chunked(&mut conn, &wire, 0, chunk).unwrap();
        let m = messages(&mut conn);
        assert_eq!(m.len(), sizes.len(), "chunk {chunk}");
        for (i, (msg, &n)) in m.iter().zip(&sizes).enumerate() {
            let body: Vec<u8> = (0..n).map(|k| (k * 7 + i) as u8).collect();
            assert_eq!(msg.data(), &body[..], "chunk {chunk} frame {i}");
            assert_eq!(msg.more(), i % 3 == 1);
            assert!(!msg.is_command());
            assert_eq!(msg.is_vsm(), n <= Msg::MAX_VSM_SIZE);
        }
        assert_eq!(take_output(&mut conn), hex("040804504f4e47637478"));
    }
}
