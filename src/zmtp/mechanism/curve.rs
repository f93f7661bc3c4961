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

use crypto_box::aead::generic_array::GenericArray;
use crypto_box::aead::AeadInPlace;
use crypto_box::{PublicKey, SalsaBox, SecretKey};
use x25519_dalek::{PublicKey as DhPublic, StaticSecret};

use super::{basic_properties, parse_peer_properties, Mechanism, PeerProperties, Status};
use crate::constants as c;
use crate::msg::{Msg, SharedBuf};
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

fn random<const N: usize>() -> Result<[u8; N], ProtocolError> {
    let mut b = [0u8; N];
    getrandom::getrandom(&mut b).map_err(|_| crypto_error())?;
    Ok(b)
}

/// A 24-byte nonce: a 16-byte prefix and a big-endian counter, or an
/// 8-byte prefix and 16 bytes from the wire.
fn nonce(prefix: &[u8], rest: &[u8]) -> [u8; 24] {
    let mut n = [0u8; 24];
    n[..prefix.len()].copy_from_slice(prefix);
    n[prefix.len()..].copy_from_slice(rest);
    n
}

/// `crypto_box_beforenm`: the precomputed key between `public` and
/// `secret`. Like libsodium, a low-order public key (an all-zero shared
/// point) is refused.
fn precompute(public: &[u8; KEY], secret: &[u8; KEY]) -> Result<SalsaBox, ProtocolError> {
    let check = StaticSecret::from(*secret).diffie_hellman(&DhPublic::from(*public));
    if !check.was_contributory() {
        return Err(crypto_error());
    }
    Ok(SalsaBox::new(
        &PublicKey::from(*public),
        &SecretKey::from(*secret),
    ))
}

/// Append `Box[plaintext]` (tag, then ciphertext) to `out`.
fn seal(b: &SalsaBox, n: &[u8; 24], plaintext: &[u8], out: &mut Vec<u8>) {
    let at = out.len();
    out.extend_from_slice(&[0u8; TAG]);
    out.extend_from_slice(plaintext);
    seal_in_place(b, n, &mut out[at..]);
}

/// `buf` = 16 bytes of room for the tag, then the plaintext, which is
/// encrypted in place.
fn seal_in_place(b: &SalsaBox, n: &[u8; 24], buf: &mut [u8]) {
    let (tag, body) = buf.split_at_mut(TAG);
    // Encryption only fails when associated data is given; we give none.
    if let Ok(t) = b.encrypt_in_place_detached(GenericArray::from_slice(n), b"", body) {
        tag.copy_from_slice(&t);
    }
}

/// Open a box (tag, then ciphertext) into a new buffer.
fn open(b: &SalsaBox, n: &[u8; 24], boxed: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    if boxed.len() < TAG {
        return Err(crypto_error());
    }
    let mut plain = boxed[TAG..].to_vec();
    open_in_place(b, n, &boxed[..TAG], &mut plain)?;
    Ok(plain)
}

fn open_in_place(
    b: &SalsaBox,
    n: &[u8; 24],
    tag: &[u8],
    body: &mut [u8],
) -> Result<(), ProtocolError> {
    b.decrypt_in_place_detached(
        GenericArray::from_slice(n),
        b"",
        body,
        GenericArray::from_slice(tag),
    )
    .map_err(|_| crypto_error())
}

/// The per-message transform shared by both sides once READY is done.
struct MessageCodec {
    precom: SalsaBox,
    send_prefix: &'static [u8; 16],
    recv_prefix: &'static [u8; 16],
    /// Our next short nonce.
    nonce: u64,
    /// The last short nonce the peer used.
    peer_nonce: u64,
    /// Where small received MESSAGEs are decrypted (see `plain_room`).
    plain: Option<SharedBuf>,
}

/// Size of a plaintext buffer for received messages.
const PLAIN_BUF: usize = 64 * 1024;

impl MessageCodec {
    /// Seal `msg` as a MESSAGE frame straight into the encoder's batch.
    /// libzmq sends it as an ordinary frame with flags 0; MORE and COMMAND
    /// travel inside the box.
    fn encode_into(&mut self, msg: &Msg, out: &mut Encoder) -> Result<(), ProtocolError> {
        let payload = msg.data();
        let n = self.nonce;
        self.nonce = self.nonce.wrapping_add(1);
        let full = nonce(self.send_prefix, &n.to_be_bytes());
        let mut flags = 0;
        if msg.more() {
            flags |= 0x01;
        }
        if msg.is_command() {
            flags |= 0x02;
        }
        let precom = &self.precom;
        out.push_frame_with(false, false, MESSAGE_HEADER + 1 + payload.len(), |buf| {
            buf[..8].copy_from_slice(b"\x07MESSAGE");
            buf[8..16].copy_from_slice(&n.to_be_bytes());
            buf[MESSAGE_HEADER] = flags;
            buf[MESSAGE_HEADER + 1..].copy_from_slice(payload);
            seal_in_place(precom, &full, &mut buf[16..]);
        });
        Ok(())
    }

    /// Room for `n` plaintext bytes in the plaintext buffer: reuse it when
    /// no message holds it any more, else start a new one (one allocation
    /// per PLAIN_BUF bytes of small messages, not one per message).
    fn plain_room(
        plain: &mut Option<SharedBuf>,
        n: usize,
    ) -> Result<&mut SharedBuf, ProtocolError> {
        let fits = |b: &SharedBuf| b.capacity() - b.len() >= n;
        let reuse = match plain {
            Some(b) if fits(b) => true,
            Some(b) => b.clear() && fits(b),
            None => false,
        };
        if !reuse {
            let buf = SharedBuf::with_capacity(n.max(PLAIN_BUF))
                .map_err(|_| ProtocolError::OutOfMemory)?;
            *plain = Some(buf);
        }
        plain.as_mut().ok_or(ProtocolError::OutOfMemory)
    }

