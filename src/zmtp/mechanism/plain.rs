//! The PLAIN mechanism (RFC 24, as libzmq 4.3 implements it).
//!
//! ```text
//! C -> S  HELLO     username-len(1) username password-len(1) password
//! S -> C  WELCOME   (empty)
//! C -> S  INITIATE  properties
//! S -> C  READY     properties        (or ERROR status-code)
//! ```
//!
//! The server hands the credentials to a ZAP handler (RFC 27) and waits
//! for its answer before WELCOME. libzmq's PLAIN server has no mode without
//! one: with no handler bound to `inproc://zeromq.zap.01` the handshake
//! fails at HELLO (HANDSHAKE_FAILED_NO_DETAIL, EFAULT).

use super::{basic_properties, parse_peer_properties, Mechanism, PeerProperties, Status};
use crate::constants as c;
use crate::zmtp::command::{self, ERROR, READY};
use crate::zmtp::zap::{self, Verdict, ZapGate, ZapReply, ZapRequest};
use crate::zmtp::{Config, ProtocolError};

const HELLO: &[u8] = b"HELLO";
const WELCOME: &[u8] = b"WELCOME";
const INITIATE: &[u8] = b"INITIATE";

fn proto(code: i32) -> ProtocolError {
    ProtocolError::Mechanism(code)
}

fn unexpected() -> ProtocolError {
    proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND)
}

// ------------------------------------------------------------------ client

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClientState {
    SendHello,
    ExpectWelcome,
    SendInitiate,
    ExpectReady,
    Ready,
    ErrorReceived,
}

/// The PLAIN client (ZMQ_PLAIN_USERNAME / ZMQ_PLAIN_PASSWORD set).
pub struct PlainClient {
    local_type: i32,
    state: ClientState,
    username: Vec<u8>,
    password: Vec<u8>,
    properties: Vec<u8>,
    peer: PeerProperties,
}

impl PlainClient {
    /// Credentials longer than 255 bytes are cut (the options refuse them).
    pub fn new(config: &Config, username: &[u8], password: &[u8]) -> Self {
        let mut properties = Vec::with_capacity(64 + config.routing_id.len());
        basic_properties(config, &mut properties);
        PlainClient {
            local_type: config.socket_type,
            state: ClientState::SendHello,
            username: username[..username.len().min(255)].to_vec(),
            password: password[..password.len().min(255)].to_vec(),
            properties,
            peer: PeerProperties::default(),
        }
    }
}

/// An ERROR command's reason, as libzmq checks it.
fn error_reason(data: &[u8]) -> Result<&[u8], ProtocolError> {
    let malformed = proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR);
    let (&len, rest) = data.split_first().ok_or(malformed.clone())?;
    rest.get(..usize::from(len)).ok_or(malformed)
}

