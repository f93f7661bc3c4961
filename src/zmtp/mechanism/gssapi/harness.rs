//! A stand-in GSS-API context and a hostile-peer case over the GSSAPI
//! mechanism, shared by the unit tests and the `gssapi_framing` fuzz target:
//! the framing and the state machines run without Kerberos.
//!
//! The toy context's "tokens" are `TOY-REQ:<principal>` (initiator) and
//! `TOY-REP` (acceptor); wrap XORs the bytes and appends a 4-byte sum, so
//! unwrap refuses anything it did not make.

use super::{GssapiClient, GssapiServer};
use crate::constants as c;
use crate::msg::Msg;
use crate::util::gssapi::{GssError, SecContext, Step};
use crate::zmtp::codec::Encoder;
use crate::zmtp::mechanism::{Mechanism, Status};
use crate::zmtp::zap::{ZapGate, ZapReply};
use crate::zmtp::Config;

const REQ: &[u8] = b"TOY-REQ:";
const REP: &[u8] = b"TOY-REP";
const FAIL: GssError = GssError(0x0009_0000); // GSS_S_DEFECTIVE_TOKEN

/// The stand-in context: `Some(principal)` makes an initiator.
pub struct ToyContext {
    initiator: Option<Vec<u8>>,
    peer: Option<Vec<u8>>,
    established: bool,
}

impl ToyContext {
    pub fn initiator(principal: &[u8]) -> Box<dyn SecContext> {
        Box::new(ToyContext {
            initiator: Some(principal.to_vec()),
            peer: None,
            established: false,
        })
    }

    pub fn acceptor() -> Box<dyn SecContext> {
        Box::new(ToyContext {
            initiator: None,
            peer: None,
            established: false,
        })
    }
}

fn sum(b: &[u8]) -> [u8; 4] {
    b.iter()
        .fold(0x1234_5678u32, |s, &x| s.rotate_left(5) ^ u32::from(x))
        .to_be_bytes()
}

impl SecContext for ToyContext {
    fn step(&mut self, input: Option<&[u8]>) -> Result<Step, GssError> {
        match (&self.initiator, input) {
            (Some(p), None) if !self.established => Ok(Step {
                complete: false,
                token: [REQ, &p[..]].concat(),
            }),
            (Some(_), Some(REP)) => {
                self.established = true;
                Ok(Step {
                    complete: true,
                    token: Vec::new(),
                })
            }
            (None, Some(t)) if t.starts_with(REQ) && !self.established => {
                self.peer = Some(t[REQ.len()..].to_vec());
                self.established = true;
                Ok(Step {
                    complete: true,
                    token: REP.to_vec(),
                })
            }
            _ => Err(FAIL),
        }
    }

    fn wrap(&mut self, plain: &[u8]) -> Result<Vec<u8>, GssError> {
        if !self.established {
            return Err(FAIL);
        }
        let mut out: Vec<u8> = plain.iter().map(|b| b ^ 0xa5).collect();
        out.extend_from_slice(&sum(plain));
        Ok(out)
    }

    fn unwrap(&mut self, wrapped: &[u8]) -> Result<Vec<u8>, GssError> {
        if !self.established || wrapped.len() < 4 {
            return Err(FAIL);
        }
        let (body, tag) = wrapped.split_at(wrapped.len() - 4);
        let plain: Vec<u8> = body.iter().map(|b| b ^ 0xa5).collect();
        if sum(&plain) != tag {
            return Err(FAIL);
        }
        Ok(plain)
    }

    fn peer_principal(&mut self) -> Result<Vec<u8>, GssError> {
        self.peer.clone().ok_or(FAIL)
    }
}

pub fn config(socket_type: i32, as_server: bool) -> Config {
    Config {
        socket_type,
        routing_id: b"id".to_vec(),
        as_server,
        ..Config::default()
    }
}

/// An honest client and server with toy contexts.
pub fn pair(encrypt: bool) -> (GssapiClient, GssapiServer) {
    (
        GssapiClient::new(
            &config(c::ZMQ_DEALER, false),
            Ok(ToyContext::initiator(b"alice@TOY")),
            encrypt,
        ),
        GssapiServer::new(
            &config(c::ZMQ_ROUTER, true),
            Ok(ToyContext::acceptor()),
            encrypt,
            ZapGate::new(false),
        ),
    )
}

