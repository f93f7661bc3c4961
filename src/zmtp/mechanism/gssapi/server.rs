//! The GSSAPI server: gss_accept_sec_context on each INITIATE until the
//! context is established, ZAP on the client's next command, then READY
//! both ways.

use super::*;
use crate::util::gssapi::{GssError, Step};
use crate::zmtp::mechanism::{Mechanism, Status};
use crate::zmtp::zap::{Verdict, ZapGate, ZapReply, ZapRequest};

#[derive(Debug, PartialEq, Eq)]
enum State {
    RecvNextToken,
    /// The result of accepting the client's last token, to send.
    SendNextToken(Result<Step, GssError>),
    WaitingForZap,
    SendReady,
    RecvReady,
    Connected,
    /// A GSS-API call failed: nothing more is sent, and the handshake
    /// timer ends the connection (as libzmq).
    Stalled,
}

/// The server side (ZMQ_GSSAPI_SERVER).
pub struct GssapiServer {
    state: State,
    /// None when ZMQ_GSSAPI_PRINCIPAL's credentials could not be had.
    ctx: Option<Box<dyn SecContext>>,
    /// gss_accept_sec_context said GSS_S_COMPLETE.
    established: bool,
    zap: ZapGate,
    protection: Protection,
    peer: PeerProperties,
}

impl GssapiServer {
    /// `ctx` is the acceptor context (or why there is none). libzmq asks
    /// ZAP without ever requiring a handler, so `zap` should not enforce.
    pub fn new(
        config: &Config,
        ctx: Result<Box<dyn SecContext>, GssError>,
        encrypt: bool,
        zap: ZapGate,
    ) -> GssapiServer {
        GssapiServer {
            state: State::RecvNextToken,
            ctx: ctx.ok(),
            established: false,
            zap,
            protection: Protection::new(config, encrypt),
            peer: PeerProperties::default(),
        }
    }

    fn accept(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        let Some(ctx) = self.ctx.as_deref_mut() else {
            // No credentials: libzmq's accept fails, and it stalls.
            self.state = State::Stalled;
            return Ok(());
        };
        let token = framing::parse_initiate(body)?;
        self.state = State::SendNextToken(ctx.step(Some(token)));
        Ok(())
    }
}

impl Mechanism for GssapiServer {
    fn name(&self) -> &'static [u8] {
        b"GSSAPI"
    }

    fn next_handshake_command(&mut self) -> Result<Option<Vec<u8>>, ProtocolError> {
        match std::mem::replace(&mut self.state, State::Stalled) {
            State::SendNextToken(Ok(step)) => {
                let body = if step.token.is_empty() {
                    Vec::new()
                } else {
                    match framing::initiate(&step.token) {
                        Ok(b) => b,
                        Err(_) => return Ok(None),
                    }
                };
                self.established = step.complete;
                self.state = State::RecvNextToken;
                Ok(Some(body))
            }
            State::SendNextToken(Err(_)) => Ok(None),
            State::SendReady => {
                let ctx = self.ctx.as_deref_mut().ok_or_else(crypto_error)?;
                let body = self.protection.ready(ctx)?;
                self.state = State::RecvReady;
                Ok(Some(body))
            }
            other => {
                self.state = other;
                Ok(None)
            }
        }
    }

    fn process_handshake_command(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        match self.state {
            State::RecvReady => {
                let ctx = self.ctx.as_deref_mut().ok_or_else(crypto_error)?;
                self.peer = self.protection.process_ready(ctx, body)?;
                self.state = State::Connected;
                Ok(())
            }
            // The client's command after the context is established: its
            // content does not matter (libzmq's client sends an empty one).
            State::RecvNextToken if self.established => {
                // libzmq puts whatever gss_display_name gives (nothing on
                // failure) in the request.
                let ctx = self.ctx.as_deref_mut().ok_or_else(crypto_error)?;
                let principal = ctx.peer_principal().unwrap_or_default();
                self.zap.ask(b"GSSAPI", vec![principal]);
                self.state = State::WaitingForZap;
                Ok(())
            }
            State::RecvNextToken => self.accept(body),
            _ => Err(ProtocolError::Mechanism(
                c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
            )),
        }
    }

    fn take_zap_request(&mut self) -> Option<ZapRequest> {
        self.zap.take_request()
    }

    fn zap_reply(&mut self, reply: Option<ZapReply>) -> Result<(), ProtocolError> {
        if self.state != State::WaitingForZap {
            return Err(ProtocolError::UnexpectedCommand);
        }
        match self.zap.answer(reply, false)? {
            Verdict::Proceed => {
                self.state = State::SendReady;
                Ok(())
            }
            // See the module comment: refused means refused.
            Verdict::SendError(code) => Err(ProtocolError::ZapDenied(code)),
        }
    }

    fn zap_properties(&self) -> &[(Vec<u8>, Vec<u8>)] {
        self.zap.properties()
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
        match (self.ctx.as_deref_mut(), &self.state) {
            (Some(ctx), State::Connected) => self.protection.encode_into(ctx, msg, out),
            _ => Err(ProtocolError::NotReady),
        }
    }

    fn decode(&mut self, msg: Msg) -> Result<Msg, ProtocolError> {
        match (self.ctx.as_deref_mut(), &self.state) {
            (Some(ctx), State::Connected) => self.protection.decode(ctx, msg),
            _ => Err(ProtocolError::NotReady),
        }
    }
}
