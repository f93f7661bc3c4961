//! Eight Salsa20 blocks at once with AVX2 (256-bit vectors, one block per
//! 32-bit lane); `blocks8_rol` is the same kernel with AVX-512VL's rotate.

use std::arch::x86_64::*;

use super::{counter_words, BLOCK};

/// `v <<< r` on each lane with AVX2, which has no rotate: two shifts and an
/// or.
macro_rules! rotl_shifts {
    ($v:expr, $r:literal) => {{
        let v = $v;
        _mm256_or_si256(
            _mm256_slli_epi32::<$r>(v),
            _mm256_srli_epi32::<{ 32 - $r }>(v),
        )
    }};
}

/// `v <<< r` on each lane with AVX-512VL's rotate (vprold): one instruction
/// for three, in the rounds' longest dependency chain.
macro_rules! rotl_rol {
    ($v:expr, $r:literal) => {
        _mm256_rol_epi32::<$r>($v)
    };
}

/// `$name`: keystream blocks `counter` .. `counter + 8` of the Salsa20
/// input `input` (counter words ignored) into `out`, built for the target
/// features `$features` with the rotate `$rotl`.
macro_rules! kernel {
    ($name:ident, $features:literal, $rotl:ident) => {
        #[target_feature(enable = $features)]
        pub(super) fn $name(input: &[u32; 16], counter: u64, out: &mut [u8; 8 * BLOCK]) {
            let (lo, hi) = counter_words::<8>(counter);
            let lane = |w: [u32; 8]| {
                _mm256_setr_epi32(
                    w[0] as i32,
                    w[1] as i32,
                    w[2] as i32,
                    w[3] as i32,
                    w[4] as i32,
                    w[5] as i32,
                    w[6] as i32,
                    w[7] as i32,
                )
            };
            let mut start = [_mm256_setzero_si256(); 16];
            for (v, &w) in start.iter_mut().zip(input) {
                *v = _mm256_set1_epi32(w as i32);
            }
            start[8] = lane(lo);
            start[9] = lane(hi);
            let mut x = start;
            super::rounds!(_mm256_add_epi32, _mm256_xor_si256, $rotl, x);
            for (v, s) in x.iter_mut().zip(&start) {
                *v = _mm256_add_epi32(*v, *s);
            }
            // Within each 128-bit half, transpose each group of four words as the
            // SSE2 kernel does: rows[g][b] holds words 4g..4g+4 of block b (low
            // half) and of block b + 4 (high half).
            let mut rows = [[_mm256_setzero_si256(); 4]; 4];
            for (g, r) in rows.iter_mut().enumerate() {
                let (a, b, c, d) = (x[4 * g], x[4 * g + 1], x[4 * g + 2], x[4 * g + 3]);
                let ab_lo = _mm256_unpacklo_epi32(a, b);
                let cd_lo = _mm256_unpacklo_epi32(c, d);
                let ab_hi = _mm256_unpackhi_epi32(a, b);
                let cd_hi = _mm256_unpackhi_epi32(c, d);
                *r = [
                    _mm256_unpacklo_epi64(ab_lo, cd_lo),
                    _mm256_unpackhi_epi64(ab_lo, cd_lo),
                    _mm256_unpacklo_epi64(ab_hi, cd_hi),
                    _mm256_unpackhi_epi64(ab_hi, cd_hi),
                ];
            }
            // Then join the halves: block b's 64 bytes are the low halves of
            // groups 0-3, block b + 4's the high halves.
            let [g0, g1, g2, g3] = rows;
            let groups = g0.iter().zip(&g1).zip(g2.iter().zip(&g3));
            for (b, ((&w0, &w1), (&w2, &w3))) in groups.enumerate() {
                let pieces = [
                    (b * BLOCK, _mm256_permute2x128_si256::<0x20>(w0, w1)),
                    (b * BLOCK + 32, _mm256_permute2x128_si256::<0x20>(w2, w3)),
                    ((b + 4) * BLOCK, _mm256_permute2x128_si256::<0x31>(w0, w1)),
                    (
                        (b + 4) * BLOCK + 32,
                        _mm256_permute2x128_si256::<0x31>(w2, w3),
                    ),
                ];
                for (at, v) in pieces {
                    let dst = &mut out[at..at + 32];
                    // SAFETY: `dst` is 32 writable bytes (a sub-slice of `out`);
                    // storeu has no alignment requirement, and AVX2 is enabled on
                    // this function (its caller checks is_x86_feature_detected!).
                    unsafe { _mm256_storeu_si256(dst.as_mut_ptr().cast(), v) };
                }
            }
        }
    };
}

kernel!(blocks8, "avx2", rotl_shifts);
kernel!(blocks8_rol, "avx2,avx512f,avx512vl", rotl_rol);
