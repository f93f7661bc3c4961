//! Z85 (ZeroMQ RFC 32): 4 bytes ↔ 5 printable characters, big-endian base 85.
//!
//! Used by `zmq_z85_encode`/`zmq_z85_decode`, by the CURVE key helpers and by the
//! CURVE socket options, which accept keys as 40-character Z85 text.
//! Errors are libzmq's: every malformed input is EINVAL.

use crate::error::{Errno, Result};

/// The 85 characters of RFC 32, in digit order.
const ALPHABET: &[u8; 85] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// Marks a byte that is not a Z85 digit in [`DECODER`].
const NOT_A_DIGIT: u8 = 0xFF;

/// Byte value → digit value (or [`NOT_A_DIGIT`]), built from [`ALPHABET`] at compile time.
const DECODER: [u8; 256] = {
    let mut table = [NOT_A_DIGIT; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Length of the Z85 text for `n` input bytes (`n` a multiple of 4).
pub const fn encoded_len(n: usize) -> usize {
    n / 4 * 5
}

/// Length of the binary data for `n` Z85 characters (`n` a multiple of 5).
pub const fn decoded_len(n: usize) -> usize {
    n / 5 * 4
}

/// Encode `data` into `out`, which must hold exactly `encoded_len(data.len())` bytes.
/// EINVAL when `data.len()` is not a multiple of 4 (the empty input is valid).
pub fn encode_into(data: &[u8], out: &mut [u8]) -> Result<()> {
    if !data.len().is_multiple_of(4) || out.len() != encoded_len(data.len()) {
        return Err(Errno::EINVAL);
    }
    for (word, text) in data.chunks_exact(4).zip(out.chunks_exact_mut(5)) {
        let mut value = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        // Digits come out least significant first; the text is big-endian.
        for slot in text.iter_mut().rev() {
            *slot = ALPHABET[(value % 85) as usize];
            value /= 85;
        }
    }
    Ok(())
}

/// Encode `data` (length a multiple of 4) as Z85 text.
pub fn encode(data: &[u8]) -> Result<String> {
    let mut out = vec![0u8; encoded_len(data.len())];
    encode_into(data, &mut out)?;
    // Every byte written comes from ALPHABET, which is ASCII.
    Ok(out.into_iter().map(char::from).collect())
}

/// Decode Z85 `text` into `out`, which must hold exactly `decoded_len(text.len())` bytes.
/// EINVAL, as libzmq, when the text is shorter than 5 characters or not a multiple
/// of 5 long, holds a character outside the alphabet, or a group of 5 encodes a
/// value above 0xFFFFFFFF. `out` may be partly written on error.
pub fn decode_into(text: &[u8], out: &mut [u8]) -> Result<()> {
    if text.len() < 5 || !text.len().is_multiple_of(5) || out.len() != decoded_len(text.len()) {
        return Err(Errno::EINVAL);
    }
    for (group, word) in text.chunks_exact(5).zip(out.chunks_exact_mut(4)) {
        let mut value: u64 = 0;
        for &c in group {
            let digit = DECODER[c as usize];
            if digit == NOT_A_DIGIT {
                return Err(Errno::EINVAL);
            }
            value = value * 85 + u64::from(digit);
        }
        // Five base-85 digits reach 85^5 - 1 > 2^32 - 1: the top of the range is invalid.
        let value = u32::try_from(value).map_err(|_| Errno::EINVAL)?;
        word.copy_from_slice(&value.to_be_bytes());
    }
    Ok(())
}

/// Decode Z85 text given as raw bytes (a C string without its NUL).
pub fn decode_bytes(text: &[u8]) -> Result<Vec<u8>> {
    let mut out = vec![0u8; decoded_len(text.len())];
    decode_into(text, &mut out)?;
    Ok(out)
}

/// Decode Z85 text.
pub fn decode(text: &str) -> Result<Vec<u8>> {
    decode_bytes(text.as_bytes())
}

/// Decode a 40-character Z85 key (a CURVE public or secret key) to its 32 bytes.
/// EINVAL for any other length or malformed text.
pub fn decode_key(text: &[u8]) -> Result<[u8; 32]> {
    let mut key = [0u8; 32];
    if text.len() != encoded_len(key.len()) {
        return Err(Errno::EINVAL);
    }
    decode_into(text, &mut key)?;
    Ok(key)
}

/// Encode a 32-byte key as its 40-character Z85 text.
pub fn encode_key(key: &[u8; 32]) -> [u8; 40] {
    let mut out = [0u8; 40];
    // 32 is a multiple of 4 and `out` has the matching length: this cannot fail.
    encode_into(key, &mut out).expect("a 32-byte key always encodes");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector of RFC 32.
    const RFC32_BYTES: [u8; 8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];

    #[test]
    fn rfc32_vector() {
        assert_eq!(encode(&RFC32_BYTES).unwrap(), "HelloWorld");
        assert_eq!(decode("HelloWorld").unwrap(), RFC32_BYTES);
    }

    #[test]
    fn extremes() {
        assert_eq!(encode(&[0; 4]).unwrap(), "00000");
        assert_eq!(encode(&[0xFF; 4]).unwrap(), "%nSc0");
        assert_eq!(decode("%nSc0").unwrap(), [0xFF; 4]);
        assert_eq!(decode("00000").unwrap(), [0; 4]);
        // One above 0xFFFFFFFF, and the largest 5-digit value.
        assert_eq!(decode("%nSc1"), Err(Errno::EINVAL));
        assert_eq!(decode("#####"), Err(Errno::EINVAL));
    }

    #[test]
    fn empty_input() {
        assert_eq!(encode(&[]).unwrap(), "");
        // libzmq rejects decoding anything shorter than one group.
        assert_eq!(decode(""), Err(Errno::EINVAL));
    }

    #[test]
    fn bad_lengths() {
        for n in [1, 2, 3, 5, 6, 7, 33] {
            assert_eq!(encode(&vec![0; n]), Err(Errno::EINVAL), "encode {n}");
        }
        for s in ["0", "0000", "000000", "0000000000000"] {
            assert_eq!(decode(s), Err(Errno::EINVAL), "decode {s:?}");
        }
    }

    #[test]
    fn bad_characters() {
        for bad in [
            b' ', b'"', b'\'', b',', b';', b'\\', b'_', b'`', b'|', b'~', 0x7F, 0x80, 0xFF, 0x01,
        ] {
            let text = [b'0', b'0', bad, b'0', b'0'];
            assert_eq!(decode_bytes(&text), Err(Errno::EINVAL), "char {bad:#x}");
        }
    }

    #[test]
    fn alphabet_is_a_bijection() {
        for (i, &c) in ALPHABET.iter().enumerate() {
            assert_eq!(DECODER[c as usize] as usize, i);
        }
        assert_eq!(DECODER.iter().filter(|&&d| d != NOT_A_DIGIT).count(), 85);
    }

    #[test]
    fn round_trip() {
        let data: Vec<u8> = (0..=255u8).collect();
        let text = encode(&data).unwrap();
        assert_eq!(text.len(), 320);
        assert_eq!(decode(&text).unwrap(), data);
        // Every 4-byte word with a varied pattern survives the trip.
        let mut x: u32 = 0x1234_5678;
        for _ in 0..10_000 {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let word = x.to_be_bytes();
            assert_eq!(decode(&encode(&word).unwrap()).unwrap(), word);
        }
    }

    #[test]
    fn keys() {
        let key: [u8; 32] = core::array::from_fn(|i| i as u8 * 7);
        let text = encode_key(&key);
        assert_eq!(decode_key(&text).unwrap(), key);
        assert_eq!(decode_key(&text[..35]), Err(Errno::EINVAL));
        assert_eq!(decode_key(b"HelloWorld"), Err(Errno::EINVAL));
    }
}
