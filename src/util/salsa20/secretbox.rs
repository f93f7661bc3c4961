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
//! Poly1305 is RustCrypto's, which picks its AVX2 backend at run time.

use poly1305::universal_hash::{KeyInit, UniversalHash};
use poly1305::Poly1305;
use salsa20::cipher::consts::U10;
use salsa20::cipher::generic_array::GenericArray;
use subtle::ConstantTimeEq;

use super::{wipe, xor_in_place, xor_into, Backend, Keystream};

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
}

impl SecretBox {
    pub fn new(key: &[u8; KEY]) -> SecretBox {
        SecretBox::with_backend(key, Backend::detect())
    }

    /// With a forced keystream backend (tests).
    pub fn with_backend(key: &[u8; KEY], backend: Backend) -> SecretBox {
        SecretBox { key: *key, backend }
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
        xsalsa20(&self.key, nonce, self.backend)
    }

    /// Run the keystream for a `len`-byte message: the first 32 bytes key
    /// Poly1305, then `f(offset, keystream piece, mac)` for each piece of
    /// the message. Returns the MAC to finish.
    fn run(
        &self,
        nonce: &[u8; NONCE],
        len: usize,
        mut f: impl FnMut(usize, &mut [u8], &mut Mac),
    ) -> Mac {
        let ks = self.stream(nonce);
        let mut mac: Option<Mac> = None;
        ks.for_each(0, 32 + len, |pos, piece| {
            let (piece, pos) = match mac {
                Some(_) => (piece, pos - 32),
                None => {
                    // The first piece: its first 32 bytes are the MAC key
                    // (every backend hands out at least one whole block).
                    let (key, rest) = piece.split_at_mut(32);
                    mac = Some(Mac::new(key));
                    wipe(key);
                    (rest, 0)
                }
            };
            if let Some(m) = mac.as_mut() {
                if !piece.is_empty() {
                    f(pos, piece, m);
                }
            }
        });
        // for_each ran at least once: 32 + len > 0.
        mac.unwrap_or_else(|| Mac::new(&mut [0u8; 32]))
    }

    /// Encrypt `buf` in place; returns the tag.
    pub fn seal_in_place(&self, nonce: &[u8; NONCE], buf: &mut [u8]) -> [u8; TAG] {
        self.run(nonce, buf.len(), |pos, ks, mac| {
            let c = &mut buf[pos..pos + ks.len()];
            xor_in_place(c, ks);
            mac.update(c);
        })
        .finish()
    }

    /// Encrypt `src` into `dst` (the same length); returns the tag.
    pub fn seal_into(&self, nonce: &[u8; NONCE], src: &[u8], dst: &mut [u8]) -> [u8; TAG] {
        assert_eq!(src.len(), dst.len(), "seal_into: lengths differ");
        self.run(nonce, src.len(), |pos, ks, mac| {
            let c = &mut dst[pos..pos + ks.len()];
            xor_into(c, &src[pos..], ks);
            mac.update(c);
        })
        .finish()
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
            out.extend_from_slice(ks);
        })
        .finish()
    }

    /// Check `tag` and decrypt `buf` in place. On `Forged`, `buf` is
    /// zeroed.
    pub fn open_in_place(
        &self,
        nonce: &[u8; NONCE],
        tag: &[u8; TAG],
        buf: &mut [u8],
    ) -> Result<(), Forged> {
        let t = self
            .run(nonce, buf.len(), |pos, ks, mac| {
                let c = &mut buf[pos..pos + ks.len()];
                mac.update(c);
                xor_in_place(c, ks);
            })
            .finish();
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
        let t = self
            .run(nonce, src.len(), |pos, ks, mac| {
                let c = &src[pos..pos + ks.len()];
                mac.update(c);
                xor_into(&mut dst[pos..pos + ks.len()], c, ks);
            })
            .finish();
        check(&t, tag, dst)
    }
}

/// The XSalsa20 keystream of `key` and a 24-byte `nonce`: Salsa20 keyed
/// with HSalsa20(key, nonce[..16]) and nonce[16..].
pub fn xsalsa20(key: &[u8; KEY], nonce: &[u8; NONCE], backend: Backend) -> Keystream {
    let mut sub = salsa20::hsalsa::<U10>(
        GenericArray::from_slice(key),
        GenericArray::from_slice(&nonce[..16]),
    );
    let mut sub_key = [0u8; 32];
    sub_key.copy_from_slice(&sub);
    wipe(&mut sub);
    let mut n = [0u8; 8];
    n.copy_from_slice(&nonce[16..]);
    let ks = Keystream::with_backend(&sub_key, &n, backend);
    wipe(&mut sub_key);
    ks
}

/// Compare tags in constant time; wipe the output of a forged box.
fn check(computed: &[u8; TAG], given: &[u8; TAG], out: &mut [u8]) -> Result<(), Forged> {
    if bool::from(computed.ct_eq(given)) {
        Ok(())
    } else {
        wipe(out);
        Err(Forged)
    }
}

impl Drop for SecretBox {
    fn drop(&mut self) {
        wipe(&mut self.key);
    }
}

/// Poly1305 over a message handed in pieces. Whole 16-byte blocks go to
/// `update`, which feeds the AVX2 backend four blocks at a time; a piece
/// that ends mid-block (only the last, as the keystream pieces are whole
/// blocks) is kept for `finish`, which pads it as Poly1305 requires.
struct Mac {
    poly: Poly1305,
    tail: [u8; 16],
    tail_len: usize,
}

impl Mac {
    fn new(key: &mut [u8]) -> Mac {
        let poly = Poly1305::new(GenericArray::from_slice(key));
        Mac {
            poly,
            tail: [0; 16],
            tail_len: 0,
        }
    }

    fn update(&mut self, mut data: &[u8]) {
        if self.tail_len > 0 {
            let n = (16 - self.tail_len).min(data.len());
            self.tail[self.tail_len..self.tail_len + n].copy_from_slice(&data[..n]);
            self.tail_len += n;
            data = &data[n..];
            if self.tail_len < 16 {
                return;
            }
            self.poly.update_padded(&self.tail);
            self.tail_len = 0;
        }
        let whole = data.len() / 16 * 16;
        self.poly.update_padded(&data[..whole]);
        let rest = &data[whole..];
        self.tail[..rest.len()].copy_from_slice(rest);
        self.tail_len = rest.len();
    }

    fn finish(self) -> [u8; TAG] {
        let tag = self.poly.compute_unpadded(&self.tail[..self.tail_len]);
        let mut out = [0u8; TAG];
        out.copy_from_slice(&tag);
        out
    }
}
