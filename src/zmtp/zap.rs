//! ZAP (RFC 27), sans I/O: the request a server mechanism sends to the
//! handler bound at `inproc://zeromq.zap.01`, the reply parsed as libzmq
//! 4.3 parses it, and [`ZapGate`], the part every server mechanism shares
//! (asking, waiting, and turning the answer into an outcome).
//!
//! ```text
//! request:  "" | "1.0" | "1" | domain | address | routing id | mechanism | credentials...
//! reply:    "" | "1.0" | "1" | status code | status text | user id | metadata
//! ```
//!
//! The leading empty frame is the delimiter a REQ socket would send, so REP
//! and ROUTER handlers work unchanged. libzmq has one request in flight per
//! connection, always with id "1".

use crate::constants as c;
use crate::msg::metadata::USER_ID;
use crate::msg::Msg;

use super::command;
use super::ProtocolError;

/// The inproc name a ZAP handler binds.
pub const HANDLER_ENDPOINT: &str = "zeromq.zap.01";
/// The protocol version, in requests and (checked) in replies.
pub const VERSION: &[u8] = b"1.0";
/// The request id libzmq uses for its one request per connection.
pub const REQUEST_ID: &[u8] = b"1";
/// Frames in a reply, the delimiter included.
pub const REPLY_FRAMES: usize = 7;

/// What a mechanism asks the handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZapRequest {
    /// "NULL", "PLAIN" or "CURVE".
    pub mechanism: &'static [u8],
    /// PLAIN: username, password; CURVE: the client's public key; NULL: none.
    pub credentials: Vec<Vec<u8>>,
}

impl ZapRequest {
    /// The request's frames, MORE set on all but the last.
    pub fn frames(
        &self,
        domain: &[u8],
        address: &[u8],
        routing_id: &[u8],
    ) -> Result<Vec<Msg>, ProtocolError> {
        let mut parts: Vec<&[u8]> = vec![b"", VERSION, REQUEST_ID, domain, address, routing_id];
        parts.push(self.mechanism);
        parts.extend(self.credentials.iter().map(Vec::as_slice));
        let last = parts.len() - 1;
        parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut m = Msg::try_from_slice(p).map_err(|_| ProtocolError::OutOfMemory)?;
                if i < last {
                    m.set_flags(Msg::MORE);
                }
                Ok(m)
            })
            .collect()
    }
}

/// A well-formed reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZapReply {
    /// 200, 300, 400 or 500.
    pub status: u16,
    pub user_id: Vec<u8>,
    /// The handler's metadata properties, in wire order.
    pub metadata: Vec<(Vec<u8>, Vec<u8>)>,
}

fn zap_error(code: i32) -> ProtocolError {
    ProtocolError::Mechanism(code)
}

/// Check one reply frame as it arrives (`index` counts from 0, the
/// delimiter): every frame but the seventh must have MORE, the seventh must
/// not (libzmq: ZAP_MALFORMED_REPLY).
pub fn check_reply_frame(index: usize, more: bool) -> Result<(), ProtocolError> {
    if more != (index + 1 < REPLY_FRAMES) {
        return Err(zap_error(c::ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY));
    }
    Ok(())
}

/// Parse a complete reply as libzmq 4.3 does, with its protocol error codes.
pub fn parse_reply(frames: &[Msg]) -> Result<ZapReply, ProtocolError> {
    if frames.len() != REPLY_FRAMES {
        return Err(zap_error(c::ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY));
    }
    for (i, f) in frames.iter().enumerate() {
        check_reply_frame(i, f.more())?;
    }
    if !frames[0].is_empty() {
        return Err(zap_error(c::ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED));
    }
    if frames[1].data() != VERSION {
        return Err(zap_error(c::ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION));
    }
    if frames[2].data() != REQUEST_ID {
        return Err(zap_error(c::ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID));
    }
    let status = match frames[3].data() {
        [d @ b'2'..=b'5', b'0', b'0'] => u16::from(d - b'0') * 100,
        _ => return Err(zap_error(c::ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE)),
    };
    let metadata = command::parse_properties(frames[6].data())
        .map_err(|_| zap_error(c::ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA))?
        .into_iter()
        .map(|(n, v)| (n.to_vec(), v.to_vec()))
        .collect();
    Ok(ZapReply {
        status,
        user_id: frames[5].data().to_vec(),
        metadata,
    })
}

