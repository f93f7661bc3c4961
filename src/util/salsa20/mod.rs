//! The Salsa20 keystream (Bernstein, "The Salsa20 family of stream
//! ciphers", 2008), several 64-byte blocks at a time with SIMD, and the
//! XSalsa20-Poly1305 box CURVE seals its messages with (`secretbox`).
//!
//! RustCrypto's `salsa20` crate computes one block at a time in scalar
//! code (about 4-5 cycles per byte); libsodium, which libzmq's CURVE uses,
//! has SSE2 and AVX2 code that computes 4 or 8 blocks at once. So do we:
//! `avx2.rs` (8 blocks) and `sse2.rs` (4 blocks) hold the two kernels, and
//! `rows.rs` one for exactly two blocks with AVX2 (a 64-byte CURVE box),
//! each a `#[target_feature]` function chosen at run time with
//! `is_x86_feature_detected!`. The 8- and 4-block kernels are also built
//! with AVX-512VL's vector rotate, taken where the CPU has it
//! (`Backend::Avx512`): keystream of 1 KiB 2942 -> 3940 MB/s here
//! (salsa20_speed), CURVE 1 MiB messages 945 -> 1043 msg/s. The one-block
//! case and every other CPU go to RustCrypto's `SalsaCore`, so the scalar
//! reference is not ours.
//!
//! The SIMD kernels keep one state word of every block in a vector (lane i
//! = block counter + i), run the 20 rounds on all lanes at once, then
//! transpose the lanes back into consecutive 64-byte blocks. Tests compare
//! every path with RustCrypto and libsodium (tests/salsa20_*.rs and the
//! `salsa20_simd` fuzz target).

use salsa20::cipher::consts::U10;
use salsa20::cipher::generic_array::GenericArray;
use salsa20::cipher::{KeyIvInit, StreamCipherCore, StreamCipherSeekCore};
use salsa20::SalsaCore;

/// The Salsa20 quarter-round on state words a, b, c, d of the lane vectors
/// `x` (one state word of every block per vector), with a kernel's vector
/// add, xor and rotate (a macro: `rotl!(v, r)` is `v <<< r` on each lane).
#[cfg(target_arch = "x86_64")]
macro_rules! quarter {
    ($add:ident, $xor:ident, $rotl:ident, $x:ident, $a:literal, $b:literal, $c:literal, $d:literal) => {
        $x[$b] = $xor($x[$b], $rotl!($add($x[$a], $x[$d]), 7));
        $x[$c] = $xor($x[$c], $rotl!($add($x[$b], $x[$a]), 9));
        $x[$d] = $xor($x[$d], $rotl!($add($x[$c], $x[$b]), 13));
        $x[$a] = $xor($x[$a], $rotl!($add($x[$d], $x[$c]), 18));
    };
}

/// Salsa20's 20 rounds (ten column rounds, each followed by a row round)
/// on the lane vectors `x`, as [`quarter`] says.
#[cfg(target_arch = "x86_64")]
macro_rules! rounds {
    ($add:ident, $xor:ident, $rotl:ident, $x:ident) => {
        for _ in 0..10 {
            quarter!($add, $xor, $rotl, $x, 0, 4, 8, 12);
            quarter!($add, $xor, $rotl, $x, 5, 9, 13, 1);
            quarter!($add, $xor, $rotl, $x, 10, 14, 2, 6);
            quarter!($add, $xor, $rotl, $x, 15, 3, 7, 11);
            quarter!($add, $xor, $rotl, $x, 0, 1, 2, 3);
            quarter!($add, $xor, $rotl, $x, 5, 6, 7, 4);
            quarter!($add, $xor, $rotl, $x, 10, 11, 8, 9);
            quarter!($add, $xor, $rotl, $x, 15, 12, 13, 14);
        }
    };
}
#[cfg(target_arch = "x86_64")]
use rounds;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod rows;
pub mod secretbox;
#[cfg(target_arch = "x86_64")]
mod sse2;

/// One Salsa20 block.
pub const BLOCK: usize = 64;
/// The most blocks one kernel call computes (AVX2: 8).
const MAX_PAR: usize = 8;

/// "expand 32-byte k"
const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// Which code computes the keystream. `detect` picks the fastest this CPU
/// runs; tests force each one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The AVX2 and SSE2 kernels with AVX-512VL's vector rotate (vprold)
    /// in place of two shifts and an or: a third fewer instructions in the
    /// rounds.
    Avx512,
    /// 8 blocks per call with 256-bit vectors.
    Avx2,
    /// 4 blocks per call with 128-bit vectors.
    Sse2,
    /// RustCrypto's `salsa20`, one block per call.
    Scalar,
}

