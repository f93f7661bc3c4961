//! CURVE long-term keys: X25519 key pairs, in binary and in Z85 text.
//!
//! A secret key is 32 random bytes, kept unclamped as libsodium's
//! `crypto_box_keypair` keeps it; clamping happens inside every scalar
//! multiplication, so any 32 bytes are a usable secret key.

use x25519_dalek::{PublicKey, StaticSecret};

use crate::error::{Errno, Result};
use crate::util::z85;

/// Length of a binary CURVE key.
pub const KEY_LEN: usize = 32;
/// Length of a Z85 CURVE key, without the C string's NUL.
pub const Z85_KEY_LEN: usize = 40;

/// A long-term CURVE key pair. The secret is wiped when the pair is dropped.
pub struct KeyPair {
    pub public: [u8; KEY_LEN],
    pub secret: StaticSecret,
}

impl KeyPair {
    /// A fresh key pair from the operating system's random source.
    /// Fails (with the OS errno, EIO if there is none) only if that source does.
    pub fn generate() -> Result<KeyPair> {
        let mut bytes = [0u8; KEY_LEN];
        getrandom::getrandom(&mut bytes)
            .map_err(|e| Errno(e.raw_os_error().unwrap_or(libc::EIO)))?;
        let secret = StaticSecret::from(bytes);
        bytes.fill(0);
        Ok(KeyPair::from_secret(secret))
    }

    /// The pair belonging to a known secret key.
    pub fn from_secret(secret: StaticSecret) -> KeyPair {
        KeyPair {
            public: public_key(&secret),
            secret,
        }
    }

    /// The public key as 40 Z85 characters.
    pub fn public_z85(&self) -> [u8; Z85_KEY_LEN] {
        z85::encode_key(&self.public)
    }

    /// The secret key as 40 Z85 characters.
    pub fn secret_z85(&self) -> [u8; Z85_KEY_LEN] {
        z85::encode_key(self.secret.as_bytes())
    }
}

/// The public key of a secret key: X25519(secret, 9).
pub fn public_key(secret: &StaticSecret) -> [u8; KEY_LEN] {
    PublicKey::from(secret).to_bytes()
}

/// The Z85 public key of a Z85 secret key. EINVAL if `secret_z85` is not
/// 40 valid Z85 characters.
pub fn public_z85_from_secret_z85(secret_z85: &[u8]) -> Result<[u8; Z85_KEY_LEN]> {
    let secret = StaticSecret::from(z85::decode_key(secret_z85)?);
    Ok(z85::encode_key(&public_key(&secret)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> [u8; 32] {
        core::array::from_fn(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
    }

    // RFC 7748 section 6.1.
    const ALICE_SECRET: &str = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    const ALICE_PUBLIC: &str = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    const BOB_SECRET: &str = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    const BOB_PUBLIC: &str = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
    const SHARED: &str = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

    #[test]
    fn rfc7748_public_keys() {
        assert_eq!(
            public_key(&StaticSecret::from(hex(ALICE_SECRET))),
            hex(ALICE_PUBLIC)
        );
        assert_eq!(
            public_key(&StaticSecret::from(hex(BOB_SECRET))),
            hex(BOB_PUBLIC)
        );
    }

    #[test]
    fn rfc7748_shared_secret() {
        let alice = StaticSecret::from(hex(ALICE_SECRET));
        let bob = StaticSecret::from(hex(BOB_SECRET));
        let k1 = alice.diffie_hellman(&PublicKey::from(hex(BOB_PUBLIC)));
        let k2 = bob.diffie_hellman(&PublicKey::from(hex(ALICE_PUBLIC)));
        assert_eq!(k1.to_bytes(), hex(SHARED));
        assert_eq!(k2.to_bytes(), hex(SHARED));
    }

    #[test]
    fn rfc7748_in_z85() {
        let secret_z85 = z85::encode_key(&hex(ALICE_SECRET));
        let public_z85 = z85::encode_key(&hex(ALICE_PUBLIC));
        assert_eq!(public_z85_from_secret_z85(&secret_z85).unwrap(), public_z85);
        // The same strings are in capi-tests/test_curve_keys.c (checked against libzmq).
        assert_eq!(&secret_z85, b"Cl.%(A#p:4jqL+Nql<!5?+kXU(+F]rV3l8w9L0ZJ");
        assert_eq!(&public_z85, b"G=]<>I7>&bBC>O5V{aj/4zK}kco8}o(.HIuS*=:#");
    }

    #[test]
    fn generated_pairs_match_and_differ() {
        let a = KeyPair::generate().unwrap();
        let b = KeyPair::generate().unwrap();
        assert_eq!(
            public_z85_from_secret_z85(&a.secret_z85()).unwrap(),
            a.public_z85()
        );
        assert_ne!(a.secret.as_bytes(), b.secret.as_bytes());
        assert_ne!(a.public, b.public);
    }

    #[test]
    fn bad_secret_text() {
        assert_eq!(public_z85_from_secret_z85(b""), Err(Errno::EINVAL));
        assert_eq!(
            public_z85_from_secret_z85(b"HelloWorld"),
            Err(Errno::EINVAL)
        );
        let mut text = z85::encode_key(&hex(BOB_SECRET));
        text[7] = b' ';
        assert_eq!(public_z85_from_secret_z85(&text), Err(Errno::EINVAL));
    }
}