    fn decode(&mut self, mut msg: Msg) -> Result<Msg, ProtocolError> {
        let data = msg.data();
        if data.len() < 8 || &data[..8] != b"\x07MESSAGE" {
            return Err(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
        }
        if data.len() < MESSAGE_MIN {
            return Err(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE));
        }
        let mut short = [0u8; 8];
        short.copy_from_slice(&data[8..16]);
        let n = u64::from_be_bytes(short);
        if n <= self.peer_nonce {
            return Err(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE));
        }
        self.peer_nonce = n;
        let full = nonce(self.recv_prefix, &short);
        let mut tag = [0u8; TAG];
        tag.copy_from_slice(&data[16..MESSAGE_HEADER]);
        // Decrypt where the frame lies when nobody else sees those bytes (a
        // large frame has its own buffer); a frame sharing the receive
        // buffer is decrypted into the plaintext buffer instead.
        let (mut out, flags) = if msg.data_mut().is_some() {
            let flags = {
                let Some(buf) = msg.data_mut() else {
                    return Err(ProtocolError::OutOfMemory);
                };
                let body = &mut buf[MESSAGE_HEADER..];
                open_in_place(&self.precom, &full, &tag, body)?;
                body[0]
            };
            msg.advance(MESSAGE_HEADER + 1);
            (msg, flags)
        } else {
            let body_len = msg.size() - MESSAGE_HEADER;
            let buf = Self::plain_room(&mut self.plain, body_len)?;
            let start = buf.len();
            let body = &mut buf.spare_mut()[..body_len];
            body.copy_from_slice(&msg.data()[MESSAGE_HEADER..]);
            open_in_place(&self.precom, &full, &tag, body)?;
            let flags = body[0];
            buf.commit(body_len);
            (buf.slice(start + 1..start + body_len), flags)
        };
        out.reset_flags(Msg::MORE | Msg::COMMAND);
        if flags & 0x01 != 0 {
            out.set_flags(Msg::MORE);
        }
        if flags & 0x02 != 0 {
            out.set_flags(Msg::COMMAND);
        }
        Ok(out)
    }
}

/// Wipe key material when a mechanism goes away.
fn wipe(b: &mut [u8]) {
    b.fill(0);
    // Keep the stores: the optimizer must assume the zeros are read.
    std::hint::black_box(&*b);
}

// ------------------------------------------------------------------ client

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClientState {
    SendHello,
    ExpectWelcome,
    SendInitiate,
    ExpectReady,
    Connected,
    ErrorReceived,
}

/// The CURVE client (ZMQ_CURVE_SERVERKEY set, ZMQ_CURVE_SERVER off).
pub struct CurveClient {
    local_type: i32,
    state: ClientState,
    public: [u8; KEY],
    secret: [u8; KEY],
    server: [u8; KEY],
    cn_public: [u8; KEY],
    cn_secret: [u8; KEY],
    /// Our properties, sent in INITIATE.
    properties: Vec<u8>,
    /// Box key C'/S (HELLO, WELCOME).
    hello_box: Option<SalsaBox>,
    cn_server: [u8; KEY],
    cookie: [u8; COOKIE_SIZE],
    /// Short nonce for HELLO and INITIATE; the codec continues from it.
    nonce: u64,
    codec: Option<MessageCodec>,
    peer: PeerProperties,
    init_error: Option<ProtocolError>,
}

impl CurveClient {
    /// A client with long-term keys `public`/`secret` talking to the server
    /// whose long-term public key is `server`.
    pub fn new(config: &Config, public: [u8; KEY], secret: [u8; KEY], server: [u8; KEY]) -> Self {
        let mut properties = Vec::with_capacity(64 + config.routing_id.len());
        basic_properties(config, &mut properties);
        let (cn_public, cn_secret, init_error) = match random::<KEY>() {
            Ok(s) => (
                crate::util::curve_keys::public_key(&StaticSecret::from(s)),
                s,
                None,
            ),
            Err(e) => ([0; KEY], [0; KEY], Some(e)),
        };
        CurveClient {
            local_type: config.socket_type,
            state: ClientState::SendHello,
            public,
            secret,
            server,
            cn_public,
            cn_secret,
            properties,
            hello_box: None,
            cn_server: [0; KEY],
            cookie: [0; COOKIE_SIZE],
            nonce: 1,
            codec: None,
            peer: PeerProperties::default(),
            init_error,
        }
    }

    /// Use this short-term secret key instead of a random one (known-answer
    /// tests).
    #[cfg(test)]
    fn set_transient(&mut self, secret: [u8; KEY]) {
        self.cn_public = crate::util::curve_keys::public_key(&StaticSecret::from(secret));
        self.cn_secret = secret;
    }

    fn next_nonce(&mut self) -> u64 {
        let n = self.nonce;
        self.nonce += 1;
        n
    }

    fn produce_hello(&mut self) -> Result<Vec<u8>, ProtocolError> {
        let b = precompute(&self.server, &self.cn_secret)?;
        let n = self.next_nonce();
        let mut out = Vec::with_capacity(HELLO_SIZE);
        out.extend_from_slice(b"\x05HELLO\x01\x00");
        out.extend_from_slice(&[0u8; 72]);
        out.extend_from_slice(&self.cn_public);
        out.extend_from_slice(&n.to_be_bytes());
        seal(
            &b,
            &nonce(HELLO_PREFIX, &n.to_be_bytes()),
            &[0u8; 64],
            &mut out,
        );
        debug_assert_eq!(out.len(), HELLO_SIZE);
        self.hello_box = Some(b);
        Ok(out)
    }