/// What a server mechanism does next, once ZAP has spoken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Carry on with the handshake (200, or no handler where libzmq allows
    /// that).
    Proceed,
    /// Send ERROR with this status code (400, 500), then fail.
    SendError(u16),
}

/// ZAP from a server mechanism's side: whether it must ask, the request it
/// is waiting to have sent, and the properties a 200 brought.
#[derive(Debug, Default)]
pub struct ZapGate {
    /// ZMQ_ZAP_ENFORCE_DOMAIN: no handler means failure.
    enforce: bool,
    request: Option<ZapRequest>,
    waiting: bool,
    /// User-Id and the handler's metadata, after a 200.
    properties: Vec<(Vec<u8>, Vec<u8>)>,
}

impl ZapGate {
    pub fn new(enforce_domain: bool) -> ZapGate {
        ZapGate {
            enforce: enforce_domain,
            ..ZapGate::default()
        }
    }

    /// Queue a request; the mechanism waits until [`answer`](Self::answer).
    pub fn ask(&mut self, mechanism: &'static [u8], credentials: Vec<Vec<u8>>) {
        self.request = Some(ZapRequest {
            mechanism,
            credentials,
        });
        self.waiting = true;
    }

    /// Waiting for the handler's answer.
    pub fn waiting(&self) -> bool {
        self.waiting
    }

    /// The request to send, once.
    pub fn take_request(&mut self) -> Option<ZapRequest> {
        self.request.take()
    }

    /// The handler's answer, or `None` when no handler is bound.
    /// `handler_required` is the mechanism's rule for that case (PLAIN
    /// always needs one; CURVE and NULL only with ZMQ_ZAP_ENFORCE_DOMAIN).
    /// libzmq fails a missing handler with HANDSHAKE_FAILED_NO_DETAIL/EFAULT,
    /// a 300 without an ERROR command, and sends ERROR for 400 and 500.
    pub fn answer(
        &mut self,
        reply: Option<ZapReply>,
        handler_required: bool,
    ) -> Result<Verdict, ProtocolError> {
        if !self.waiting {
            return Err(ProtocolError::UnexpectedCommand);
        }
        self.waiting = false;
        self.request = None;
        let Some(reply) = reply else {
            if handler_required || self.enforce {
                return Err(ProtocolError::ZapUnavailable);
            }
            return Ok(Verdict::Proceed);
        };
        match reply.status {
            200 => {
                self.properties.clear();
                self.properties.push((USER_ID.to_vec(), reply.user_id));
                self.properties.extend(reply.metadata);
                Ok(Verdict::Proceed)
            }
            300 => Err(ProtocolError::ZapDenied(300)),
            code => Ok(Verdict::SendError(code)),
        }
    }

    /// User-Id and the handler's metadata (empty unless a 200 came).
    pub fn properties(&self) -> &[(Vec<u8>, Vec<u8>)] {
        &self.properties
    }
}

