//! Four Salsa20 blocks at once with SSE2 (128-bit vectors, one block per
//! 32-bit lane); `blocks4_rol` is the same kernel with AVX-512VL's rotate.

use std::arch::x86_64::*;

use super::{counter_words, BLOCK};

/// `v <<< r` on each lane with SSE2, which has no rotate: two shifts and an
/// or.
macro_rules! rotl_shifts {
    ($v:expr, $r:literal) => {{
        let v = $v;
        _mm_or_si128(_mm_slli_epi32::<$r>(v), _mm_srli_epi32::<{ 32 - $r }>(v))
    }};
}

/// `v <<< r` on each lane with AVX-512VL's rotate (vprold).
macro_rules! rotl_rol {
    ($v:expr, $r:literal) => {
        _mm_rol_epi32::<$r>($v)
    };
}

/// `$name`: keystream blocks `counter` .. `counter + 4` of the Salsa20
/// input `input` (counter words ignored) into `out`, built for the target
/// features `$features` with the rotate `$rotl`.
macro_rules! kernel {
    ($name:ident, $features:literal, $rotl:ident) => {
        #[target_feature(enable = $features)]
        pub(super) fn $name(input: &[u32; 16], counter: u64, out: &mut [u8; 4 * BLOCK]) {
            let (lo, hi) = counter_words::<4>(counter);
            let mut start = [_mm_setzero_si128(); 16];
            for (v, &w) in start.iter_mut().zip(input) {
                *v = _mm_set1_epi32(w as i32);
            }
            start[8] = _mm_setr_epi32(lo[0] as i32, lo[1] as i32, lo[2] as i32, lo[3] as i32);
            start[9] = _mm_setr_epi32(hi[0] as i32, hi[1] as i32, hi[2] as i32, hi[3] as i32);
            let mut x = start;
            super::rounds!(_mm_add_epi32, _mm_xor_si128, $rotl, x);
            for (v, s) in x.iter_mut().zip(&start) {
                *v = _mm_add_epi32(*v, *s);
            }
            // Transpose each group of four words: lane b of words 4g..4g+4 becomes
            // bytes 16g..16g+16 of block b.
            for g in 0..4 {
                let (a, b, c, d) = (x[4 * g], x[4 * g + 1], x[4 * g + 2], x[4 * g + 3]);
                let ab_lo = _mm_unpacklo_epi32(a, b);
                let cd_lo = _mm_unpacklo_epi32(c, d);
                let ab_hi = _mm_unpackhi_epi32(a, b);
                let cd_hi = _mm_unpackhi_epi32(c, d);
                let rows = [
                    _mm_unpacklo_epi64(ab_lo, cd_lo),
                    _mm_unpackhi_epi64(ab_lo, cd_lo),
                    _mm_unpacklo_epi64(ab_hi, cd_hi),
                    _mm_unpackhi_epi64(ab_hi, cd_hi),
                ];
                for (blk, row) in rows.iter().enumerate() {
                    let at = &mut out[blk * BLOCK + 16 * g..blk * BLOCK + 16 * g + 16];
                    // SAFETY: `at` is 16 writable bytes (a sub-slice of `out`);
                    // storeu has no alignment requirement, and SSE2 is enabled on
                    // this function (its callers check is_x86_feature_detected!).
                    unsafe { _mm_storeu_si128(at.as_mut_ptr().cast(), *row) };
                }
            }
        }
    };
}

kernel!(blocks4, "sse2", rotl_shifts);
kernel!(blocks4_rol, "sse2,avx512f,avx512vl", rotl_rol);
