//! The CURVE client's handshake: HELLO, WELCOME, INITIATE (with the vouch),
//! READY, then MESSAGEs through the shared codec.

use super::crypto::*;
use super::*;

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
    hello_box: Option<SecretBox>,
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
    pub(super) fn set_transient(&mut self, secret: [u8; KEY]) {
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
        self.codec = Some(MessageCodec::new(
            precompute(&self.cn_server, &self.cn_secret)?,
            MESSAGE_PREFIX_C,
            MESSAGE_PREFIX_S,
            0,
            1,
        ));
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
