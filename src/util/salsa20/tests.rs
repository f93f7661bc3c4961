//! The SIMD keystream and box against the published vectors and against
//! RustCrypto (salsa20, crypto_secretbox, crypto_box), every backend
//! forced in turn. tests/salsa20_libsodium.rs does the same against
//! libsodium.

use salsa20::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};

use super::secretbox::{Forged, SecretBox};
use super::*;

const BACKENDS: [Backend; 4] = [
    Backend::Avx512,
    Backend::Avx2,
    Backend::Sse2,
    Backend::Scalar,
];

/// Backends this CPU runs (a forced one it cannot run would silently test
/// the scalar path twice).
fn backends() -> Vec<Backend> {
    let v: Vec<Backend> = BACKENDS.into_iter().filter(|b| b.available()).collect();
    if v.len() < BACKENDS.len() {
        eprintln!("salsa20 tests: this CPU runs only {v:?}");
    }
    v
}

/// splitmix64: a seeded generator, so a failure can be replayed from the
/// seed it prints.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let mut s = [0u8; 8];
        getrandom::getrandom(&mut s).expect("getrandom");
        let seed = std::env::var("SALSA_SEED")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(u64::from_le_bytes(s));
        eprintln!("salsa20 tests: SALSA_SEED={seed}");
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn fill(&mut self, b: &mut [u8]) {
        for c in b.chunks_mut(8) {
            let r = self.next().to_le_bytes();
            c.copy_from_slice(&r[..c.len()]);
        }
    }
    fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut a = [0u8; N];
        self.fill(&mut a);
        a
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = vec![0u8; n];
        self.fill(&mut v);
        v
    }
    /// A counter that leaves room for a 1 MiB stream, often near the
    /// 2^32 carry from word 8 into word 9.
    fn counter(&mut self) -> u64 {
        match self.below(4) {
            0 => (1u64 << 32) - 1 - self.below(20),
            1 => self.below(1000),
            2 => u64::MAX - (1 << 15) - self.below(100),
            _ => self.below(u64::MAX - (1 << 15)),
        }
    }
}

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex {s}");
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

/// The vectors of vectors.txt: (kind, fields).
fn vectors() -> Vec<(String, std::collections::HashMap<String, String>)> {
    include_str!("vectors.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut it = l.split_whitespace();
            let kind = it.next().unwrap_or("").to_string();
            let fields = it
                .map(|f| {
                    let (k, v) = f.split_once('=').expect("name=value");
                    (k.to_string(), v.to_string())
                })
                .collect();
            (kind, fields)
        })
        .collect()
}

/// RustCrypto's keystream from block `counter` XORed onto `data`.
fn reference(key: &[u8; 32], nonce: &[u8; 8], counter: u64, data: &mut [u8]) {
    let mut c = salsa20::Salsa20::new(key.into(), nonce.into());
    c.seek(u128::from(counter) * 64);
    c.apply_keystream(data);
}

#[test]
fn published_salsa20_vectors() {
    let mut seen = 0;
    for (kind, f) in vectors() {
        if kind != "salsa20" {
            continue;
        }
        seen += 1;
        let key: [u8; 32] = hex(&f["key"]).try_into().unwrap();
        let nonce: [u8; 8] = hex(&f["nonce"]).try_into().unwrap();
        let counter: u64 = f["counter"].parse().unwrap();
        let want = hex(&f["stream"]);
        for b in backends() {
            let ks = Keystream::with_backend(&key, &nonce, b);
            let mut one = vec![0u8; 64];
            ks.apply(counter, &mut one);
            assert_eq!(one, want, "{b:?} one block");
            // The vector's block in every lane of a multi-block kernel
            // call (only lane 0 for counter 0: the stream must not wrap).
            for lane in 0..8u64.min(counter + 1) {
                let mut long = vec![0u8; 1024];
                ks.apply(counter - lane, &mut long);
                let at = 64 * lane as usize;
                assert_eq!(&long[at..at + 64], &want[..], "{b:?} lane {lane}");
            }
        }
    }
    assert_eq!(seen, 4);
}

