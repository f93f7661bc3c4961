//! NaCl's `crypto_secretbox` (XSalsa20-Poly1305), which `crypto_box` uses
//! after its key agreement: the key is HSalsa20(key, nonce[..16]), the
//! Salsa20 stream of that key and nonce[16..] gives the Poly1305 key (its
//! first 32 bytes) and then the bytes XORed onto the message, and the tag
//! is Poly1305 of the ciphertext.
//!
//! One pass: each piece of keystream is XORed onto the message and the
//! resulting ciphertext fed to Poly1305 while it is still in the L1 cache,
//! and the ciphertext can be written into the output buffer while the
//! plaintext is read from elsewhere (no copy first, then encryption in
//! place). Opening does the same and checks the tag at the end; a caller
//! must not use the output when `open_*` fails (it is wiped, but its
//! length of garbage remains).
//!
//! Poly1305 is RustCrypto's: for a message of [`WIDE_MIN`] bytes or more
//! its AVX2 backend (poly1305 0.9, chosen at run time), else its portable
//! one (poly1305 0.8, built so by .cargo/config.toml).

use poly1305::universal_hash::{KeyInit, UniversalHash};
use poly1305::Poly1305;
use salsa20::cipher::consts::U10;
use salsa20::cipher::generic_array::GenericArray;
use subtle::ConstantTimeEq;

use super::{wipe, xor_in_place, xor_into, Backend, Keystream};
use crate::util::small_copy::copy_bytes;

pub const KEY: usize = 32;
pub const NONCE: usize = 24;
pub const TAG: usize = 16;

/// The tag did not match: the box was forged or damaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forged;

/// A `crypto_secretbox` key; for `crypto_box`, the precomputed key of
/// `crypto_box_beforenm` (`from_shared`).
pub struct SecretBox {
    key: [u8; KEY],
    backend: Backend,
    /// Nonce prefixes (a nonce's first 16 bytes) whose XSalsa20 subkey is
    /// kept, with that subkey (see [`remember_prefix`](Self::remember_prefix)).
    prefixes: [Option<([u8; 16], [u8; KEY])>; 2],
}

impl SecretBox {
    pub fn new(key: &[u8; KEY]) -> SecretBox {
        SecretBox::with_backend(key, Backend::detect())
    }

    /// With a forced keystream backend (tests).
    pub fn with_backend(key: &[u8; KEY], backend: Backend) -> SecretBox {
        SecretBox {
            key: *key,
            backend,
            prefixes: [None, None],
        }
    }

    /// Keep the XSalsa20 subkey (HSalsa20 of the key and the nonce's first
    /// 16 bytes) of nonces that start with `prefix`, for up to two
    /// prefixes. CURVE's MESSAGE nonces are a fixed 16-byte prefix per
    /// direction ("CurveZMQMESSAGEC", "CurveZMQMESSAGES") and a counter, so
    /// the subkey is the same for every message: computed here once instead
    /// of once per box (a fifth of the CPU of sealing a 64-byte message).
    /// Boxes are the same either way; other nonces take the full path.
    pub fn remember_prefix(&mut self, prefix: &[u8; 16]) {
        if self.prefixes.iter().flatten().any(|(p, _)| p == prefix) {
            return;
        }
        if let Some(slot) = self.prefixes.iter_mut().find(|s| s.is_none()) {
            *slot = Some((*prefix, subkey(&self.key, prefix)));
        }
    }

    /// `crypto_box_beforenm`: HSalsa20 of the X25519 shared secret with a
    /// zero input.
    pub fn from_shared(shared: &[u8; 32]) -> SecretBox {
        let mut k =
            salsa20::hsalsa::<U10>(GenericArray::from_slice(shared), &GenericArray::default());
        let mut key = [0u8; KEY];
        key.copy_from_slice(&k);
        wipe(&mut k);
        let b = SecretBox::new(&key);
        wipe(&mut key);
        b
    }