/// An ERROR command body carrying a ZAP status code.
pub fn error_command(code: u16) -> Vec<u8> {
    let text = code.to_string();
    let mut b = Vec::with_capacity(7 + text.len());
    command::put_name(&mut b, command::ERROR);
    b.push(text.len() as u8);
    b.extend_from_slice(text.as_bytes());
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(parts: &[&[u8]]) -> Vec<Msg> {
        let last = parts.len() - 1;
        parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut m = Msg::from_slice(p);
                if i < last {
                    m.set_flags(Msg::MORE);
                }
                m
            })
            .collect()
    }

    fn code(r: Result<ZapReply, ProtocolError>) -> i32 {
        match r {
            Err(ProtocolError::Mechanism(c)) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn request_frames_as_libzmq() {
        let req = ZapRequest {
            mechanism: b"PLAIN",
            credentials: vec![b"admin".to_vec(), b"secret".to_vec()],
        };
        let f = req.frames(b"global", b"127.0.0.1", b"srv").unwrap();
        let data: Vec<&[u8]> = f.iter().map(|m| m.data()).collect();
        assert_eq!(
            data,
            [
                &b""[..],
                b"1.0",
                b"1",
                b"global",
                b"127.0.0.1",
                b"srv",
                b"PLAIN",
                b"admin",
                b"secret"
            ]
        );
        assert!(f[..8].iter().all(Msg::more));
        assert!(!f[8].more());
        let null = ZapRequest {
            mechanism: b"NULL",
            credentials: vec![],
        };
        let f = null.frames(b"d", b"", b"").unwrap();
        assert_eq!(f.len(), 7);
        assert!(!f[6].more() && f[6].data() == b"NULL");
    }

    #[test]
    fn parse_good_reply() {
        let md = b"\x05X-Tag\x00\x00\x00\x03vip";
        let r = parse_reply(&reply(&[b"", b"1.0", b"1", b"200", b"OK", b"bob", md])).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.user_id, b"bob");
        assert_eq!(r.metadata, vec![(b"X-Tag".to_vec(), b"vip".to_vec())]);
        for (s, n) in [(&b"300"[..], 300), (b"400", 400), (b"500", 500)] {
            let r = parse_reply(&reply(&[b"", b"1.0", b"1", s, b"", b"", b""])).unwrap();
            assert_eq!(r.status, n);
        }
    }

    #[test]
    fn parse_bad_replies_with_libzmq_codes() {
        let ok: [&[u8]; 7] = [b"", b"1.0", b"1", b"200", b"", b"", b""];
        let with = |i: usize, v: &'static [u8]| {
            let mut p = ok;
            p[i] = v;
            parse_reply(&reply(&p))
        };
        assert_eq!(code(with(0, b"x")), c::ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED);
        assert_eq!(code(with(1, b"2.0")), c::ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION);
        assert_eq!(
            code(with(2, b"2")),
            c::ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID
        );
        for bad in [&b"201"[..], b"100", b"600", b"20", b"2000", b""] {
            assert_eq!(
                code(with(3, bad)),
                c::ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE
            );
        }
        assert_eq!(
            code(with(6, b"\x05X-Tag\x00")),
            c::ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA
        );
        assert_eq!(
            code(parse_reply(&reply(&ok[..6]))),
            c::ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY
        );
        let mut eight = reply(&ok);
        eight[6].set_flags(Msg::MORE);
        eight.push(Msg::from_slice(b""));
        assert_eq!(
            code(parse_reply(&eight)),
            c::ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY
        );
        assert!(check_reply_frame(6, true).is_err());
        assert!(check_reply_frame(3, false).is_err());
        assert!(check_reply_frame(3, true).is_ok());
    }

    #[test]
    fn gate_outcomes() {
        let ask = |enforce| {
            let mut g = ZapGate::new(enforce);
            g.ask(b"CURVE", vec![vec![1; 32]]);
            assert!(g.waiting());
            assert_eq!(g.take_request().unwrap().mechanism, b"CURVE");
            assert_eq!(g.take_request(), None);
            g
        };
        assert_eq!(ask(false).answer(None, false), Ok(Verdict::Proceed));
        assert_eq!(
            ask(true).answer(None, false),
            Err(ProtocolError::ZapUnavailable)
        );
        assert_eq!(
            ask(false).answer(None, true),
            Err(ProtocolError::ZapUnavailable)
        );
        let r = |status| ZapReply {
            status,
            user_id: b"u".to_vec(),
            metadata: vec![(b"K".to_vec(), b"v".to_vec())],
        };
        let mut g = ask(false);
        assert_eq!(g.answer(Some(r(200)), true), Ok(Verdict::Proceed));
        assert_eq!(
            g.properties(),
            [
                (b"User-Id".to_vec(), b"u".to_vec()),
                (b"K".to_vec(), b"v".to_vec())
            ]
        );
        assert!(!g.waiting());
        assert!(g.answer(Some(r(200)), true).is_err(), "one answer only");
        assert_eq!(
            ask(false).answer(Some(r(300)), true),
            Err(ProtocolError::ZapDenied(300))
        );
        assert_eq!(
            ask(false).answer(Some(r(400)), true),
            Ok(Verdict::SendError(400))
        );
        assert_eq!(
            ask(false).answer(Some(r(500)), true),
            Ok(Verdict::SendError(500))
        );
        assert!(ask(false).properties().is_empty());
        assert_eq!(error_command(400), b"\x05ERROR\x03400");
    }
}
