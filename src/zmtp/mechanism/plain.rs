//! The PLAIN mechanism (RFC 24, as libzmq 4.3 implements it).
//!
//! ```text
//! C -> S  HELLO     username-len(1) username password-len(1) password
//! S -> C  WELCOME   (empty)
//! C -> S  INITIATE  properties
//! S -> C  READY     properties        (or ERROR status-code)
//! ```
//!
//! The server hands the credentials to a ZAP handler (RFC 27). libzmq's
//! PLAIN server has no mode without one: with no handler bound to
//! `inproc://zeromq.zap.01` the handshake fails at HELLO. ZAP is not wired
//! into the sessions yet, so [`PlainServer`] is built with the answer the
//! handler would have given, [`ZapVerdict`]; the session passes
//! `Unavailable`, which is exactly libzmq's behaviour without a handler.

use super::{basic_properties, parse_peer_properties, Mechanism, PeerProperties, Status};
use crate::constants as c;
use crate::zmtp::command::{self, ERROR, READY};
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

/// What the ZAP handler says about a client's credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZapVerdict {
    /// No handler is bound: libzmq fails the handshake at HELLO.
    Unavailable,
    /// Status 200: accepted.
    Allow,
    /// Status 300/400/500: refused with an ERROR carrying the status code
    /// (libzmq sends no ERROR for 300, and just closes).
    Deny(u16),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ServerState {
    ExpectHello,
    SendWelcome,
    ExpectInitiate,
    SendReady,
    Ready,
    SendError,
    ErrorSent,
}

/// The PLAIN server (ZMQ_PLAIN_SERVER set).
pub struct PlainServer {
    local_type: i32,
    state: ServerState,
    zap: ZapVerdict,
    username: Vec<u8>,
    password: Vec<u8>,
    properties: Vec<u8>,
    peer: PeerProperties,
}

impl PlainServer {
    pub fn new(config: &Config, zap: ZapVerdict) -> Self {
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
        match self.zap {
            ZapVerdict::Unavailable => Err(proto(c::ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED)),
            ZapVerdict::Allow => {
                self.state = ServerState::SendWelcome;
                Ok(())
            }
            ZapVerdict::Deny(300) => Err(ProtocolError::PeerError(b"300".to_vec())),
            ZapVerdict::Deny(_) => {
                self.state = ServerState::SendError;
                Ok(())
            }
        }
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
            ServerState::SendError => {
                let code = match &self.zap {
                    ZapVerdict::Deny(code) => code.to_string(),
                    _ => "500".to_string(),
                };
                command::put_name(&mut b, ERROR);
                b.push(code.len() as u8);
                b.extend_from_slice(code.as_bytes());
                self.state = ServerState::ErrorSent;
            }
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

    fn status(&self) -> Status {
        match self.state {
            ServerState::Ready => Status::Ready,
            ServerState::ErrorSent => Status::Error,
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

    /// Run client and server mechanisms against each other.
    fn run(cl: &mut PlainClient, sv: &mut PlainServer) -> Result<(), ProtocolError> {
        loop {
            let mut moved = false;
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
        let mut sv = PlainServer::new(&cfg(c::ZMQ_ROUTER), ZapVerdict::Allow);
        run(&mut cl, &mut sv).unwrap();
        assert_eq!(cl.status(), Status::Ready);
        assert_eq!(sv.status(), Status::Ready);
        assert_eq!(sv.credentials(), (&b"admin"[..], &b"secret"[..]));
        assert_eq!(sv.peer_routing_id(), Some(&b"me"[..]));
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
        let mut sv = PlainServer::new(&cfg(c::ZMQ_ROUTER), ZapVerdict::Unavailable);
        assert!(run(&mut cl, &mut sv).is_err());
        assert_eq!(sv.status(), Status::Handshaking);
    }

    #[test]
    fn zap_denial_sends_error() {
        let mut cl = PlainClient::new(&cfg(c::ZMQ_DEALER), b"u", b"p");
        let mut sv = PlainServer::new(&cfg(c::ZMQ_ROUTER), ZapVerdict::Deny(400));
        assert_eq!(
            run(&mut cl, &mut sv),
            Err(ProtocolError::PeerError(b"400".to_vec()))
        );
        assert_eq!(sv.status(), Status::Error);
        assert_eq!(cl.status(), Status::Error);
    }

    #[test]
    fn malformed_hellos() {
        let code = |body: &[u8]| {
            let mut sv = PlainServer::new(&cfg(c::ZMQ_ROUTER), ZapVerdict::Allow);
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