#[test]
fn published_xsalsa20_vector() {
    let v = vectors();
    let (_, f) = v
        .iter()
        .find(|(kind, _)| kind == "xsalsa20")
        .expect("vector");
    let key: [u8; 32] = hex(&f["key"]).try_into().unwrap();
    let nonce: [u8; 24] = hex(&f["nonce"]).try_into().unwrap();
    let want = hex(&f["stream"]);
    for b in backends() {
        // Short (one scalar block) and long (the backend's widest kernel).
        for len in [want.len(), 1024] {
            let mut out = vec![0u8; len];
            super::secretbox::xsalsa20(&key, &nonce, b).apply(0, &mut out);
            assert_eq!(&out[..want.len()], &want[..], "{b:?} len {len}");
        }
    }
}

#[test]
fn published_box_vectors() {
    let v = vectors();
    let find = |k: &str| {
        v.iter()
            .find(|(kind, _)| kind == k)
            .expect("vector")
            .1
            .clone()
    };
    let h = find("hsalsa20");
    let shared: [u8; 32] = hex(&h["key"]).try_into().unwrap();
    let first = salsa20::hsalsa::<U10>(
        GenericArray::from_slice(&shared),
        GenericArray::from_slice(&hex(&h["input"])),
    );
    assert_eq!(first.as_slice(), &hex(&h["out"])[..]);

    let s = find("secretbox");
    let key: [u8; 32] = hex(&s["key"]).try_into().unwrap();
    let nonce: [u8; 24] = hex(&s["nonce"]).try_into().unwrap();
    let plain = hex(&s["plain"]);
    let boxed = hex(&s["boxed"]);
    for b in backends() {
        for sb in [
            SecretBox::with_backend(&key, b),
            SecretBox::from_shared(&shared),
        ] {
            let mut buf = plain.clone();
            let tag = sb.seal_in_place(&nonce, &mut buf);
            assert_eq!(&tag[..], &boxed[..16], "{b:?}");
            assert_eq!(buf, &boxed[16..], "{b:?}");
            let mut out = vec![0u8; plain.len()];
            sb.open_into(&nonce, &tag, &buf, &mut out).unwrap();
            assert_eq!(out, plain);
        }
    }
}

/// Lengths 0..=700 (every tail shape of every kernel), each at its own
/// memory offset, then long ones up to 1 MiB, on both sides of where the
/// box switches Poly1305 backend; every backend against RustCrypto.
fn lengths(rng: &mut Rng) -> Vec<usize> {
    use super::secretbox::WIDE_MIN;
    let mut v: Vec<usize> = (0..=700).collect();
    v.extend([4095, 4096, 4097, 65535, 65536 + 33, 1 << 20]);
    v.extend((WIDE_MIN - 65..WIDE_MIN + 65).step_by(16));
    v.extend([WIDE_MIN - 1, WIDE_MIN + 1]);
    for _ in 0..6 {
        v.push(rng.below(1 << 20) as usize);
    }
    v
}

#[test]
fn keystream_matches_rustcrypto() {
    let mut rng = Rng::new();
    for len in lengths(&mut rng) {
        let key = rng.array::<32>();
        let nonce = rng.array::<8>();
        let counter = rng.counter();
        let off = rng.below(64) as usize;
        let mut src = rng.bytes(len + 64);
        let mut want = src[off..off + len].to_vec();
        reference(&key, &nonce, counter, &mut want);
        for b in backends() {
            let ks = Keystream::with_backend(&key, &nonce, b);
            let mut got = src.clone();
            ks.apply(counter, &mut got[off..off + len]);
            assert!(
                got[off..off + len] == want[..],
                "{b:?} len {len} counter {counter} off {off}"
            );
            // Bytes around the range are untouched.
            assert_eq!(got[..off], src[..off]);
            assert_eq!(got[off + len..], src[off + len..]);
            let doff = rng.below(64) as usize;
            let mut dst = vec![0u8; len + 64];
            ks.apply_into(counter, &src[off..off + len], &mut dst[doff..doff + len]);
            assert!(dst[doff..doff + len] == want[..], "{b:?} into len {len}");
        }
        src.clear();
    }
}