impl Mechanism for PlainClient {
    fn name(&self) -> &'static [u8] {
        b"PLAIN"
    }

    fn next_handshake_command(&mut self) -> Result<Option<Vec<u8>>, ProtocolError> {
        match self.state {
            ClientState::SendHello => {
                let mut b = Vec::with_capacity(8 + self.username.len() + self.password.len());
                command::put_name(&mut b, HELLO);
                b.push(self.username.len() as u8);
                b.extend_from_slice(&self.username);
                b.push(self.password.len() as u8);
                b.extend_from_slice(&self.password);
                self.state = ClientState::ExpectWelcome;
                Ok(Some(b))
            }
            ClientState::SendInitiate => {
                let mut b = Vec::with_capacity(9 + self.properties.len());
                command::put_name(&mut b, INITIATE);
                b.extend_from_slice(&self.properties);
                self.state = ClientState::ExpectReady;
                Ok(Some(b))
            }
            _ => Ok(None),
        }
    }

    fn process_handshake_command(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        match command::split(body) {
            Some((WELCOME, data)) => {
                if self.state != ClientState::ExpectWelcome {
                    return Err(unexpected());
                }
                if !data.is_empty() {
                    return Err(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME));
                }
                self.state = ClientState::SendInitiate;
                Ok(())
            }
            Some((READY, data)) => {
                if self.state != ClientState::ExpectReady {
                    return Err(unexpected());
                }
                self.peer = parse_peer_properties(data, self.local_type)?;
                self.state = ClientState::Ready;
                Ok(())
            }
            Some((ERROR, data)) => {
                if !matches!(
                    self.state,
                    ClientState::ExpectWelcome | ClientState::ExpectReady
                ) {
                    return Err(unexpected());
                }
                let reason = error_reason(data)?;
                self.state = ClientState::ErrorReceived;
                Err(ProtocolError::PeerError(reason.to_vec()))
            }
            _ => Err(unexpected()),
        }
    }

    fn status(&self) -> Status {
        match self.state {
            ClientState::Ready => Status::Ready,
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
}

// ------------------------------------------------------------------ server

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ServerState {
    ExpectHello,
    WaitingForZap,
    SendWelcome,
    ExpectInitiate,
    SendReady,
    Ready,
    SendError(u16),
    ErrorSent(u16),
}

/// The PLAIN server (ZMQ_PLAIN_SERVER set). libzmq's PLAIN server always
/// asks ZAP: with no handler bound every HELLO fails.
pub struct PlainServer {
    local_type: i32,
    state: ServerState,
    zap: ZapGate,
    username: Vec<u8>,
    password: Vec<u8>,
    properties: Vec<u8>,
    peer: PeerProperties,
}

impl PlainServer {
    pub fn new(config: &Config, zap: ZapGate) -> Self {
        let mut properties = Vec::with_capacity(64);
        basic_properties(config, &mut properties);
        PlainServer {
            local_type: config.socket_type,
            state: ServerState::ExpectHello,
            zap,
            username: Vec::new(),
            password: Vec::new(),
            properties,
            peer: PeerProperties::default(),
        }
    }

    /// The credentials from HELLO (for the ZAP request).
    pub fn credentials(&self) -> (&[u8], &[u8]) {
        (&self.username, &self.password)
    }

    fn process_hello(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        let Some((HELLO, data)) = command::split(body) else {
            return Err(unexpected());
        };
        let malformed = proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO);
        let (&ulen, rest) = data.split_first().ok_or(malformed.clone())?;
        let ulen = usize::from(ulen);
        if rest.len() < ulen {
            return Err(malformed);
        }
        let (user, rest) = rest.split_at(ulen);
        let (&plen, pass) = rest.split_first().ok_or(malformed.clone())?;
        if pass.len() != usize::from(plen) {
            return Err(malformed);
        }
        self.username = user.to_vec();
        self.password = pass.to_vec();
        self.zap
            .ask(b"PLAIN", vec![self.username.clone(), self.password.clone()]);
        self.state = ServerState::WaitingForZap;
        Ok(())
    }
}

