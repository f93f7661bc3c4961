//! The CURVE server's handshake: HELLO, WELCOME with its cookie, INITIATE
//! (checking the vouch and, through ZAP, the client's key), READY or ERROR,
//! then MESSAGEs through the shared codec.

use super::crypto::*;
use super::*;

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
    hello_box: Option<SecretBox>,
    /// This connection's cookie key (see the module comment).
    cookie_box: Option<SecretBox>,
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
        let mut k = random::<KEY>()?;
        let kb = SecretBox::new(&k);
        wipe(&mut k);
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
        self.codec = Some(MessageCodec::new(
            precom,
            MESSAGE_PREFIX_S,
            MESSAGE_PREFIX_C,
            1,
            u64::from_be_bytes(short),
        ));
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