#[test]
fn secretbox_matches_rustcrypto() {
    use crypto_secretbox::aead::{AeadInPlace, KeyInit};
    let mut rng = Rng::new();
    for len in lengths(&mut rng) {
        let key = rng.array::<32>();
        let nonce = rng.array::<24>();
        let off = rng.below(64) as usize;
        let plain = rng.bytes(len + 64);
        let plain = &plain[off..off + len];
        let rc = crypto_secretbox::XSalsa20Poly1305::new(GenericArray::from_slice(&key));
        let mut want = plain.to_vec();
        let want_tag = rc
            .encrypt_in_place_detached(GenericArray::from_slice(&nonce), b"", &mut want)
            .unwrap();
        // Each backend three ways: no remembered nonce prefix, this nonce's
        // prefix remembered (its subkey kept: CURVE's MESSAGE nonces), two
        // other prefixes remembered (the full path again).
        let prefix: [u8; 16] = nonce[..16].try_into().unwrap();
        let others = [rng.array::<16>(), rng.array::<16>()];
        for (b, way) in backends()
            .into_iter()
            .flat_map(|b| (0..3).map(move |w| (b, w)))
        {
            let mut sb = SecretBox::with_backend(&key, b);
            match way {
                1 => {
                    sb.remember_prefix(&others[0]);
                    sb.remember_prefix(&prefix);
                }
                2 => {
                    sb.remember_prefix(&others[0]);
                    sb.remember_prefix(&others[1]);
                    sb.remember_prefix(&prefix);
                }
                _ => {}
            }
            let b = format!("{b:?} way {way}");
            let mut c = plain.to_vec();
            let tag = sb.seal_in_place(&nonce, &mut c);
            assert!(
                tag[..] == want_tag[..] && c == want,
                "{b:?} seal_in_place len {len}"
            );
            let mut c2 = vec![0u8; len];
            assert_eq!(sb.seal_into(&nonce, plain, &mut c2), tag);
            assert!(c2 == want, "{b:?} seal_into len {len}");
            let mut c3 = vec![7u8; 3];
            assert_eq!(sb.seal_append(&nonce, plain, &mut c3), tag);
            assert!(
                c3[..3] == [7, 7, 7] && c3[3..] == want[..],
                "{b:?} seal_append len {len}"
            );
            let split = rng.below(len.min(100) as u64 + 1) as usize;
            let mut c4 = Vec::new();
            let (head, body) = plain.split_at(split);
            assert_eq!(sb.seal_append_parts(&nonce, head, body, &mut c4), tag);
            assert!(
                c4 == want,
                "{b:?} seal_append_parts len {len} split {split}"
            );
            let mut p = want.clone();
            sb.open_in_place(&nonce, &tag, &mut p).unwrap();
            assert!(p == plain, "{b:?} open_in_place len {len}");
            let mut p2 = vec![0u8; len];
            sb.open_into(&nonce, &tag, &want, &mut p2).unwrap();
            assert!(p2 == plain, "{b:?} open_into len {len}");
            // A flipped bit anywhere is refused, and the output wiped.
            let mut bad = want.clone();
            let mut bad_tag = tag;
            if len > 0 && rng.below(2) == 0 {
                bad[rng.below(len as u64) as usize] ^= 1 << rng.below(8);
            } else {
                bad_tag[rng.below(16) as usize] ^= 1 << rng.below(8);
            }
            assert_eq!(sb.open_in_place(&nonce, &bad_tag, &mut bad), Err(Forged));
            assert!(bad.iter().all(|&x| x == 0));
        }
    }
}