    fn process_welcome(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        if body.len() != WELCOME_SIZE {
            return Err(crypto_error());
        }
        let b = self.hello_box.take().ok_or_else(crypto_error)?;
        let plain = open(&b, &nonce(WELCOME_PREFIX, &body[8..24]), &body[24..])?;
        self.cn_server.copy_from_slice(&plain[..KEY]);
        self.cookie.copy_from_slice(&plain[KEY..KEY + COOKIE_SIZE]);
        self.codec = Some(MessageCodec {
            precom: precompute(&self.cn_server, &self.cn_secret)?,
            send_prefix: MESSAGE_PREFIX_C,
            recv_prefix: MESSAGE_PREFIX_S,
            plain: None,
            nonce: 0,
            peer_nonce: 1,
        });
        self.state = ClientState::SendInitiate;
        Ok(())
    }

    fn produce_initiate(&mut self) -> Result<Vec<u8>, ProtocolError> {
        // vouch = Box[C' + S](C->S')
        let vouch_suffix = random::<16>()?;
        let mut vouch_plain = [0u8; 2 * KEY];
        vouch_plain[..KEY].copy_from_slice(&self.cn_public);
        vouch_plain[KEY..].copy_from_slice(&self.server);
        let vb = precompute(&self.cn_server, &self.secret)?;
        let mut plain = Vec::with_capacity(2 * KEY + 16 + TAG + self.properties.len() + KEY);
        plain.extend_from_slice(&self.public);
        plain.extend_from_slice(&vouch_suffix);
        seal(
            &vb,
            &nonce(VOUCH_PREFIX, &vouch_suffix),
            &vouch_plain,
            &mut plain,
        );
        plain.extend_from_slice(&self.properties);

        let n = self.next_nonce();
        let codec = self.codec.as_mut().ok_or_else(crypto_error)?;
        codec.nonce = self.nonce;
        let mut out = Vec::with_capacity(INITIATE_MIN + self.properties.len());
        out.extend_from_slice(b"\x08INITIATE");
        out.extend_from_slice(&self.cookie);
        out.extend_from_slice(&n.to_be_bytes());
        seal(
            &codec.precom,
            &nonce(INITIATE_PREFIX, &n.to_be_bytes()),
            &plain,
            &mut out,
        );
        wipe(&mut plain);
        self.state = ClientState::ExpectReady;
        Ok(out)
    }

    fn process_ready(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        if body.len() < READY_MIN {
            return Err(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY));
        }
        let codec = self.codec.as_mut().ok_or_else(crypto_error)?;
        let plain = open(
            &codec.precom,
            &nonce(READY_PREFIX, &body[6..14]),
            &body[14..],
        )?;
        let mut short = [0u8; 8];
        short.copy_from_slice(&body[6..14]);
        codec.peer_nonce = u64::from_be_bytes(short);
        self.peer = parse_peer_properties(&plain, self.local_type)?;
        self.state = ClientState::Connected;
        Ok(())
    }
}

/// An ERROR command's reason; errors when the command is malformed.
fn error_reason(data: &[u8]) -> Result<&[u8], ProtocolError> {
    let malformed = proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR);
    let (&len, rest) = data.split_first().ok_or(malformed.clone())?;
    rest.get(..usize::from(len)).ok_or(malformed)
}

impl Mechanism for CurveClient {
    fn name(&self) -> &'static [u8] {
        b"CURVE"
    }

    fn next_handshake_command(&mut self) -> Result<Option<Vec<u8>>, ProtocolError> {
        if let Some(e) = self.init_error.take() {
            return Err(e);
        }
        match self.state {
            ClientState::SendHello => {
                let h = self.produce_hello()?;
                self.state = ClientState::ExpectWelcome;
                Ok(Some(h))
            }
            ClientState::SendInitiate => self.produce_initiate().map(Some),
            _ => Ok(None),
        }
    }

    fn process_handshake_command(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        let unexpected = proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND);
        match command::split(body) {
            Some((b"WELCOME", _)) if self.state == ClientState::ExpectWelcome => {
                self.process_welcome(body)
            }
            Some((READY, _)) if self.state == ClientState::ExpectReady => self.process_ready(body),
            Some((ERROR, data))
                if matches!(
                    self.state,
                    ClientState::ExpectWelcome | ClientState::ExpectReady
                ) =>
            {
                let reason = error_reason(data)?;
                self.state = ClientState::ErrorReceived;
                Err(ProtocolError::PeerError(reason.to_vec()))
            }
            _ => Err(unexpected),
        }
    }

    fn status(&self) -> Status {
        match self.state {
            ClientState::Connected => Status::Ready,
            ClientState::ErrorReceived => Status::Error,
            _ => Status::Handshaking,
        }
    }

    fn peer_properties(&self) -> &[(Vec<u8>, Vec<u8>)] {
        &self.peer.props
    }

    fn peer_routing_id(&self) -> Option<&[u8]> {
        self.peer.routing_id.as_deref()
    }

    fn transforms_messages(&self) -> bool {
        true
    }

    fn encode_into(&mut self, msg: &Msg, out: &mut Encoder) -> Result<(), ProtocolError> {
        match (&mut self.codec, self.state) {
            (Some(codec), ClientState::Connected) => codec.encode_into(msg, out),
            _ => Err(ProtocolError::NotReady),
        }
    }

    fn decode(&mut self, msg: Msg) -> Result<Msg, ProtocolError> {
        match (&mut self.codec, self.state) {
            (Some(codec), ClientState::Connected) => codec.decode(msg),
            _ => Err(ProtocolError::NotReady),
        }
    }
}

impl Drop for CurveClient {
    fn drop(&mut self) {
        wipe(&mut self.secret);
        wipe(&mut self.cn_secret);
    }
}

// ------------------------------------------------------------------ server

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ServerState {
    ExpectHello,
    SendWelcome,
    ExpectInitiate,
    WaitingForZap,
    SendReady,
    Ready,
    SendError(u16),
    ErrorSent(u16),
}

