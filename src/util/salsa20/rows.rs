//! Two Salsa20 blocks at once with AVX2, for short inputs: a 64-byte CURVE
//! message takes two blocks of keystream (the Poly1305 key, then the
//! message), which the lane kernels (sse2.rs, avx2.rs) compute four or
//! eight at a time, the rest thrown away. Here each block's state sits in
//! four vectors (its diagonals), one block per 128-bit half, and two blocks
//! cost one pass of the rounds: 2 blocks in 127 ns against 177 for the
//! 4-block kernel and 190 for two of RustCrypto's scalar blocks
//! (`salsa20_speed`, this machine). One block alone stays scalar: without a
//! vector rotate the diagonal rounds are a longer dependency chain than the
//! scalar code's four independent quarter-rounds (SSE2, one block: 121 ns,
//! scalar 99).
//!
//! The vectors hold the state's diagonals: a = (x0, x5, x10, x15),
//! b = (x4, x9, x14, x3), c = (x8, x13, x2, x7), d = (x12, x1, x6, x11).
//! Then Salsa20's column round is four vector steps on (a, b, c, d); turning
//! b, c and d by one, two and three lanes lines up the rows for the row
//! round, which is the same four steps; turning them back ends the double
//! round.

use std::arch::x86_64::*;

use super::{wipe_words, BLOCK};

/// A diagonal `(x[i], x[j], x[k], x[l])` of the state `x`.
macro_rules! diag {
    ($x:expr, $i:literal, $j:literal, $k:literal, $l:literal) => {
        [$x[$i], $x[$j], $x[$k], $x[$l]]
    };
}

/// `t ^= (u + v) <<< r` on every lane (no vector rotate before AVX-512).
macro_rules! step {
    ($t:ident, $u:ident, $v:ident, $r:literal) => {
        let s = _mm256_add_epi32($u, $v);
        $t = _mm256_xor_si256(
            $t,
            _mm256_or_si256(
                _mm256_slli_epi32::<$r>(s),
                _mm256_srli_epi32::<{ 32 - $r }>(s),
            ),
        );
    };
}

/// The state words held in the diagonals' lanes, in word order: `x[i]` is
/// lane `SPOT[i] % 4` of diagonal `SPOT[i] / 4` (a, b, c, d).
const SPOT: [usize; 16] = [0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3];

/// Keystream blocks `counter` and `counter + 1` of the Salsa20 input
/// `input` (counter words ignored) into `out`: one block in each 128-bit
/// half of the AVX2 vectors.
#[target_feature(enable = "avx2")]
pub(super) fn blocks2(input: &[u32; 16], counter: u64, out: &mut [u8; 2 * BLOCK]) {
    let mut x = [*input; 2];
    for (k, s) in x.iter_mut().enumerate() {
        let c = counter.wrapping_add(k as u64);
        s[8] = c as u32;
        s[9] = (c >> 32) as u32;
    }
    let load = |lo: [u32; 4], hi: [u32; 4]| {
        _mm256_setr_epi32(
            lo[0] as i32,
            lo[1] as i32,
            lo[2] as i32,
            lo[3] as i32,
            hi[0] as i32,
            hi[1] as i32,
            hi[2] as i32,
            hi[3] as i32,
        )
    };
    let (p, q) = (&x[0], &x[1]);
    let (a0, b0, c0, d0) = (
        load(diag!(p, 0, 5, 10, 15), diag!(q, 0, 5, 10, 15)),
        load(diag!(p, 4, 9, 14, 3), diag!(q, 4, 9, 14, 3)),
        load(diag!(p, 8, 13, 2, 7), diag!(q, 8, 13, 2, 7)),
        load(diag!(p, 12, 1, 6, 11), diag!(q, 12, 1, 6, 11)),
    );
    let (mut a, mut b, mut c, mut d) = (a0, b0, c0, d0);
    for _ in 0..10 {
        // Column round.
        step!(b, a, d, 7);
        step!(c, b, a, 9);
        step!(d, c, b, 13);
        step!(a, d, c, 18);
        // The rows, lined up with a = (x0, x5, x10, x15):
        // (x1, x6, x11, x12), (x2, x7, x8, x13), (x3, x4, x9, x14).
        let mut r1 = _mm256_shuffle_epi32::<0x39>(d);
        let mut r2 = _mm256_shuffle_epi32::<0x4e>(c);
        let mut r3 = _mm256_shuffle_epi32::<0x93>(b);
        step!(r1, a, r3, 7);
        step!(r2, r1, a, 9);
        step!(r3, r2, r1, 13);
        step!(a, r3, r2, 18);
        b = _mm256_shuffle_epi32::<0x39>(r3);
        c = _mm256_shuffle_epi32::<0x4e>(r2);
        d = _mm256_shuffle_epi32::<0x93>(r1);
    }
    let sums = [
        _mm256_add_epi32(a, a0),
        _mm256_add_epi32(b, b0),
        _mm256_add_epi32(c, c0),
        _mm256_add_epi32(d, d0),
    ];
    // lanes[8i..8i+4]: diagonal i of the first block, then of the second.
    let mut lanes = [0u32; 32];
    for (i, v) in sums.into_iter().enumerate() {
        // SAFETY: lanes[8i..8i+8] is 32 writable bytes; storeu has no
        // alignment requirement; AVX2 is enabled on this function.
        unsafe { _mm256_storeu_si256(lanes[8 * i..].as_mut_ptr().cast(), v) };
    }
    for (blk, o) in out.chunks_exact_mut(BLOCK).enumerate() {
        for (w, &at) in o.chunks_exact_mut(4).zip(&SPOT) {
            let lane = (at / 4) * 8 + blk * 4 + at % 4;
            w.copy_from_slice(&lanes[lane].to_le_bytes());
        }
    }
    wipe_words(&mut lanes);
    wipe_words(&mut x[0]);
    wipe_words(&mut x[1]);
}
