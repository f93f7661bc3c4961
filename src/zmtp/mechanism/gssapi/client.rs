//! The GSSAPI client: gss_init_sec_context steps carried in INITIATEs
//! until the context is established, then READY both ways.

use super::*;
use crate::util::gssapi::GssError;
use crate::zmtp::mechanism::{Mechanism, Status};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Our next gss_init_sec_context step is due.
    CallNextInit,
    RecvNextToken,
    RecvReady,
    SendReady,
    Connected,
    /// A GSS-API call failed: nothing more is sent, and the handshake
    /// timer ends the connection (as libzmq).
    Stalled,
}

/// The client side (ZMQ_GSSAPI_SERVICE_PRINCIPAL set, not a server).
pub struct GssapiClient {
    state: State,
    /// None when the credentials or the service name could not be had.
    ctx: Option<Box<dyn SecContext>>,
    token_in: Option<Vec<u8>>,
    protection: Protection,
    peer: PeerProperties,
}

impl GssapiClient {
    /// `ctx` is the initiator context (or why there is none); `encrypt` is
    /// !ZMQ_GSSAPI_PLAINTEXT.
    pub fn new(
        config: &Config,
        ctx: Result<Box<dyn SecContext>, GssError>,
        encrypt: bool,
    ) -> GssapiClient {
        GssapiClient {
            state: State::CallNextInit,
            ctx: ctx.ok(),
            token_in: None,
            protection: Protection::new(config, encrypt),
            peer: PeerProperties::default(),
        }
    }

    fn next_token(&mut self) -> Option<Vec<u8>> {
        let input = self.token_in.take();
        let step = match self.ctx.as_mut().map(|c| c.step(input.as_deref())) {
            Some(Ok(step)) => step,
            _ => {
                self.state = State::Stalled;
                return None;
            }
        };
        // No token: an empty command frame, as libzmq sends.
        let body = if step.token.is_empty() {
            Vec::new()
        } else {
            match framing::initiate(&step.token) {
                Ok(b) => b,
                Err(_) => {
                    self.state = State::Stalled;
                    return None;
                }
            }
        };
        self.state = if step.complete {
            State::RecvReady
        } else {
            State::RecvNextToken
        };
        Some(body)
    }
}

impl Mechanism for GssapiClient {
    fn name(&self) -> &'static [u8] {
        b"GSSAPI"
    }

    fn next_handshake_command(&mut self) -> Result<Option<Vec<u8>>, ProtocolError> {
        match self.state {
            State::CallNextInit => Ok(self.next_token()),
            State::SendReady => {
                let ctx = self.ctx.as_deref_mut().ok_or_else(crypto_error)?;
                let body = self.protection.ready(ctx)?;
                self.state = State::Connected;
                Ok(Some(body))
            }
            _ => Ok(None),
        }
    }

    fn process_handshake_command(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        match self.state {
            State::RecvReady => {
                let ctx = self.ctx.as_deref_mut().ok_or_else(crypto_error)?;
                self.peer = self.protection.process_ready(ctx, body)?;
                self.state = State::SendReady;
                Ok(())
            }
            State::RecvNextToken => {
                self.token_in = Some(framing::parse_initiate(body)?.to_vec());
                self.state = State::CallNextInit;
                Ok(())
            }
            _ => Err(ProtocolError::Mechanism(
                c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
            )),
        }
    }

    fn status(&self) -> Status {
        if self.state == State::Connected {
            Status::Ready
        } else {
            Status::Handshaking
        }
    }

    fn peer_properties(&self) -> &[(Vec<u8>, Vec<u8>)] {
        &self.peer.props
    }

    fn peer_routing_id(&self) -> Option<&[u8]> {
        self.peer.routing_id.as_deref()
    }

    fn transforms_messages(&self) -> bool {
        self.protection.encrypt
    }

    fn encode_into(&mut self, msg: &Msg, out: &mut Encoder) -> Result<(), ProtocolError> {
        match (self.ctx.as_deref_mut(), self.state) {
            (Some(ctx), State::Connected) => self.protection.encode_into(ctx, msg, out),
            _ => Err(ProtocolError::NotReady),
        }
    }

    fn decode(&mut self, msg: Msg) -> Result<Msg, ProtocolError> {
        match (self.ctx.as_deref_mut(), self.state) {
            (Some(ctx), State::Connected) => self.protection.decode(ctx, msg),
            _ => Err(ProtocolError::NotReady),
        }
    }
}