impl Mechanism for PlainServer {
    fn name(&self) -> &'static [u8] {
        b"PLAIN"
    }

    fn next_handshake_command(&mut self) -> Result<Option<Vec<u8>>, ProtocolError> {
        let mut b = Vec::new();
        match self.state {
            ServerState::SendWelcome => {
                command::put_name(&mut b, WELCOME);
                self.state = ServerState::ExpectInitiate;
            }
            ServerState::SendReady => {
                b.reserve(6 + self.properties.len());
                command::put_name(&mut b, READY);
                b.extend_from_slice(&self.properties);
                self.state = ServerState::Ready;
            }
            ServerState::SendError(code) => {
                self.state = ServerState::ErrorSent(code);
                return Ok(Some(zap::error_command(code)));
            }
            ServerState::ErrorSent(code) => return Err(ProtocolError::ZapDenied(code)),
            _ => return Ok(None),
        }
        Ok(Some(b))
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
            ServerState::ExpectInitiate => {
                let Some((INITIATE, data)) = command::split(body) else {
                    return Err(unexpected());
                };
                self.peer = parse_peer_properties(data, self.local_type)?;
                self.state = ServerState::SendReady;
                Ok(())
            }
            _ => Err(unexpected()),
        }
    }

    fn take_zap_request(&mut self) -> Option<ZapRequest> {
        self.zap.take_request()
    }

    fn zap_reply(&mut self, reply: Option<ZapReply>) -> Result<(), ProtocolError> {
        if self.state != ServerState::WaitingForZap {
            return Err(ProtocolError::UnexpectedCommand);
        }
        self.state = match self.zap.answer(reply, true)? {
            Verdict::Proceed => ServerState::SendWelcome,
            Verdict::SendError(code) => ServerState::SendError(code),
        };
        Ok(())
    }

    fn zap_properties(&self) -> &[(Vec<u8>, Vec<u8>)] {
        self.zap.properties()
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(t: i32) -> Config {
        Config {
            socket_type: t,
            routing_id: b"me".to_vec(),
            ..Config::default()
        }
    }

    fn reply(status: u16) -> Option<ZapReply> {
        Some(ZapReply {
            status,
            user_id: b"admin".to_vec(),
            metadata: vec![],
        })
    }

    fn server(answer: Option<ZapReply>) -> (PlainServer, Option<ZapReply>) {
        (
            PlainServer::new(&cfg(c::ZMQ_ROUTER), ZapGate::new(false)),
            answer,
        )
    }

    /// Run client and server mechanisms against each other; the server's
    /// ZAP request gets `sv.1` as its answer.
    fn run(
        cl: &mut PlainClient,
        sv: &mut (PlainServer, Option<ZapReply>),
    ) -> Result<(), ProtocolError> {
        let (sv, answer) = (&mut sv.0, &mut sv.1);
        loop {
            let mut moved = false;
            if let Some(req) = sv.take_zap_request() {
                assert_eq!(req.mechanism, b"PLAIN");
                sv.zap_reply(answer.take())?;
                moved = true;
            }
            while let Some(b) = cl.next_handshake_command()? {
                sv.process_handshake_command(&b)?;
                moved = true;
            }
            while let Some(b) = sv.next_handshake_command()? {
                cl.process_handshake_command(&b)?;
                moved = true;
            }
            if !moved {
                return Ok(());
            }
        }
    }

    #[test]
    fn hello_bytes_and_full_handshake() {
        let mut cl = PlainClient::new(&cfg(c::ZMQ_DEALER), b"admin", b"secret");
        assert_eq!(
            cl.next_handshake_command().unwrap().unwrap(),
            b"\x05HELLO\x05admin\x06secret"
        );
        let mut cl = PlainClient::new(&cfg(c::ZMQ_DEALER), b"admin", b"secret");
        let mut sv = server(reply(200));
        run(&mut cl, &mut sv).unwrap();
        let sv = sv.0;
        assert_eq!(cl.status(), Status::Ready);
        assert_eq!(sv.status(), Status::Ready);
        assert_eq!(sv.credentials(), (&b"admin"[..], &b"secret"[..]));
        assert_eq!(sv.peer_routing_id(), Some(&b"me"[..]));
        assert_eq!(
            sv.zap_properties()[0],
            (b"User-Id".to_vec(), b"admin".to_vec())
        );
        assert_eq!(cl.peer_properties()[0].1, b"ROUTER");
    }

    #[test]
    fn empty_credentials() {
        let mut cl = PlainClient::new(&cfg(c::ZMQ_PUSH), b"", b"");
        assert_eq!(
            cl.next_handshake_command().unwrap().unwrap(),
            b"\x05HELLO\x00\x00"
        );
    }

    #[test]
    fn without_zap_the_server_fails_at_hello() {
        let mut cl = PlainClient::new(&cfg(c::ZMQ_DEALER), b"u", b"p");
        let mut sv = server(None);
        assert_eq!(run(&mut cl, &mut sv), Err(ProtocolError::ZapUnavailable));
        assert_eq!(sv.0.status(), Status::Handshaking);
    }

    #[test]
    fn zap_denial_sends_error() {
        let mut cl = PlainClient::new(&cfg(c::ZMQ_DEALER), b"u", b"p");
        let mut sv = server(reply(400));
        assert_eq!(
            run(&mut cl, &mut sv),
            Err(ProtocolError::PeerError(b"400".to_vec()))
        );
        assert_eq!(sv.0.status(), Status::Error);
        assert_eq!(
            sv.0.next_handshake_command(),
            Err(ProtocolError::ZapDenied(400))
        );
        assert_eq!(cl.status(), Status::Error);
        assert!(sv.0.zap_properties().is_empty());
    }

    #[test]
    fn zap_300_closes_without_error_command() {
        let mut cl = PlainClient::new(&cfg(c::ZMQ_DEALER), b"u", b"p");
        let mut sv = server(reply(300));
        assert_eq!(run(&mut cl, &mut sv), Err(ProtocolError::ZapDenied(300)));
        assert_eq!(cl.status(), Status::Handshaking);
    }

    #[test]
    fn waiting_for_zap_sends_nothing_and_refuses_commands() {
        let mut sv = PlainServer::new(&cfg(c::ZMQ_ROUTER), ZapGate::new(false));
        sv.process_handshake_command(b"\x05HELLO\x01u\x01p")
            .unwrap();
        assert_eq!(sv.next_handshake_command(), Ok(None));
        assert_eq!(
            sv.process_handshake_command(b"\x08INITIATE"),
            Err(unexpected())
        );
        let req = sv.take_zap_request().unwrap();
        assert_eq!(req.credentials, vec![b"u".to_vec(), b"p".to_vec()]);
        assert_eq!(sv.take_zap_request(), None);
        sv.zap_reply(reply(200)).unwrap();
        assert_eq!(
            sv.next_handshake_command(),
            Ok(Some(b"\x07WELCOME".to_vec()))
        );
        assert_eq!(
            sv.zap_reply(reply(200)),
            Err(ProtocolError::UnexpectedCommand)
        );
    }

    #[test]
    fn malformed_hellos() {
        let code = |body: &[u8]| {
            let mut sv = PlainServer::new(&cfg(c::ZMQ_ROUTER), ZapGate::new(false));
            match sv.process_handshake_command(body) {
                Err(ProtocolError::Mechanism(code)) => code,
                other => panic!("{other:?}"),
            }
        };
        let hello = c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO;
        assert_eq!(
            code(b"\x05HELL"),
            c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED
        );
        assert_eq!(code(b"\x05HELLO"), hello);
        assert_eq!(code(b"\x05HELLO\x03ab"), hello);
        assert_eq!(code(b"\x05HELLO\x02ab"), hello);
        assert_eq!(code(b"\x05HELLO\x02ab\x02p"), hello);
        assert_eq!(code(b"\x05HELLO\x02ab\x01pq"), hello);
        assert_eq!(
            code(b"\x05READY\x00"),
            c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND
        );
    }

    #[test]
    fn client_checks() {
        let new = || {
            let mut cl = PlainClient::new(&cfg(c::ZMQ_DEALER), b"u", b"p");
            cl.next_handshake_command().unwrap();
            cl
        };
        assert_eq!(
            new().process_handshake_command(b"\x07WELCOMEx"),
            Err(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME))
        );
        assert_eq!(
            new().process_handshake_command(b"\x05READY"),
            Err(unexpected())
        );
        assert_eq!(
            new().process_handshake_command(b"\x05ERROR\x03300"),
            Err(ProtocolError::PeerError(b"300".to_vec()))
        );
        assert_eq!(
            new().process_handshake_command(b"\x05ERROR\x04300"),
            Err(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR))
        );
        let mut cl = new();
        cl.process_handshake_command(b"\x07WELCOME").unwrap();
        cl.next_handshake_command().unwrap();
        assert_eq!(
            cl.process_handshake_command(b"\x05READY\x0bSocket-Type\x00\x00\x00\x03PUB"),
            Err(ProtocolError::IncompatibleSocketType)
        );
    }
}