    /// The Salsa20 stream of this box for `nonce`.
    fn stream(&self, nonce: &[u8; NONCE]) -> Keystream {
        for (prefix, sub) in self.prefixes.iter().flatten() {
            if nonce[..16] == prefix[..] {
                return Keystream::with_backend(sub, &suffix(nonce), self.backend);
            }
        }
        xsalsa20(&self.key, nonce, self.backend)
    }

    /// Run the keystream for a `len`-byte message: the first 32 bytes key
    /// Poly1305, then `f(offset, keystream piece, mac)` for each piece of
    /// the message. Returns the tag of what `f` fed the MAC.
    fn run(
        &self,
        nonce: &[u8; NONCE],
        len: usize,
        mut f: impl FnMut(usize, &mut [u8], &mut Mac),
    ) -> [u8; TAG] {
        let ks = self.stream(nonce);
        // Keyed in place by the first piece and finished in place: a MAC
        // moved by value (into an Option, out of it) cost two copies of
        // its ~500 bytes per box, 5% of sealing a 64-byte CURVE message.
        let mut mac = Mac::unkeyed();
        ks.for_each(0, 32 + len, |pos, piece| {
            let (piece, pos) = if pos == 0 {
                // The first piece: its first 32 bytes are the MAC key
                // (every backend hands out at least one whole block).
                let (key, rest) = piece.split_at_mut(32);
                mac.key(key, len);
                wipe(key);
                (rest, 0)
            } else {
                (piece, pos - 32)
            };
            if !piece.is_empty() {
                f(pos, piece, &mut mac);
            }
        });
        // for_each ran at least once (32 + len > 0), so the MAC is keyed.
        mac.finish()
    }

    /// Encrypt `buf` in place; returns the tag.
    pub fn seal_in_place(&self, nonce: &[u8; NONCE], buf: &mut [u8]) -> [u8; TAG] {
        self.run(nonce, buf.len(), |pos, ks, mac| {
            let c = &mut buf[pos..pos + ks.len()];
            xor_in_place(c, ks);
            mac.update(c);
        })
    }

    /// Encrypt `src` into `dst` (the same length); returns the tag.
    pub fn seal_into(&self, nonce: &[u8; NONCE], src: &[u8], dst: &mut [u8]) -> [u8; TAG] {
        assert_eq!(src.len(), dst.len(), "seal_into: lengths differ");
        self.run(nonce, src.len(), |pos, ks, mac| {
            let c = &mut dst[pos..pos + ks.len()];
            xor_into(c, &src[pos..], ks);
            mac.update(c);
        })
    }

    /// Encrypt `src` onto the end of `out` (written once: no zero fill
    /// first); returns the tag.
    pub fn seal_append(&self, nonce: &[u8; NONCE], src: &[u8], out: &mut Vec<u8>) -> [u8; TAG] {
        self.seal_append_parts(nonce, &[], src, out)
    }