impl Backend {
    /// The fastest backend this CPU supports (std caches the CPUID answer,
    /// so this is a load and a test).
    #[inline]
    pub fn detect() -> Backend {
        #[cfg(target_arch = "x86_64")]
        {
            if Backend::Avx512.available() {
                return Backend::Avx512;
            }
            if is_x86_feature_detected!("avx2") {
                return Backend::Avx2;
            }
            if is_x86_feature_detected!("sse2") {
                return Backend::Sse2;
            }
        }
        Backend::Scalar
    }

    /// Whether this CPU can run `self` (tests skip what it cannot).
    pub fn available(self) -> bool {
        match self {
            Backend::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512 => {
                is_x86_feature_detected!("avx2")
                    && is_x86_feature_detected!("avx512f")
                    && is_x86_feature_detected!("avx512vl")
            }
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Backend::Sse2 => is_x86_feature_detected!("sse2"),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }
}

/// The 16-word input of the Salsa20 core for `key` and `nonce`; words 8
/// and 9 (the block counter) are set per block by the kernels.
fn input(key: &[u8; 32], nonce: &[u8; 8]) -> [u32; 16] {
    let w = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let mut s = [0u32; 16];
    s[0] = SIGMA[0];
    for i in 0..4 {
        s[1 + i] = w(&key[4 * i..]);
        s[11 + i] = w(&key[16 + 4 * i..]);
    }
    s[5] = SIGMA[1];
    s[6] = w(&nonce[..4]);
    s[7] = w(&nonce[4..]);
    s[10] = SIGMA[2];
    s[15] = SIGMA[3];
    s
}

/// A Salsa20 keystream for one key and nonce.
pub struct Keystream {
    key: [u8; 32],
    nonce: [u8; 8],
    input: [u32; 16],
    backend: Backend,
}

impl Keystream {
    pub fn new(key: &[u8; 32], nonce: &[u8; 8]) -> Keystream {
        Keystream::with_backend(key, nonce, Backend::detect())
    }

