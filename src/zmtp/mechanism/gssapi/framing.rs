//! The GSSAPI mechanism's command bodies (RFC 38, as libzmq 4.3 frames
//! them), with no GSS-API in sight: parsing checks every length before
//! using it, so a hostile peer's bytes end only its own connection.
//!
//! ```text
//! INITIATE  "\x08INITIATE" | token length (4, big-endian) | token
//! MESSAGE   "\x07MESSAGE"  | wrapped length (4, big-endian) | gss_wrap(flags | body)
//! READY     "\x05READY" | properties, itself inside a MESSAGE when encrypted
//! ```
//!
//! The flags byte inside a wrapped MESSAGE is 0x01 for MORE and 0x02 for
//! COMMAND; the MESSAGE travels as an ordinary frame with flags 0, as
//! CURVE's does. An empty command frame is what libzmq sends when GSS-API
//! has no token for the peer (the last step of a mutual authentication).

use crate::constants as c;
use crate::zmtp::ProtocolError;

pub const INITIATE: &[u8] = b"\x08INITIATE";
pub const MESSAGE: &[u8] = b"\x07MESSAGE";
pub const READY: &[u8] = b"\x05READY";
/// Inner flag bits of a wrapped message.
pub const FLAG_MORE: u8 = 0x01;
pub const FLAG_COMMAND: u8 = 0x02;

fn proto(code: i32) -> ProtocolError {
    ProtocolError::Mechanism(code)
}

/// libzmq's check_basic_command_structure: a name-length byte and at least
/// that many bytes of name.
pub fn check_basic(body: &[u8]) -> Result<(), ProtocolError> {
    if body.len() <= 1 || body.len() <= usize::from(body[0]) {
        return Err(proto(
            c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
        ));
    }
    Ok(())
}

/// `name | length | bytes` with a 4-byte big-endian length.
fn put_sized(name: &[u8], bytes: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    let len = u32::try_from(bytes.len()).map_err(|_| ProtocolError::MessageTooLarge)?;
    let mut out = Vec::with_capacity(name.len() + 4 + bytes.len());
    out.extend_from_slice(name);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
    Ok(out)
}

/// The sized part after `name`: (bytes, whether anything trails them).
/// `malformed` is the code for a short or overlong length.
fn take_sized<'a>(
    body: &'a [u8],
    name: &[u8],
    malformed: i32,
) -> Result<(&'a [u8], bool), ProtocolError> {
    check_basic(body)?;
    let Some(rest) = body.strip_prefix(name) else {
        return Err(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
    };
    if rest.len() < 4 {
        return Err(proto(malformed));
    }
    let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    let rest = &rest[4..];
    if rest.len() < len {
        return Err(proto(malformed));
    }
    Ok((&rest[..len], rest.len() > len))
}

/// An INITIATE carrying a context-establishment token.
pub fn initiate(token: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    put_sized(INITIATE, token)
}

/// The token of a received INITIATE (nothing may follow it).
pub fn parse_initiate(body: &[u8]) -> Result<&[u8], ProtocolError> {
    let code = c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE;
    match take_sized(body, INITIATE, code)? {
        (_, true) => Err(proto(code)),
        (token, false) => Ok(token),
    }
}

/// A MESSAGE around a wrapped token.
pub fn message(wrapped: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    put_sized(MESSAGE, wrapped)
}

/// The wrapped token of a received MESSAGE, and whether bytes trail it
/// (libzmq reports those only after unwrapping, as MALFORMED_COMMAND_MESSAGE).
pub fn parse_message(body: &[u8]) -> Result<(&[u8], bool), ProtocolError> {
    take_sized(
        body,
        MESSAGE,
        c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE,
    )
}

/// The plaintext to wrap for one frame: flags, then the body.
pub fn plaintext(more: bool, command: bool, body: &[u8]) -> Vec<u8> {
    let mut flags = 0;
    if more {
        flags |= FLAG_MORE;
    }
    if command {
        flags |= FLAG_COMMAND;
    }
    let mut out = Vec::with_capacity(1 + body.len());
    out.push(flags);
    out.extend_from_slice(body);
    out
}

/// Split an unwrapped plaintext into (flags, body). An empty one has no
/// flags byte: libzmq would read before its buffer; we refuse it.
pub fn split_plaintext(plain: &[u8]) -> Result<(u8, &[u8]), ProtocolError> {
    match plain.split_first() {
        Some((&flags, body)) => Ok((flags, body)),
        None => Err(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE)),
    }
}

/// The properties of a (unwrapped) READY body.
pub fn parse_ready(body: &[u8]) -> Result<&[u8], ProtocolError> {
    check_basic(body)?;
    body.strip_prefix(READY)
        .ok_or(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<impl std::fmt::Debug, ProtocolError>) -> i32 {
        match r {
            Err(ProtocolError::Mechanism(c)) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn initiate_round_trip_and_bounds() {
        let b = initiate(b"tok").unwrap();
        assert_eq!(b, b"\x08INITIATE\x00\x00\x00\x03tok");
        assert_eq!(parse_initiate(&b).unwrap(), b"tok");
        assert_eq!(parse_initiate(b"\x08INITIATE\0\0\0\0").unwrap(), b"");
        // Length past the end, short length, trailing bytes, wrong name.
        let m = c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE;
        assert_eq!(code(parse_initiate(b"\x08INITIATE\xff\xff\xff\xfftok")), m);
        assert_eq!(code(parse_initiate(b"\x08INITIATE\0\0")), m);
        assert_eq!(code(parse_initiate(b"\x08INITIATE\0\0\0\x01ab")), m);
        assert_eq!(
            code(parse_initiate(b"\x07MESSAGE\0\0\0\0")),
            c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND
        );
        let u = c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED;
        assert_eq!(code(parse_initiate(b"")), u);
        assert_eq!(code(parse_initiate(b"\x08")), u);
        assert_eq!(code(parse_initiate(b"\x08INITIAT")), u);
    }

    #[test]
    fn message_bounds() {
        let b = message(b"wrapped").unwrap();
        assert_eq!(parse_message(&b).unwrap(), (&b"wrapped"[..], false));
        let mut t = b.clone();
        t.push(0);
        assert_eq!(parse_message(&t).unwrap(), (&b"wrapped"[..], true));
        assert_eq!(
            code(parse_message(b"\x07MESSAGE\0\0\x01\0x")),
            c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE
        );
        assert_eq!(
            code(split_plaintext(b"")),
            c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE
        );
        assert_eq!(split_plaintext(b"\x03ab").unwrap(), (3, &b"ab"[..]));
        assert_eq!(plaintext(true, true, b"x"), b"\x03x");
        assert_eq!(plaintext(false, false, b""), b"\x00");
    }

    #[test]
    fn ready_name() {
        assert_eq!(parse_ready(b"\x05READYprops").unwrap(), b"props");
        assert_eq!(
            code(parse_ready(b"\x05HELLOx")),
            c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND
        );
    }
}
