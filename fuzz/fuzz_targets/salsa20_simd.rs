//! The SIMD Salsa20 keystream and the CURVE box (util/salsa20/) against
//! RustCrypto's salsa20 and crypto_secretbox, every backend this CPU runs
//! (AVX2, SSE2, scalar): any key, nonce, counter, length and buffer offset
//! must give the same bytes, and a box damaged anywhere must not open.
//!
//! Input: key (32), nonce (24), counter (8, little-endian), offset byte,
//! damage byte, then the message.
#![no_main]

use crypto_secretbox::aead::{AeadInPlace, KeyInit};
use libfuzzer_sys::fuzz_target;
use salsa20::cipher::generic_array::GenericArray;
use salsa20::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};
use zmq::util::salsa20::secretbox::{xsalsa20, SecretBox};
use zmq::util::salsa20::{Backend, Keystream};

fuzz_target!(|data: &[u8]| {
    if data.len() < 66 {
        return;
    }
    let key: [u8; 32] = data[..32].try_into().unwrap();
    let nonce: [u8; 24] = data[32..56].try_into().unwrap();
    let short: [u8; 8] = nonce[16..].try_into().unwrap();
    // RustCrypto refuses a stream past block 2^64 - 1: leave room.
    let counter = u64::from_le_bytes(data[56..64].try_into().unwrap()) % (u64::MAX - (1 << 20));
    let off = usize::from(data[64] % 64);
    let damage = data[65];
    let msg = &data[66..];
    let mut buf = vec![0u8; msg.len() + 64];
    buf[off..off + msg.len()].copy_from_slice(msg);

    let mut want = msg.to_vec();
    let mut rc = salsa20::Salsa20::new(&key.into(), &short.into());
    rc.seek(u128::from(counter) * 64);
    rc.apply_keystream(&mut want);
    let mut want_x = msg.to_vec();
    let mut rcx = salsa20::XSalsa20::new(&key.into(), &nonce.into());
    rcx.seek(u128::from(counter) * 64);
    rcx.apply_keystream(&mut want_x);
    let sb_rc = crypto_secretbox::XSalsa20Poly1305::new(GenericArray::from_slice(&key));
    let mut want_box = msg.to_vec();
    let want_tag = sb_rc
        .encrypt_in_place_detached(GenericArray::from_slice(&nonce), b"", &mut want_box)
        .unwrap();

    for b in [Backend::Avx512, Backend::Avx2, Backend::Sse2, Backend::Scalar] {
        if !b.available() {
            continue;
        }
        let ks = Keystream::with_backend(&key, &short, b);
        let mut got = buf.clone();
        ks.apply(counter, &mut got[off..off + msg.len()]);
        assert!(got[off..off + msg.len()] == want[..], "{b:?} salsa20");
        let mut into = vec![0u8; msg.len()];
        xsalsa20(&key, &nonce, b).apply_into(counter, &buf[off..off + msg.len()], &mut into);
        assert!(into == want_x, "{b:?} xsalsa20");

        let sb = SecretBox::with_backend(&key, b);
        let mut sealed = buf.clone();
        let tag = sb.seal_in_place(&nonce, &mut sealed[off..off + msg.len()]);
        assert!(tag[..] == want_tag[..], "{b:?} tag");
        assert!(sealed[off..off + msg.len()] == want_box[..], "{b:?} box");
        let split = usize::from(damage).min(msg.len());
        let mut appended = Vec::new();
        assert_eq!(
            sb.seal_append_parts(&nonce, &msg[..split], &msg[split..], &mut appended),
            tag
        );
        assert!(appended == want_box, "{b:?} seal_append_parts");
        let mut opened = vec![0u8; msg.len()];
        sb.open_into(&nonce, &tag, &want_box, &mut opened).unwrap();
        assert!(opened == msg, "{b:?} open");
        // Flip one bit of the tag or the ciphertext: it must not open.
        let mut bad = want_box.clone();
        let mut bad_tag = tag;
        let bit = 1u8 << (damage % 8);
        if msg.is_empty() || damage & 0x80 != 0 {
            bad_tag[usize::from(damage) % 16] ^= bit;
        } else {
            bad[usize::from(damage) * 7 % msg.len()] ^= bit;
        }
        assert!(
            sb.open_in_place(&nonce, &bad_tag, &mut bad).is_err(),
            "{b:?} forgery opened"
        );
    }
});