    /// With a chosen backend; one this CPU cannot run falls back to the
    /// scalar one (so a forced path is never undefined behaviour).
    pub fn with_backend(key: &[u8; 32], nonce: &[u8; 8], backend: Backend) -> Keystream {
        let backend = if backend.available() {
            backend
        } else {
            Backend::Scalar
        };
        Keystream {
            key: *key,
            nonce: *nonce,
            input: input(key, nonce),
            backend,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Walk `len` keystream bytes starting at block `counter`, handing
    /// `f` each piece as (offset from the start, keystream bytes). The
    /// pieces are whole numbers of blocks but the last, computed as many
    /// blocks at a time as the backend does (fewer at the tail: 8 blocks
    /// of AVX2 for 3 blocks left would waste 5). The counter is 64 bits
    /// and the stream must end before it wraps, as in RustCrypto.
    pub fn for_each(&self, counter: u64, len: usize, mut f: impl FnMut(usize, &mut [u8])) {
        #[cfg(target_arch = "x86_64")]
        if len > BLOCK
            && len <= 2 * BLOCK
            && matches!(self.backend, Backend::Avx2 | Backend::Avx512)
        {
            // Two blocks (a 64-byte CURVE message is 97 bytes of stream
            // with its MAC key): the kernel `fill` picks for them, into a
            // buffer of their size rather than the 512 bytes below, which
            // are zeroed first (a memset of ~70 instructions a box). A
            // four-block buffer for every short stream (the SSE2 kernel's
            // size), which would leave the choice of kernel to `fill`
            // alone, measured ~90 instructions a box more than this.
            let mut buf = [0u8; 2 * BLOCK];
            // SAFETY: as in `fill`: `backend` is Avx2 or Avx512 only when
            // with_backend saw is_x86_feature_detected! for AVX2.
            unsafe { rows::blocks2(&self.input, counter, &mut buf) };
            f(0, &mut buf[..len]);
            wipe(&mut buf);
            return;
        }
        let mut buf = [0u8; MAX_PAR * BLOCK];
        let mut pos = 0;
        let mut ctr = counter;
        // Keystream was written up to here: what the wipe must cover (a
        // small box uses two of the eight blocks).
        let mut used = 0;
        while pos < len {
            let left = len - pos;
            let n = self.fill(ctr, left, &mut buf);
            used = used.max(n * BLOCK);
            let take = left.min(n * BLOCK);
            f(pos, &mut buf[..take]);
            pos += take;
            ctr = ctr.wrapping_add(n as u64);
        }
        wipe(&mut buf[..used]);
    }

    /// XOR the keystream from block `counter` onto `data`.
    pub fn apply(&self, counter: u64, data: &mut [u8]) {
        self.for_each(counter, data.len(), |pos, ks| {
            xor_in_place(&mut data[pos..pos + ks.len()], ks)
        });
    }

    /// `dst = src ^ keystream` from block `counter` (`dst` as long as
    /// `src`): encrypting while copying.
    pub fn apply_into(&self, counter: u64, src: &[u8], dst: &mut [u8]) {
        assert_eq!(src.len(), dst.len(), "apply_into: lengths differ");
        self.for_each(counter, src.len(), |pos, ks| {
            xor_into(&mut dst[pos..pos + ks.len()], &src[pos..], ks)
        });
    }

    /// Compute keystream blocks from `counter` into `buf`, enough for
    /// `left` bytes or as many as one kernel call gives; returns how many.
    fn fill(&self, counter: u64, left: usize, buf: &mut [u8; MAX_PAR * BLOCK]) -> usize {
        #[cfg(target_arch = "x86_64")]
        {
            let rol = self.backend == Backend::Avx512;
            let wide = rol || self.backend == Backend::Avx2;
            // Past 4 blocks the 8-block kernel pays; from 2 blocks the
            // 4-block one beats two scalar blocks.
            if wide && left > 4 * BLOCK {
                // SAFETY: `backend` is Avx2 or Avx512 only when with_backend
                // saw is_x86_feature_detected! for AVX2 (and for Avx512 also
                // AVX-512F and VL: Backend::available).
                unsafe {
                    if rol {
                        avx2::blocks8_rol(&self.input, counter, buf)
                    } else {
                        avx2::blocks8(&self.input, counter, buf)
                    }
                };
                return 8;
            }
            // Exactly two blocks: the diagonal kernel (rows.rs).
            if wide && left > BLOCK && left <= 2 * BLOCK {
                let out: &mut [u8; 2 * BLOCK] = (&mut buf[..2 * BLOCK]).try_into().unwrap();
                // SAFETY: as above. (Built with the rotate this kernel was
                // no faster here, 1052 against 1070 MB/s in salsa20_speed:
                // its rounds are one dependency chain, where the rotate
                // saves no latency.)
                unsafe { rows::blocks2(&self.input, counter, out) };
                return 2;
            }
            if self.backend != Backend::Scalar && left > BLOCK {
                let out: &mut [u8; 4 * BLOCK] = (&mut buf[..4 * BLOCK]).try_into().unwrap();
                // SAFETY: `backend` is not Scalar only when with_backend saw
                // is_x86_feature_detected! for it (Avx512: AVX-512F and VL
                // too), and every CPU with AVX2 has SSE2 (sse2 is also in
                // x86_64's baseline).
                unsafe {
                    if rol {
                        sse2::blocks4_rol(&self.input, counter, out)
                    } else {
                        sse2::blocks4(&self.input, counter, out)
                    }
                };
                return 4;
            }
        }
        let _ = left;
        self.scalar_block(counter, &mut buf[..BLOCK]);
        1
    }

    /// One block from RustCrypto's Salsa20 core.
    fn scalar_block(&self, counter: u64, out: &mut [u8]) {
        let mut core = SalsaCore::<U10>::new(
            GenericArray::from_slice(&self.key),
            GenericArray::from_slice(&self.nonce),
        );
        core.set_block_pos(counter);
        let mut block = GenericArray::default();
        core.write_keystream_block(&mut block);
        out.copy_from_slice(&block);
    }
}

impl Drop for Keystream {
    fn drop(&mut self) {
        wipe(&mut self.key);
        wipe_words(&mut self.input);
    }
}

/// `data ^= ks` (the compiler vectorizes this loop).
#[inline]
pub fn xor_in_place(data: &mut [u8], ks: &[u8]) {
    for (d, k) in data.iter_mut().zip(ks) {
        *d ^= k;
    }
}

/// `dst = src ^ ks` over `dst.len()` bytes.
#[inline]
pub fn xor_into(dst: &mut [u8], src: &[u8], ks: &[u8]) {
    for ((d, s), k) in dst.iter_mut().zip(src).zip(ks) {
        *d = s ^ k;
    }
}

/// Zero key material; the black_box keeps the optimizer from dropping the
/// stores as dead.
pub(crate) fn wipe(b: &mut [u8]) {
    b.fill(0);
    std::hint::black_box(&*b);
}

fn wipe_words(w: &mut [u32]) {
    w.fill(0);
    std::hint::black_box(&*w);
}

/// The counter words (8, 9) of `lanes` consecutive blocks from `counter`,
/// low words then high words: the kernels load them as two vectors, so a
/// carry from word 8 into word 9 is the scalar `u64` addition's.
#[cfg(target_arch = "x86_64")]
fn counter_words<const N: usize>(counter: u64) -> ([u32; N], [u32; N]) {
    let mut lo = [0u32; N];
    let mut hi = [0u32; N];
    for (i, (l, h)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
        let c = counter.wrapping_add(i as u64);
        *l = c as u32;
        *h = (c >> 32) as u32;
    }
    (lo, hi)
}

#[cfg(test)]
mod tests;