/// The CURVE server (ZMQ_CURVE_SERVER set).
pub struct CurveServer {
    local_type: i32,
    state: ServerState,
    secret: [u8; KEY],
    cn_public: [u8; KEY],
    cn_secret: [u8; KEY],
    cn_client: [u8; KEY],
    /// The client's long-term key, once INITIATE proved it.
    client_key: [u8; KEY],
    /// Box key C'/s (HELLO, WELCOME).
    hello_box: Option<SalsaBox>,
    /// This connection's cookie key (see the module comment).
    cookie_box: Option<SalsaBox>,
    properties: Vec<u8>,
    zap: ZapGate,
    codec: Option<MessageCodec>,
    peer: PeerProperties,
    init_error: Option<ProtocolError>,
}

impl CurveServer {
    /// A server with long-term secret key `secret`.
    /// ZAP is asked with the client's key once INITIATE proved it; with no
    /// handler bound the client is let in unless `zap` enforces the domain
    /// (libzmq's "Stonehouse" behaviour).
    pub fn new(config: &Config, secret: [u8; KEY], zap: ZapGate) -> Self {
        let mut properties = Vec::with_capacity(64);
        basic_properties(config, &mut properties);
        let (cn_public, cn_secret, init_error) = match random::<KEY>() {
            Ok(s) => (
                crate::util::curve_keys::public_key(&StaticSecret::from(s)),
                s,
                None,
            ),
            Err(e) => ([0; KEY], [0; KEY], Some(e)),
        };
        CurveServer {
            local_type: config.socket_type,
            state: ServerState::ExpectHello,
            secret,
            cn_public,
            cn_secret,
            cn_client: [0; KEY],
            client_key: [0; KEY],
            hello_box: None,
            cookie_box: None,
            properties,
            zap,
            codec: None,
            peer: PeerProperties::default(),
            init_error,
        }
    }

    /// The client's long-term public key (for ZAP), once INITIATE is in.
    pub fn client_key(&self) -> Option<&[u8; KEY]> {
        matches!(
            self.state,
            ServerState::WaitingForZap | ServerState::SendReady | ServerState::Ready
        )
        .then_some(&self.client_key)
    }

    fn process_hello(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        if !body.starts_with(b"\x05HELLO") {
            return Err(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
        }
        if body.len() != HELLO_SIZE || body[6] != 1 || body[7] != 0 {
            return Err(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO));
        }
        self.cn_client.copy_from_slice(&body[80..112]);
        let b = precompute(&self.cn_client, &self.secret)?;
        let plain = open(&b, &nonce(HELLO_PREFIX, &body[112..120]), &body[120..200])?;
        debug_assert_eq!(plain.len(), 64);
        self.hello_box = Some(b);
        self.state = ServerState::SendWelcome;
        Ok(())
    }

    fn produce_welcome(&mut self) -> Result<Vec<u8>, ProtocolError> {
        // cookie = Box[C' + s'](K), K fresh for this connection.
        let k = random::<KEY>()?;
        let kb = SalsaBox::new(&SecretKey::from(k).public_key(), &SecretKey::from(k));
        let cookie_suffix = random::<16>()?;
        let mut cookie_plain = [0u8; 2 * KEY];
        cookie_plain[..KEY].copy_from_slice(&self.cn_client);
        cookie_plain[KEY..].copy_from_slice(&self.cn_secret);
        let mut plain = Vec::with_capacity(KEY + COOKIE_SIZE);
        plain.extend_from_slice(&self.cn_public);
        plain.extend_from_slice(&cookie_suffix);
        seal(
            &kb,
            &nonce(COOKIE_PREFIX, &cookie_suffix),
            &cookie_plain,
            &mut plain,
        );
        wipe(&mut cookie_plain);
        self.cookie_box = Some(kb);

        let welcome_suffix = random::<16>()?;
        let b = self.hello_box.take().ok_or_else(crypto_error)?;
        let mut out = Vec::with_capacity(WELCOME_SIZE);
        out.extend_from_slice(b"\x07WELCOME");
        out.extend_from_slice(&welcome_suffix);
        seal(
            &b,
            &nonce(WELCOME_PREFIX, &welcome_suffix),
            &plain,
            &mut out,
        );
        debug_assert_eq!(out.len(), WELCOME_SIZE);
        self.state = ServerState::ExpectInitiate;
        Ok(out)
    }

    fn process_initiate(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        if !body.starts_with(b"\x08INITIATE") {
            return Err(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
        }
        if body.len() < INITIATE_MIN {
            return Err(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE));
        }
        // The cookie must open with this connection's key and hold C' + s'.
        let kb = self.cookie_box.take().ok_or_else(crypto_error)?;
        let mut cookie = open(&kb, &nonce(COOKIE_PREFIX, &body[9..25]), &body[25..105])?;
        let cookie_ok = cookie[..KEY] == self.cn_client && cookie[KEY..] == self.cn_secret;
        wipe(&mut cookie);
        if !cookie_ok {
            return Err(crypto_error());
        }

        let precom = precompute(&self.cn_client, &self.cn_secret)?;
        let mut short = [0u8; 8];
        short.copy_from_slice(&body[105..113]);
        let plain = open(&precom, &nonce(INITIATE_PREFIX, &short), &body[113..])?;
        // plain = C (32) | vouch nonce suffix (16) | vouch box (80) | metadata
        let mut client_key = [0u8; KEY];
        client_key.copy_from_slice(&plain[..KEY]);
        let vb = precompute(&client_key, &self.cn_secret)?;
        let vouch = open(&vb, &nonce(VOUCH_PREFIX, &plain[32..48]), &plain[48..128])?;
        if vouch[..KEY] != self.cn_client {
            return Err(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE));
        }
        self.client_key = client_key;
        self.peer = parse_peer_properties(&plain[128..], self.local_type)?;
        self.codec = Some(MessageCodec {
            precom,
            send_prefix: MESSAGE_PREFIX_S,
            recv_prefix: MESSAGE_PREFIX_C,
            nonce: 1,
            peer_nonce: u64::from_be_bytes(short),
            plain: None,
        });
        self.zap.ask(b"CURVE", vec![client_key.to_vec()]);
        self.state = ServerState::WaitingForZap;
        Ok(())
    }

    fn produce_ready(&mut self) -> Result<Vec<u8>, ProtocolError> {
        let codec = self.codec.as_mut().ok_or_else(crypto_error)?;
        let n = codec.nonce;
        codec.nonce += 1;
        let mut out = Vec::with_capacity(14 + TAG + self.properties.len());
        out.extend_from_slice(b"\x05READY");
        out.extend_from_slice(&n.to_be_bytes());
        seal(
            &codec.precom,
            &nonce(READY_PREFIX, &n.to_be_bytes()),
            &self.properties,
            &mut out,
        );
        self.state = ServerState::Ready;
        Ok(out)
    }
}

