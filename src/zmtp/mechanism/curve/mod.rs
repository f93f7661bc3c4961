//! The CURVE mechanism (RFC 26 CurveZMQ, as libzmq 4.3 implements it).
//!
//! Handshake, client C and server S with long-term keys, short-term keys
//! C'/S' made per connection:
//!
//! ```text
//! C -> S  HELLO     version 1.0, 72 zero bytes, C', nonce, Box[64 zeros](C'->S)
//! S -> C  WELCOME   nonce, Box[S' + cookie](S->C')
//! C -> S  INITIATE  cookie, nonce, Box[C + vouch + metadata](C'->S')
//!                   vouch = nonce, Box[C' + S](C->S')
//! S -> C  READY     nonce, Box[metadata](S'->C')
//! then    MESSAGE   nonce, Box[flags + payload](C'<->S')
//! ```
//!
//! The cookie (`Box[C' + s'](K)`) lets a server forget its short-term secret
//! between WELCOME and INITIATE; libzmq nevertheless keeps the connection
//! state and makes a fresh cookie key K per connection, and so do we. Only
//! the server ever opens a cookie, so its exact cipher is private: we key an
//! XSalsa20-Poly1305 box (the same primitive libzmq's `crypto_secretbox`
//! uses) with a fresh random key per connection.
//!
//! Box layout is NaCl's: 16-byte Poly1305 tag, then the ciphertext. Short
//! nonces are big-endian counters starting at 1 on each side; a MESSAGE
//! whose nonce is not above the last one seen ends the connection.
//!
//! libzmq sends MESSAGE as an ordinary (non-command) frame with flags 0;
//! the MORE and COMMAND bits travel inside the box. We do the same, and
//! accept MESSAGE in command frames too (RFC 25's form).

//!
//! The boxes are util/salsa20/'s: its SIMD Salsa20 keystream with
//! RustCrypto's HSalsa20 and Poly1305.
//!
//! The files: crypto.rs holds the box and nonce helpers and the MESSAGE
//! codec both sides share once the handshake is done; client.rs and
//! server.rs hold the two handshakes.

use x25519_dalek::{PublicKey as DhPublic, StaticSecret};

use super::{basic_properties, parse_peer_properties, Mechanism, PeerProperties, Status};
use crate::constants as c;
use crate::msg::{Msg, SharedBuf};
use crate::util::salsa20::secretbox::SecretBox;
use crate::zmtp::codec::Encoder;
use crate::zmtp::command::{self, ERROR, READY};
use crate::zmtp::zap::{self, Verdict, ZapGate, ZapReply, ZapRequest};
use crate::zmtp::{Config, ProtocolError};

const KEY: usize = 32;
const TAG: usize = 16;

const HELLO_SIZE: usize = 200;
const WELCOME_SIZE: usize = 168;
const INITIATE_MIN: usize = 257;
const READY_MIN: usize = 30;
const MESSAGE_MIN: usize = 33;
/// `\x07MESSAGE` + short nonce + tag, in front of the flags byte.
const MESSAGE_HEADER: usize = 8 + 8 + TAG;
/// Cookie: 16-byte nonce suffix + Box[C' + s'] (tag + 64).
const COOKIE_SIZE: usize = 16 + TAG + 2 * KEY;

const HELLO_PREFIX: &[u8; 16] = b"CurveZMQHELLO---";
const WELCOME_PREFIX: &[u8; 8] = b"WELCOME-";
const COOKIE_PREFIX: &[u8; 8] = b"COOKIE--";
const INITIATE_PREFIX: &[u8; 16] = b"CurveZMQINITIATE";
const VOUCH_PREFIX: &[u8; 8] = b"VOUCH---";
const READY_PREFIX: &[u8; 16] = b"CurveZMQREADY---";
const MESSAGE_PREFIX_C: &[u8; 16] = b"CurveZMQMESSAGEC";
const MESSAGE_PREFIX_S: &[u8; 16] = b"CurveZMQMESSAGES";

fn crypto_error() -> ProtocolError {
    ProtocolError::Mechanism(c::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)
}

fn proto(code: i32) -> ProtocolError {
    ProtocolError::Mechanism(code)
}

mod client;
mod crypto;
mod server;
#[cfg(test)]
mod tests;

pub use client::CurveClient;
pub use server::CurveServer;