/// Drive a handshake between `a` and `b` until neither has more to say;
/// ZAP requests get a 200 naming `user`. Errors stop it.
pub fn converse(a: &mut dyn Mechanism, b: &mut dyn Mechanism) -> Result<(), String> {
    for _ in 0..16 {
        let moved = half_step(a, b)? | half_step(b, a)?;
        if !moved {
            break;
        }
    }
    Ok(())
}

/// `from` answers its ZAP request and sends what it has to `to`.
fn half_step(from: &mut dyn Mechanism, to: &mut dyn Mechanism) -> Result<bool, String> {
    let mut moved = false;
    if from.take_zap_request().is_some() {
        from.zap_reply(Some(ZapReply {
            status: 200,
            user_id: b"user".to_vec(),
            metadata: Vec::new(),
        }))
        .map_err(|e| format!("{e:?}"))?;
        moved = true;
    }
    while let Some(cmd) = from
        .next_handshake_command()
        .map_err(|e| format!("{e:?}"))?
    {
        to.process_handshake_command(&cmd)
            .map_err(|e| format!("{e:?}"))?;
        moved = true;
    }
    Ok(moved)
}

/// One frame through `from`'s encoder, as bytes on the wire (flags, size,
/// body), decoded back to the body.
pub fn encode_body(from: &mut dyn Mechanism, msg: &Msg) -> Vec<u8> {
    let mut enc = Encoder::new();
    from.encode_into(msg, &mut enc).expect("encode");
    let mut wire = Vec::new();
    loop {
        let mut s = [std::io::IoSlice::new(&[]); 16];
        let n = enc.output(&mut s);
        if n == 0 {
            break;
        }
        let total: usize = s[..n].iter().map(|x| x.len()).sum();
        for x in &s[..n] {
            wire.extend_from_slice(x);
        }
        enc.consume(total);
    }
    // Short frame: flags, 1-byte size; long: flags, 8-byte size.
    if wire[0] & 0x02 != 0 {
        wire[9..].to_vec()
    } else {
        wire[2..].to_vec()
    }
}

/// The fuzz case: the first byte picks the side under test (server or
/// client) and plaintext or not; the rest is a sequence of peer commands,
/// each `len (2 bytes) | body`, some of them honest (the second byte's bits
/// say which), fed to the mechanism, then post-handshake frames to decode.
/// Nothing may panic; a mechanism that failed is not fed further; it may
/// only become ready after a ZAP 200.
pub fn framing_case(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let encrypt = sel & 1 == 0;
    let (client, server) = pair(encrypt);
    let (mut honest_peer, mut under_test): (Box<dyn Mechanism>, Box<dyn Mechanism>) =
        if sel & 2 == 0 {
            (Box::new(client), Box::new(server))
        } else {
            (Box::new(server), Box::new(client))
        };
    let zap_status = [200u16, 300, 400, 500][usize::from(sel >> 2) & 3];
    let mut rest = rest;
    let mut zap_ok = false;
    let mut honest_bits = rest.first().copied().unwrap_or(0);
    rest = rest.get(1..).unwrap_or(&[]);
    while rest.len() >= 2 {
        let n = usize::from(u16::from_be_bytes([rest[0], rest[1]])).min(rest.len() - 2);
        let hostile = &rest[2..2 + n];
        rest = &rest[2 + n..];
        let honest = match honest_peer.next_handshake_command() {
            Ok(Some(cmd)) if honest_bits & 1 == 1 => Some(cmd),
            _ => None,
        };
        honest_bits = honest_bits.rotate_right(1);
        let body = honest.as_deref().unwrap_or(hostile);
        let ready_before = under_test.status() == Status::Ready;
        let r = if ready_before {
            under_test
                .decode(Msg::from_slice(body))
                .map(|m| assert!(m.size() <= body.len()))
        } else {
            under_test.process_handshake_command(body)
        };
        if r.is_err() {
            return;
        }
        if under_test.take_zap_request().is_some() {
            let reply = ZapReply {
                status: zap_status,
                user_id: b"u".to_vec(),
                metadata: Vec::new(),
            };
            if under_test.zap_reply(Some(reply)).is_err() {
                assert_ne!(zap_status, 200);
                return;
            }
            zap_ok = true;
        }
        while let Ok(Some(cmd)) = under_test.next_handshake_command() {
            let _ = honest_peer.process_handshake_command(&cmd);
        }
        if under_test.status() == Status::Ready && sel & 2 == 0 {
            assert!(zap_ok, "a server became ready without ZAP's 200");
        }
    }
}