    /// Encrypt the message `head` followed by `body` onto the end of `out`;
    /// returns the tag. (A CURVE MESSAGE's plaintext is a flags byte, then
    /// the payload: neither is copied anywhere before being encrypted.)
    pub fn seal_append_parts(
        &self,
        nonce: &[u8; NONCE],
        head: &[u8],
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> [u8; TAG] {
        out.reserve(head.len() + body.len());
        self.run(nonce, head.len() + body.len(), |pos, ks, mac| {
            // The part of this piece that lies in `head`, then in `body`.
            let h = head.len().saturating_sub(pos).min(ks.len());
            let (ks_head, ks_body) = ks.split_at_mut(h);
            xor_in_place(ks_head, &head[pos.min(head.len())..]);
            xor_in_place(ks_body, &body[(pos + h).saturating_sub(head.len())..]);
            mac.update(ks);
            let at = out.len();
            // SAFETY: the reserve above made room for the whole message, of
            // which this piece is a part; the copy fills the piece's bytes
            // (from the keystream buffer, not `out`) before the length
            // covers them. Inline for a small box (util::small_copy).
            unsafe {
                copy_bytes(ks.as_ptr(), out.as_mut_ptr().add(at), ks.len());
                out.set_len(at + ks.len());
            }
        })
    }

    /// Check `tag` and decrypt `buf` in place. On `Forged`, `buf` is
    /// zeroed.
    pub fn open_in_place(
        &self,
        nonce: &[u8; NONCE],
        tag: &[u8; TAG],
        buf: &mut [u8],
    ) -> Result<(), Forged> {
        let t = self.run(nonce, buf.len(), |pos, ks, mac| {
            let c = &mut buf[pos..pos + ks.len()];
            mac.update(c);
            xor_in_place(c, ks);
        });
        check(&t, tag, buf)
    }

    /// Check `tag` and decrypt `src` into `dst` (the same length). On
    /// `Forged`, `dst` is zeroed.
    pub fn open_into(
        &self,
        nonce: &[u8; NONCE],
        tag: &[u8; TAG],
        src: &[u8],
        dst: &mut [u8],
    ) -> Result<(), Forged> {
        assert_eq!(src.len(), dst.len(), "open_into: lengths differ");
        let t = self.run(nonce, src.len(), |pos, ks, mac| {
            let c = &src[pos..pos + ks.len()];
            mac.update(c);
            xor_into(&mut dst[pos..pos + ks.len()], c, ks);
        });
        check(&t, tag, dst)
    }
}

/// The XSalsa20 keystream of `key` and a 24-byte `nonce`: Salsa20 keyed
/// with HSalsa20(key, nonce[..16]) and nonce[16..].
pub fn xsalsa20(key: &[u8; KEY], nonce: &[u8; NONCE], backend: Backend) -> Keystream {
    let prefix = nonce[..16]
        .try_into()
        .expect("a nonce holds 16 bytes and more");
    let mut sub_key = subkey(key, prefix);
    let ks = Keystream::with_backend(&sub_key, &suffix(nonce), backend);
    wipe(&mut sub_key);
    ks
}

/// XSalsa20's subkey: HSalsa20 of `key` and a nonce's first 16 bytes.
fn subkey(key: &[u8; KEY], prefix: &[u8; 16]) -> [u8; KEY] {
    let mut sub = salsa20::hsalsa::<U10>(
        GenericArray::from_slice(key),
        GenericArray::from_slice(prefix),
    );
    let mut out = [0u8; KEY];
    out.copy_from_slice(&sub);
    wipe(&mut sub);
    out
}

/// A nonce's last 8 bytes: the Salsa20 nonce under the subkey.
fn suffix(nonce: &[u8; NONCE]) -> [u8; 8] {
    let mut n = [0u8; 8];
    n.copy_from_slice(&nonce[16..]);
    n
}

/// Compare tags in constant time; wipe the output of a forged box.
fn check(computed: &[u8; TAG], given: &[u8; TAG], out: &mut [u8]) -> Result<(), Forged> {
    // As one 128-bit word: subtle's comparison of byte slices runs an
    // optimisation barrier per byte (~150 instructions a tag), of words
    // one per word; either way no branch depends on where they differ.
    let (a, b) = (u128::from_ne_bytes(*computed), u128::from_ne_bytes(*given));
    if bool::from(a.ct_eq(&b)) {
        Ok(())
    } else {
        wipe(out);
        Err(Forged)
    }
}

impl Drop for SecretBox {
    fn drop(&mut self) {
        wipe(&mut self.key);
        for (_, sub) in self.prefixes.iter_mut().flatten() {
            wipe(sub);
        }
    }
}

/// Messages this long or longer get the AVX2 Poly1305: it costs ~1.4 us
/// more to key than the portable one (poly1305 0.8 measured it; its
/// intrinsics are not inlined into the key setup) and saves ~1 cycle a
/// byte (1.67 -> 0.73 cycles/byte at 64 KiB here), so it pays from a few
/// KiB; at 8 KiB the two were level in CURVE's CPU per message.
pub const WIDE_MIN: usize = 8192;

/// What the AVX2 backend takes at once: four 16-byte blocks. It does so
/// only while it holds no block of an earlier call (universal-hash never
/// realigns), so `Mac` hands it multiples of this.
const MAC_CHUNK: usize = 64;

/// Poly1305 over a message handed in pieces: multiples of [`MAC_CHUNK`]
/// go to the hash, the rest waits in `tail` for the next piece; `finish`
/// hashes what is left, padding a partial last block as Poly1305 requires.
struct Mac {
    poly: Poly,
    tail: [u8; MAC_CHUNK],
    tail_len: usize,
}

// One lives on the stack for the length of one box, never moved (see
// `SecretBox::run`): the AVX2 state's size (~500 bytes with its powers of
// the key) costs a small box nothing, and a Box would cost an allocation per
// large one (CURVE's steady state allocates nothing: tests/curve_alloc.rs).
// Two fields, not an enum of the two: keying an enum writes a whole
// temporary of its largest variant's size into place (a ~500-byte memcpy,
// ~90 instructions, for every 64-byte CURVE message), keying an Option
// only the state it holds.
struct Poly {
    /// Keyed by `Mac::key` for a box under [`WIDE_MIN`] bytes...
    portable: Option<Poly1305>,
    /// ... or this one, for a longer box.
    wide: Option<poly1305_avx2::Poly1305>,
}

impl Poly {
    /// Hash whole blocks (`update` hands it multiples of [`MAC_CHUNK`]).
    fn hash(&mut self, chunks: &[u8]) {
        if let Some(p) = &mut self.portable {
            p.update_padded(chunks);
        } else if let Some(p) = &mut self.wide {
            use poly1305_avx2::universal_hash::UniversalHash as _;
            p.update_padded(chunks);
        } else {
            unreachable!("Mac::key comes first");
        }
    }
}

impl Mac {
    /// `key` must come before any data.
    fn unkeyed() -> Mac {
        Mac {
            poly: Poly {
                portable: None,
                wide: None,
            },
            tail: [0; MAC_CHUNK],
            tail_len: 0,
        }
    }