impl Mechanism for CurveServer {
    fn name(&self) -> &'static [u8] {
        b"CURVE"
    }

    fn next_handshake_command(&mut self) -> Result<Option<Vec<u8>>, ProtocolError> {
        if let Some(e) = self.init_error.take() {
            return Err(e);
        }
        match self.state {
            ServerState::SendWelcome => self.produce_welcome().map(Some),
            ServerState::SendReady => self.produce_ready().map(Some),
            ServerState::SendError(code) => {
                self.state = ServerState::ErrorSent(code);
                Ok(Some(zap::error_command(code)))
            }
            ServerState::ErrorSent(code) => Err(ProtocolError::ZapDenied(code)),
            _ => Ok(None),
        }
    }

    fn take_zap_request(&mut self) -> Option<ZapRequest> {
        self.zap.take_request()
    }

    fn zap_reply(&mut self, reply: Option<ZapReply>) -> Result<(), ProtocolError> {
        if self.state != ServerState::WaitingForZap {
            return Err(ProtocolError::UnexpectedCommand);
        }
        self.state = match self.zap.answer(reply, false)? {
            Verdict::Proceed => ServerState::SendReady,
            Verdict::SendError(code) => ServerState::SendError(code),
        };
        Ok(())
    }

    fn zap_properties(&self) -> &[(Vec<u8>, Vec<u8>)] {
        self.zap.properties()
    }

    fn process_handshake_command(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        // libzmq's check_basic_command_structure.
        if body.len() <= 1 || body.len() <= usize::from(body[0]) {
            return Err(proto(
                c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
            ));
        }
        match self.state {
            ServerState::ExpectHello => self.process_hello(body),
            ServerState::ExpectInitiate => self.process_initiate(body),
            _ => Err(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND)),
        }
    }

    fn status(&self) -> Status {
        match self.state {
            ServerState::Ready => Status::Ready,
            ServerState::ErrorSent(_) => Status::Error,
            _ => Status::Handshaking,
        }
    }

    fn peer_properties(&self) -> &[(Vec<u8>, Vec<u8>)] {
        &self.peer.props
    }

    fn peer_routing_id(&self) -> Option<&[u8]> {
        self.peer.routing_id.as_deref()
    }

    fn transforms_messages(&self) -> bool {
        true
    }

    fn encode_into(&mut self, msg: &Msg, out: &mut Encoder) -> Result<(), ProtocolError> {
        match (&mut self.codec, self.state) {
            (Some(codec), ServerState::Ready) => codec.encode_into(msg, out),
            _ => Err(ProtocolError::NotReady),
        }
    }

    fn decode(&mut self, msg: Msg) -> Result<Msg, ProtocolError> {
        match (&mut self.codec, self.state) {
            (Some(codec), ServerState::Ready) => codec.decode(msg),
            _ => Err(ProtocolError::NotReady),
        }
    }
}