#[test]
fn precomputed_box_matches_crypto_box() {
    use crypto_box::aead::AeadInPlace;
    use x25519_dalek::{PublicKey, StaticSecret};
    let mut rng = Rng::new();
    for _ in 0..20 {
        let a = rng.array::<32>();
        let b = rng.array::<32>();
        let b_pub = PublicKey::from(&StaticSecret::from(b)).to_bytes();
        let shared = StaticSecret::from(a).diffie_hellman(&PublicKey::from(b_pub));
        let ours = SecretBox::from_shared(shared.as_bytes());
        let theirs = crypto_box::SalsaBox::new(&b_pub.into(), &a.into());
        let nonce = rng.array::<24>();
        let len = rng.below(3000) as usize;
        let msg = rng.bytes(len);
        let mut want = msg.clone();
        let want_tag = theirs
            .encrypt_in_place_detached(GenericArray::from_slice(&nonce), b"", &mut want)
            .unwrap();
        let mut got = msg.clone();
        let tag = ours.seal_in_place(&nonce, &mut got);
        assert_eq!(&tag[..], &want_tag[..]);
        assert_eq!(got, want);
    }
}

/// Keystream cycles per byte of each backend (and of RustCrypto's own
/// Salsa20, and of the whole box). Run with
/// `cargo test --release salsa20_speed -- --ignored --nocapture`.
#[test]
#[ignore]
fn salsa20_speed() {
    use std::time::Instant;
    let ghz: f64 = std::env::var("CPU_GHZ")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    let key = [7u8; 32];
    let nonce = [9u8; 8];
    for &len in &[64usize, 128, 1024, 65536, 1 << 20] {
        let mut buf = vec![0u8; len];
        let reps = (64 << 20) / len;
        let mut report = |name: &str, f: &mut dyn FnMut(&mut [u8])| {
            let mut best = f64::MAX;
            for _ in 0..5 {
                let t = Instant::now();
                for _ in 0..reps {
                    f(&mut buf);
                }
                best = best.min(t.elapsed().as_secs_f64() / (reps * len) as f64);
            }
            let cpb = if ghz > 0.0 {
                format!(" {:.2} cycles/B", best * ghz * 1e9)
            } else {
                String::new()
            };
            println!("{name:>18} {len:>8} B: {:.0} MB/s{cpb}", 1.0 / best / 1e6);
        };
        for b in backends() {
            let ks = Keystream::with_backend(&key, &nonce, b);
            report(&format!("keystream {b:?}"), &mut |d| ks.apply(0, d));
            let sb = SecretBox::with_backend(&key, b);
            report(&format!("box {b:?}"), &mut |d| {
                std::hint::black_box(sb.seal_in_place(&[1; 24], d));
            });
        }
        report("rustcrypto salsa20", &mut |d| reference(&key, &nonce, 0, d));
        {
            use crypto_secretbox::aead::{AeadInPlace, KeyInit};
            let rc = crypto_secretbox::XSalsa20Poly1305::new(GenericArray::from_slice(&key));
            report("rustcrypto box", &mut |d| {
                std::hint::black_box(
                    rc.encrypt_in_place_detached(GenericArray::from_slice(&[1; 24]), b"", d)
                        .ok(),
                );
            });
        }
        {
            use poly1305::universal_hash::KeyInit;
            report("poly1305 only", &mut |d| {
                std::hint::black_box(
                    poly1305::Poly1305::new(GenericArray::from_slice(&key)).compute_unpadded(d),
                );
            });
        }
        {
            use poly1305_avx2::universal_hash::KeyInit;
            report("poly1305 avx2 only", &mut |d| {
                std::hint::black_box(
                    poly1305_avx2::Poly1305::new(&poly1305_avx2::Key::from(key))
                        .compute_unpadded(d),
                );
            });
        }
    }
}