    /// Key it with `key` (32 bytes: the keystream's first) for a message
    /// of `len` bytes, whose length picks the backend.
    fn key(&mut self, key: &[u8], len: usize) {
        if len >= WIDE_MIN {
            use poly1305_avx2::universal_hash::KeyInit as _;
            let mut k = poly1305_avx2::Key::default();
            k.copy_from_slice(key);
            self.poly.wide = Some(poly1305_avx2::Poly1305::new(&k));
            wipe(&mut k[..]);
        } else {
            self.poly.portable = Some(Poly1305::new(GenericArray::from_slice(key)));
        }
    }

    fn update(&mut self, mut data: &[u8]) {
        if self.tail_len > 0 {
            let n = (MAC_CHUNK - self.tail_len).min(data.len());
            self.tail[self.tail_len..self.tail_len + n].copy_from_slice(&data[..n]);
            self.tail_len += n;
            data = &data[n..];
            if self.tail_len < MAC_CHUNK {
                return;
            }
            self.poly.hash(&self.tail);
            self.tail_len = 0;
        }
        let whole = data.len() / MAC_CHUNK * MAC_CHUNK;
        self.poly.hash(&data[..whole]);
        let rest = &data[whole..];
        self.tail[..rest.len()].copy_from_slice(rest);
        self.tail_len = rest.len();
    }

    /// The tag; the MAC is spent (unkeyed again).
    fn finish(&mut self) -> [u8; TAG] {
        let rest = &self.tail[..self.tail_len];
        let mut out = [0u8; TAG];
        if let Some(p) = self.poly.portable.take() {
            out.copy_from_slice(&p.compute_unpadded(rest));
        } else if let Some(p) = self.poly.wide.take() {
            out.copy_from_slice(&p.compute_unpadded(rest));
        } else {
            unreachable!("Mac::key comes first");
        }
        out
    }
}