impl Drop for CurveServer {
    fn drop(&mut self) {
        wipe(&mut self.secret);
        wipe(&mut self.cn_secret);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zmtp::harness::take_output;
    use crate::zmtp::{Connection, Event};
    use std::io::IoSlice;

    struct Keys {
        public: [u8; KEY],
        secret: [u8; KEY],
    }

    fn keys(seed: u8) -> Keys {
        let secret = [seed; KEY];
        Keys {
            public: crate::util::curve_keys::public_key(&StaticSecret::from(secret)),
            secret,
        }
    }

    fn cfg(t: i32) -> Config {
        Config {
            socket_type: t,
            routing_id: b"rid".to_vec(),
            metadata: vec![("X-Hello".into(), b"world".to_vec())],
            ..Config::default()
        }
    }

    fn client(server_public: [u8; KEY]) -> Connection {
        let k = keys(7);
        let config = cfg(c::ZMQ_DEALER);
        let m = CurveClient::new(&config, k.public, k.secret, server_public);
        Connection::with_mechanism(config, Box::new(m))
    }

    fn server() -> Connection {
        let config = Config {
            as_server: true,
            ..cfg(c::ZMQ_ROUTER)
        };
        let m = CurveServer::new(&config, keys(9).secret, ZapGate::new(false));
        Connection::with_mechanism(config, Box::new(m))
    }

    fn feed(conn: &mut Connection, mut bytes: &[u8]) -> Result<(), ProtocolError> {
        while !bytes.is_empty() {
            let b = conn.read_buf();
            let n = b.len().min(bytes.len()).min(777);
            b[..n].copy_from_slice(&bytes[..n]);
            conn.commit_read(n, 0)?;
            bytes = &bytes[n..];
        }
        Ok(())
    }

    /// Move bytes both ways until nothing moves; the first error wins. No
    /// ZAP handler is bound.
    fn pump(a: &mut Connection, b: &mut Connection) -> Result<(), ProtocolError> {
        pump_with(a, b, |_| None)
    }

    /// As `pump`, with `zap` answering the server's ZAP requests.
    fn pump_with(
        a: &mut Connection,
        b: &mut Connection,
        zap: impl Fn(&ZapRequest) -> Option<ZapReply>,
    ) -> Result<(), ProtocolError> {
        loop {
            if let Some(req) = b.take_zap_request() {
                b.zap_answer(Ok(zap(&req)), 0)?;
            }
            let ab = take_output(a);
            let ba = take_output(b);
            if ab.is_empty() && ba.is_empty() {
                return Ok(());
            }
            feed(b, &ab)?;
            feed(a, &ba)?;
        }
    }

    fn messages(conn: &mut Connection) -> Vec<Msg> {
        std::iter::from_fn(|| conn.next_event())
            .filter_map(|e| match e {
                Event::Message(m) => Some(m),
                Event::Ready { .. } => None,
            })
            .collect()
    }

    fn ready_pair() -> (Connection, Connection) {
        let mut a = client(keys(9).public);
        let mut b = server();
        pump(&mut a, &mut b).unwrap();
        assert!(a.is_ready() && b.is_ready());
        for conn in [&mut a, &mut b] {
            let Some(Event::Ready { peer, .. }) = conn.next_event() else {
                panic!("no Ready event");
            };
            assert_eq!(peer.get(b"X-Hello"), Some(&b"world"[..]));
        }
        (a, b)
    }

    #[test]
    fn handshake_sizes_and_properties() {
        let mut a = client(keys(9).public);
        let mut b = server();
        // Record both directions of the whole handshake.
        let (mut ab, mut ba) = (Vec::new(), Vec::new());
        loop {
            if let Some(req) = b.take_zap_request() {
                assert_eq!(req.credentials, vec![keys(7).public.to_vec()]);
                b.zap_answer(Ok(None), 0).unwrap();
            }
            let x = take_output(&mut a);
            let y = take_output(&mut b);
            if x.is_empty() && y.is_empty() {
                break;
            }
            feed(&mut b, &x).unwrap();
            feed(&mut a, &y).unwrap();
            ab.extend_from_slice(&x);
            ba.extend_from_slice(&y);
        }
        assert!(a.is_ready() && b.is_ready());
        // Client: greeting, HELLO (200, short frame), INITIATE (long frame).
        let hello = &ab[64..];
        assert_eq!(&hello[..10], b"\x04\xc8\x05HELLO\x01\x00");
        assert!(hello[10..82].iter().all(|&b| b == 0));
        assert_eq!(&hello[114..122], &1u64.to_be_bytes());
        let initiate = &ab[64 + 202..];
        assert_eq!(initiate[0], 0x06);
        assert_eq!(&initiate[9..18], b"\x08INITIATE");
        assert_eq!(&initiate[9 + 105..9 + 113], &2u64.to_be_bytes());
        assert_eq!(initiate.len(), 9 + INITIATE_MIN + 22 + 16 + 17); // + properties
                                                                     // Server: greeting, WELCOME (168), READY.
        assert_eq!(&ba[64..74], b"\x04\xa8\x07WELCOME");
        let ready = &ba[64 + 170..];
        assert_eq!(&ready[2..8], b"\x05READY");
        assert_eq!(&ready[8..16], &1u64.to_be_bytes());
        let Some(Event::Ready {
            peer,
            peer_routing_id,
        }) = b.next_event()
        else {
            panic!()
        };
        assert_eq!(peer.get(b"Socket-Type"), Some(&b"DEALER"[..]));
        assert_eq!(peer_routing_id.as_deref(), Some(&b"rid"[..]));
        let Some(Event::Ready { peer, .. }) = a.next_event() else {
            panic!()
        };
        assert_eq!(peer.get(b"Socket-Type"), Some(&b"ROUTER"[..]));
    }

    #[test]
    fn messages_round_trip() {
        let (mut a, mut b) = ready_pair();
        #[rustfmt::skip]
        let sizes = [0usize, 1, 29, 30, 31, 255, 256, 1000, 65_536, 1 << 20, 3];
        for (i, &s) in sizes.iter().enumerate() {
            let body: Vec<u8> = (0..s).map(|j| (j * 7 + i) as u8).collect();
            let mut m = Msg::from_slice(&body);
            m.set_more(i + 1 < sizes.len());
            a.send(m).unwrap();
            b.send(Msg::from_slice(&body)).unwrap();
        }
        pump(&mut a, &mut b).unwrap();
        let got = messages(&mut b);
        assert_eq!(got.len(), sizes.len());
        for (i, (m, &s)) in got.iter().zip(&sizes).enumerate() {
            let body: Vec<u8> = (0..s).map(|j| (j * 7 + i) as u8).collect();
            assert_eq!(m.data(), &body[..], "part {i}");
            assert_eq!(m.more(), i + 1 < sizes.len());
            assert!(!m.is_command());
        }
        let got = messages(&mut a);
        assert_eq!(got.len(), sizes.len());
        assert!(got.iter().all(|m| !m.more()));
    }

    #[test]
    fn message_frame_as_libzmq_sends_it() {
        let (mut a, mut b) = ready_pair();
        let mut m = Msg::from_slice(b"hi");
        m.set_more(true);
        a.send(m).unwrap();
        let out = take_output(&mut a);
        // Plain frame, flags 0, 33 + 2 bytes: "\x07MESSAGE", nonce 3.
        assert_eq!(&out[..2], &[0x00, 35]);
        assert_eq!(&out[2..10], b"\x07MESSAGE");
        assert_eq!(&out[10..18], &3u64.to_be_bytes());
        feed(&mut b, &out).unwrap();
        let got = messages(&mut b);
        assert_eq!(got[0].data(), b"hi");
        assert!(got[0].more());
        // The server's first MESSAGE nonce follows READY's (1).
        b.send(Msg::from_slice(b"x")).unwrap();
        let out = take_output(&mut b);
        assert_eq!(&out[10..18], &2u64.to_be_bytes());
        // A MESSAGE in a command frame (RFC 25's form) is accepted too.
        let mut cmd = out.clone();
        cmd[0] = 0x04;
        feed(&mut a, &cmd).unwrap();
        assert_eq!(messages(&mut a)[0].data(), b"x");
    }

    #[test]
    fn tampered_box_fails() {
        let (mut a, mut b) = ready_pair();
        a.send(Msg::from_slice(b"secret payload")).unwrap();
        let mut out = take_output(&mut a);
        let last = out.len() - 1;
        out[last] ^= 1;
        assert_eq!(
            feed(&mut b, &out),
            Err(ProtocolError::Mechanism(
                c::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
            ))
        );
    }

    #[test]
    fn replayed_nonce_fails() {
        let (mut a, mut b) = ready_pair();
        a.send(Msg::from_slice(b"once")).unwrap();
        let out = take_output(&mut a);
        feed(&mut b, &out).unwrap();
        assert_eq!(
            feed(&mut b, &out),
            Err(ProtocolError::Mechanism(
                c::ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE
            ))
        );
    }

    #[test]
    fn short_or_foreign_message_fails() {
        let (_, mut b) = ready_pair();
        assert_eq!(
            feed(&mut b, b"\x00\x05hello"),
            Err(ProtocolError::Mechanism(
                c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND
            ))
        );
        let (_, mut b) = ready_pair();
        assert_eq!(
            feed(&mut b, b"\x00\x0a\x07MESSAGE\x00\x09"),
            Err(ProtocolError::Mechanism(
                c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE
            ))
        );
    }

    #[test]
    fn wrong_server_key_is_refused() {
        let mut a = client(keys(10).public);
        let mut b = server();
        assert_eq!(
            pump(&mut a, &mut b),
            Err(ProtocolError::Mechanism(
                c::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
            ))
        );
        assert!(!a.is_ready() && !b.is_ready());
    }

    #[test]
    fn zap_is_asked_with_the_client_key() {
        let answer = |status| {
            move |req: &ZapRequest| {
                assert_eq!(req.mechanism, b"CURVE");
                assert_eq!(req.credentials, vec![keys(7).public.to_vec()]);
                Some(ZapReply {
                    status,
                    user_id: b"carol".to_vec(),
                    metadata: vec![(b"X-Hello".to_vec(), b"zap".to_vec())],
                })
            }
        };
        let (mut a, mut b) = (client(keys(9).public), server());
        pump_with(&mut a, &mut b, answer(200)).unwrap();
        assert!(a.is_ready() && b.is_ready());
        let peer = std::iter::from_fn(|| b.next_event())
            .find_map(|e| match e {
                Event::Ready { peer, .. } => Some(peer),
                Event::Message(_) => None,
            })
            .unwrap();
        assert_eq!(peer.get(b"User-Id"), Some(&b"carol"[..]));
        // The handler's value wins over the client's own X-Hello.
        assert_eq!(peer.get(b"X-Hello"), Some(&b"zap"[..]));

        // 400: ERROR "400" to the client, HANDSHAKE_FAILED_AUTH on both.
        let (mut a, mut b) = (client(keys(9).public), server());
        assert_eq!(
            pump_with(&mut a, &mut b, answer(400)),
            Err(ProtocolError::ZapDenied(400))
        );
        assert_eq!(
            feed(&mut a, &take_output(&mut b)),
            Err(ProtocolError::PeerError(b"400".to_vec()))
        );
        assert!(!a.is_ready() && !b.is_ready());

        // Enforced domain and no handler: refused, NO_DETAIL/EFAULT.
        let config = Config {
            as_server: true,
            ..cfg(c::ZMQ_ROUTER)
        };
        let m = CurveServer::new(&config, keys(9).secret, ZapGate::new(true));
        let mut b = Connection::with_mechanism(config, Box::new(m));
        let mut a = client(keys(9).public);
        let err = pump(&mut a, &mut b).unwrap_err();
        assert_eq!(err, ProtocolError::ZapUnavailable);
        assert_eq!(
            err.handshake_event(),
            Some((c::ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, libc::EFAULT as i64))
        );
    }

    #[test]
    fn low_order_keys_are_refused() {
        assert_eq!(precompute(&[0; KEY], &[5; KEY]).err(), Some(crypto_error()));
        let mut one = [0u8; KEY];
        one[0] = 1;
        assert!(precompute(&one, &[5; KEY]).is_err());
    }

    /// Drive a server mechanism by hand with hostile commands.
    #[test]
    fn hostile_handshake_commands() {
        let config = Config {
            as_server: true,
            ..cfg(c::ZMQ_ROUTER)
        };
        let new = || CurveServer::new(&config, keys(9).secret, ZapGate::new(false));
        let code = |m: &mut CurveServer, body: &[u8]| match m.process_handshake_command(body) {
            Err(ProtocolError::Mechanism(code)) => code,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            code(&mut new(), b"\x05HELL"),
            c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED
        );
        assert_eq!(
            code(&mut new(), b"\x05READY\x00"),
            c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND
        );
        assert_eq!(
            code(&mut new(), b"\x05HELLO\x01\x00"),
            c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO
        );
        let mut hello = vec![0u8; HELLO_SIZE];
        hello[..8].copy_from_slice(b"\x05HELLO\x02\x00");
        assert_eq!(
            code(&mut new(), &hello),
            c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO
        );
        hello[6] = 1;
        // C' all zeros: low-order, refused like libsodium does.
        assert_eq!(
            code(&mut new(), &hello),
            c::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
        );
        // A valid C' with a garbage box.
        hello[80..112].copy_from_slice(&keys(3).public);
        assert_eq!(
            code(&mut new(), &hello),
            c::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
        );

        // A good HELLO, then INITIATEs with a bad cookie / short body.
        let k = keys(7);
        let mut cl = CurveClient::new(&cfg(c::ZMQ_DEALER), k.public, k.secret, keys(9).public);
        let hello = cl.next_handshake_command().unwrap().unwrap();
        let mut s = new();
        s.process_handshake_command(&hello).unwrap();
        let welcome = s.next_handshake_command().unwrap().unwrap();
        cl.process_handshake_command(&welcome).unwrap();
        let initiate = cl.next_handshake_command().unwrap().unwrap();
        let mut bad_cookie = initiate.clone();
        bad_cookie[40] ^= 0x80;
        assert_eq!(
            code(&mut s, &bad_cookie),
            c::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
        );
        let mut s2 = new();
        s2.process_handshake_command(&hello).unwrap();
        s2.next_handshake_command().unwrap();
        assert_eq!(
            code(&mut s2, &initiate[..200]),
            c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE
        );
        // The cookie of another connection does not open here.
        assert_eq!(
            code(&mut s2, &initiate),
            c::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
        );
    }

    #[test]
    fn client_error_handling() {
        let k = keys(7);
        let new = || CurveClient::new(&cfg(c::ZMQ_DEALER), k.public, k.secret, keys(9).public);
        let mut cl = new();
        cl.next_handshake_command().unwrap();
        assert_eq!(
            cl.process_handshake_command(b"\x05ERROR\x03400"),
            Err(ProtocolError::PeerError(b"400".to_vec()))
        );
        assert_eq!(cl.status(), Status::Error);
        let mut cl = new();
        cl.next_handshake_command().unwrap();
        assert_eq!(
            cl.process_handshake_command(b"\x05ERROR\x09400"),
            Err(ProtocolError::Mechanism(
                c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR
            ))
        );
        let mut cl = new();
        cl.next_handshake_command().unwrap();
        assert_eq!(
            cl.process_handshake_command(b"\x07WELCOMEshort"),
            Err(crypto_error())
        );
        let mut cl = new();
        cl.next_handshake_command().unwrap();
        assert_eq!(
            cl.process_handshake_command(b"\x05READY0123456789012345678901234567890"),
            Err(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND))
        );
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 26's box: NaCl crypto_box, Poly1305 tag first, here built with
    /// the RustCrypto AEAD's one-shot API (which produces NaCl's layout).
    fn rfc_box(public: &[u8; KEY], secret: &[u8; KEY], n: &[u8; 24], plain: &[u8]) -> Vec<u8> {
        use crypto_box::aead::Aead;
        let b = SalsaBox::new(&PublicKey::from(*public), &SecretKey::from(*secret));
        b.encrypt(GenericArray::from_slice(n), plain).unwrap()
    }

    /// HELLO for fixed keys, against RFC 26's layout built independently
    /// and against a frozen vector (so a change of primitives or layout
    /// cannot pass unnoticed; interop checks libzmq accepts it).
    #[test]
    fn known_answer_hello() {
        let (server, transient) = (keys(9), keys(5));
        let k = keys(7);
        let mut cl = CurveClient::new(&cfg(c::ZMQ_DEALER), k.public, k.secret, server.public);
        cl.set_transient(transient.secret);
        let hello = cl.next_handshake_command().unwrap().unwrap();
        let mut want = b"\x05HELLO\x01\x00".to_vec();
        want.extend_from_slice(&[0; 72]);
        want.extend_from_slice(&transient.public);
        want.extend_from_slice(&1u64.to_be_bytes());
        let n = nonce(b"CurveZMQHELLO---", &1u64.to_be_bytes());
        want.extend(rfc_box(&server.public, &transient.secret, &n, &[0; 64]));
        assert_eq!(hello, want);
        assert_eq!(
            &hello[120..],
            &unhex(concat!(
                "85bd2811bc9a69beee665ed97a9ab87af00e1f8845fb7081e13268",
                "b960f1c2a226735c2521c1ef4f6ba4fbe7d71e835b10b6a9054b48",
                "7e9d564d71c70294f82e9f92a5b708ec45319feb18f9766e40fc"
            ))[..]
        );
    }

    /// A MESSAGE box for fixed short-term keys and nonce.
    #[test]
    fn known_answer_message() {
        let (a, b) = (keys(5), keys(6));
        let mut codec = MessageCodec {
            precom: precompute(&b.public, &a.secret).unwrap(),
            send_prefix: MESSAGE_PREFIX_C,
            recv_prefix: MESSAGE_PREFIX_S,
            nonce: 1,
            peer_nonce: 0,
            plain: None,
        };
        let mut m = Msg::from_slice(b"hello");
        m.set_flags(Msg::MORE);
        let mut enc = Encoder::new();
        codec.encode_into(&m, &mut enc).unwrap();
        let mut out = [IoSlice::new(&[]); 4];
        let k = enc.output(&mut out);
        let wire: Vec<u8> = out[..k].iter().flat_map(|s| s.iter().copied()).collect();
        let mut want = vec![0x00, 38];
        want.extend_from_slice(b"\x07MESSAGE");
        want.extend_from_slice(&1u64.to_be_bytes());
        let n = nonce(b"CurveZMQMESSAGEC", &1u64.to_be_bytes());
        want.extend(rfc_box(&b.public, &a.secret, &n, b"\x01hello"));
        assert_eq!(wire, want);
        assert_eq!(
            &wire[18..],
            &unhex("234d3c988f994ebba29dae8d72de21ec2e460247a952")[..]
        );
        // The peer's codec opens it, MORE restored.
        let mut peer = MessageCodec {
            precom: precompute(&a.public, &b.secret).unwrap(),
            send_prefix: MESSAGE_PREFIX_S,
            recv_prefix: MESSAGE_PREFIX_C,
            nonce: 1,
            peer_nonce: 0,
            plain: None,
        };
        let got = peer.decode(Msg::from_slice(&wire[2..])).unwrap();
        assert_eq!(got.data(), b"hello");
        assert!(got.more());
    }
}
