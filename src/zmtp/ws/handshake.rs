//! The HTTP/1.1 upgrade that opens a WebSocket (RFC 6455 section 4), as
//! libzmq's ws transport sends and accepts it, sans I/O: the client's
//! request and the server's 101 answer are built here, and the peer's head
//! is parsed here once it is whole.
//!
//! A head is taken only whole (up to the blank line) and only up to
//! [`MAX_HEAD`] bytes: a peer that sends more, or never ends its head, is
//! refused (the caller's handshake timer bounds the time). libzmq's own
//! parser keeps fixed-size name and value buffers (CVE-2021-20236 was a
//! stack overflow in an earlier one); here nothing is copied before the head
//! is known to fit.

use crate::util::sha1::{base64, sha1};

/// The longest head (request or response line and headers) accepted.
pub const MAX_HEAD: usize = 16 * 1024;
/// The most header lines accepted in a head.
pub const MAX_HEADERS: usize = 100;

/// RFC 6455's GUID, hashed with the client's key.
const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The ZWS 2.0 subprotocols (RFC 45): with a mechanism, its commands run as
/// command frames; plain "ZWS2.0" has no mechanism (NULL without READY:
/// each side's first message is its routing id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subprotocol {
    /// "ZWS2.0": no handshake commands.
    Plain,
    Null,
    PlainMech,
    Curve,
}

impl Subprotocol {
    pub fn name(self) -> &'static str {
        match self {
            Subprotocol::Plain => "ZWS2.0",
            Subprotocol::Null => "ZWS2.0/NULL",
            Subprotocol::PlainMech => "ZWS2.0/PLAIN",
            Subprotocol::Curve => "ZWS2.0/CURVE",
        }
    }

    /// Which name a socket with `mechanism` ("NULL", "PLAIN", "CURVE")
    /// accepts, as libzmq's select_protocol: NULL takes both the bare
    /// "ZWS2.0" and "ZWS2.0/NULL".
    pub fn accepted(mechanism: &str, offered: &str) -> Option<Subprotocol> {
        match (mechanism, offered) {
            ("NULL", "ZWS2.0") => Some(Subprotocol::Plain),
            ("NULL", "ZWS2.0/NULL") => Some(Subprotocol::Null),
            ("PLAIN", "ZWS2.0/PLAIN") => Some(Subprotocol::PlainMech),
            ("CURVE", "ZWS2.0/CURVE") => Some(Subprotocol::Curve),
            _ => None,
        }
    }

    /// What a client with `mechanism` offers, as libzmq's.
    pub fn offer(mechanism: &str) -> &'static str {
        match mechanism {
            "PLAIN" => "ZWS2.0/PLAIN",
            "CURVE" => "ZWS2.0/CURVE",
            _ => "ZWS2.0/NULL,ZWS2.0",
        }
    }
}

/// Why an upgrade failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpgradeError {
    /// The head is longer than [`MAX_HEAD`] or has too many lines.
    TooLarge,
    /// Not HTTP/1.1 as RFC 6455 requires, or a malformed line.
    Malformed,
    /// A WebSocket header missing or wrong (Upgrade, Connection, key,
    /// accept value, no subprotocol in common).
    Refused,
}

/// The value of Sec-WebSocket-Accept for `key`.
pub fn accept_value(key: &str) -> String {
    base64(&sha1(&[key.as_bytes(), GUID]))
}

/// A fresh Sec-WebSocket-Key: 16 random bytes in base64.
pub fn new_key() -> String {
    let mut nonce = [0u8; 16];
    // The key only defeats caches (RFC 6455 10.3 asks for randomness, not
    // secrecy); should the system refuse, a fixed one still works.
    let _ = getrandom::getrandom(&mut nonce);
    base64(&nonce)
}

/// The client's request, as libzmq's ws engine writes it.
pub fn request(path: &str, host: &str, key: &str, protocols: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\n\
         Host: {host}\r\n\
         Upgrade: websocket\r\n\
         Connection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\n\
         Sec-WebSocket-Protocol: {protocols}\r\n\
         Sec-WebSocket-Version: 13\r\n\r\n"
    )
    .into_bytes()
}

/// The server's 101 answer.
pub fn response(key: &str, protocol: Subprotocol) -> Vec<u8> {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\n\
         Upgrade: websocket\r\n\
         Connection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\
         Sec-WebSocket-Protocol: {}\r\n\r\n",
        accept_value(key),
        protocol.name()
    )
    .into_bytes()
}

/// Can `buf` (a head's first bytes) still become a head that begins with
/// `start` ("GET " for a request, "HTTP/" for a response)? libzmq's
/// parser reads a head a character at a time and refuses the first wrong
/// one: a TLS ClientHello at a ws listener (a wss client) fails at once
/// rather than at the handshake timeout.
pub fn starts_like(buf: &[u8], start: &[u8]) -> bool {
    let n = buf.len().min(start.len());
    buf[..n] == start[..n]
}

/// Where the head in `buf` ends (the index after its blank line), None if
/// it is not whole yet; TooLarge once it cannot fit.
pub fn head_end(buf: &[u8]) -> Result<Option<usize>, UpgradeError> {
    let end = buf
        .windows(4)
        .take(MAX_HEAD.saturating_sub(3))
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4);
    match end {
        Some(e) => Ok(Some(e)),
        None if buf.len() >= MAX_HEAD => Err(UpgradeError::TooLarge),
        None => Ok(None),
    }
}

/// A head's first line and its headers (names as sent).
struct Head<'a> {
    first: &'a str,
    headers: Vec<(&'a str, &'a str)>,
}

fn parse_head(head: &[u8]) -> Result<Head<'_>, UpgradeError> {
    let text = std::str::from_utf8(head).map_err(|_| UpgradeError::Malformed)?;
    let text = text
        .strip_suffix("\r\n\r\n")
        .ok_or(UpgradeError::Malformed)?;
    let mut lines = text.split("\r\n");
    let first = lines.next().ok_or(UpgradeError::Malformed)?;
    let mut headers = Vec::new();
    for line in lines {
        if headers.len() == MAX_HEADERS {
            return Err(UpgradeError::TooLarge);
        }
        if line.contains('\n') || line.contains('\r') {
            return Err(UpgradeError::Malformed);
        }
        let (name, value) = line.split_once(':').ok_or(UpgradeError::Malformed)?;
        if name.is_empty() {
            return Err(UpgradeError::Malformed);
        }
        headers.push((name, value.trim_matches(|c| c == ' ' || c == '\t')));
    }
    if first.contains('\n') {
        return Err(UpgradeError::Malformed);
    }
    Ok(Head { first, headers })
}

fn has_token(list: &str, token: &str) -> bool {
    list.split(',')
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// A client's request, accepted: what to answer it.
#[derive(Debug, PartialEq, Eq)]
pub struct Accepted {
    pub protocol: Subprotocol,
    /// The 101 answer to send.
    pub response: Vec<u8>,
}

/// Check a client's request head (whole, see [`head_end`]) for a server
/// whose mechanism is `mechanism`. As libzmq: GET of any resource over
/// HTTP/1.1, Upgrade: websocket, Connection naming upgrade, a key, and the
/// first offered subprotocol the mechanism accepts (several
/// Sec-WebSocket-Protocol headers count in order).
pub fn accept_request(head: &[u8], mechanism: &str) -> Result<Accepted, UpgradeError> {
    let h = parse_head(head)?;
    let mut parts = h.first.split(' ').filter(|p| !p.is_empty());
    let (Some("GET"), Some(_resource), Some("HTTP/1.1"), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(UpgradeError::Malformed);
    };
    let (mut upgrade, mut connection, mut key, mut protocol) = (false, false, None, None);
    for (name, value) in h.headers {
        if name.eq_ignore_ascii_case("upgrade") {
            upgrade = value.eq_ignore_ascii_case("websocket");
        } else if name.eq_ignore_ascii_case("connection") {
            connection |= has_token(value, "upgrade");
        } else if name.eq_ignore_ascii_case("sec-websocket-key") {
            key = Some(value);
        } else if name.eq_ignore_ascii_case("sec-websocket-protocol") && protocol.is_none() {
            protocol = value
                .split(',')
                .find_map(|p| Subprotocol::accepted(mechanism, p.trim()));
        }
    }
    match (upgrade, connection, key, protocol) {
        (true, true, Some(key), Some(protocol)) if !key.is_empty() => Ok(Accepted {
            protocol,
            response: response(key, protocol),
        }),
        _ => Err(UpgradeError::Refused),
    }
}

/// Check a server's answer head (whole) to our request with `key`, for a
/// client whose mechanism is `mechanism`: 101, Upgrade: websocket,
/// Connection: upgrade, the accept value our key calls for (libzmq does not
/// check it; RFC 6455 requires it and libzmq's servers send it right), and
/// exactly one subprotocol, one we offered.
pub fn check_response(
    head: &[u8],
    key: &str,
    mechanism: &str,
) -> Result<Subprotocol, UpgradeError> {
    let h = parse_head(head)?;
    let mut parts = h.first.splitn(2, ' ');
    let (Some("HTTP/1.1"), Some(rest)) = (parts.next(), parts.next()) else {
        return Err(UpgradeError::Malformed);
    };
    if rest.trim_start().split(' ').next() != Some("101") {
        return Err(UpgradeError::Refused);
    }
    let (mut upgrade, mut connection, mut accept, mut protocol) = (false, false, false, None);
    let mut protocols = 0;
    for (name, value) in h.headers {
        if name.eq_ignore_ascii_case("upgrade") {
            upgrade = value.eq_ignore_ascii_case("websocket");
        } else if name.eq_ignore_ascii_case("connection") {
            connection |= has_token(value, "upgrade");
        } else if name.eq_ignore_ascii_case("sec-websocket-accept") {
            accept = value == accept_value(key);
        } else if name.eq_ignore_ascii_case("sec-websocket-protocol") {
            protocols += 1;
            protocol = Subprotocol::accepted(mechanism, value);
        }
    }
    match (upgrade, connection, accept, protocol) {
        (true, true, true, Some(p)) if protocols == 1 => Ok(p),
        _ => Err(UpgradeError::Refused),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQ: &[u8] = b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\n\
        Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        Sec-WebSocket-Protocol: chat, ZWS2.0/NULL,ZWS2.0\r\n\
        Sec-WebSocket-Version: 13\r\n\r\n";

    #[test]
    fn request_accepted_with_first_known_subprotocol() {
        let end = head_end(REQ).unwrap().unwrap();
        assert_eq!(end, REQ.len());
        let a = accept_request(REQ, "NULL").unwrap();
        assert_eq!(a.protocol, Subprotocol::Null);
        let text = String::from_utf8(a.response).unwrap();
        assert!(text.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
        assert!(
            text.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
            "{text}"
        );
        assert!(text.ends_with("Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n\r\n"));
        // A CURVE server accepts none of them.
        assert_eq!(
            accept_request(REQ, "CURVE").unwrap_err(),
            UpgradeError::Refused
        );
    }

    #[test]
    fn bare_zws_for_null_only() {
        let req = String::from_utf8(REQ.to_vec())
            .unwrap()
            .replace("chat, ZWS2.0/NULL,ZWS2.0", "ZWS2.0");
        let a = accept_request(req.as_bytes(), "NULL").unwrap();
        assert_eq!(a.protocol, Subprotocol::Plain);
        assert!(accept_request(req.as_bytes(), "PLAIN").is_err());
    }

    #[test]
    fn requests_refused() {
        let s = String::from_utf8(REQ.to_vec()).unwrap();
        for (from, to, want) in [
            (
                "GET /chat HTTP/1.1",
                "POST /chat HTTP/1.1",
                UpgradeError::Malformed,
            ),
            (
                "GET /chat HTTP/1.1",
                "GET /chat HTTP/1.0",
                UpgradeError::Malformed,
            ),
            ("Upgrade: websocket", "Upgrade: h2c", UpgradeError::Refused),
            ("keep-alive, Upgrade", "keep-alive", UpgradeError::Refused),
            (
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                "X: y",
                UpgradeError::Refused,
            ),
            (
                "Host: server.example.com",
                "Host server.example.com",
                UpgradeError::Malformed,
            ),
        ] {
            let req = s.replace(from, to);
            assert_eq!(accept_request(req.as_bytes(), "NULL"), Err(want), "{to}");
        }
    }

    #[test]
    fn heads_begin_as_http_does() {
        assert!(starts_like(b"", b"GET "));
        assert!(starts_like(b"GE", b"GET "));
        assert!(starts_like(b"GET /x HTTP/1.1", b"GET "));
        assert!(!starts_like(b"\x16\x03\x01", b"GET "));
        assert!(!starts_like(b"GET /", b"HTTP/"));
    }

    #[test]
    fn heads_are_bounded() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n"), Ok(None));
        let endless = vec![b'a'; MAX_HEAD];
        assert_eq!(head_end(&endless), Err(UpgradeError::TooLarge));
        let mut many = b"GET / HTTP/1.1\r\n".to_vec();
        for _ in 0..=MAX_HEADERS {
            many.extend_from_slice(b"X: y\r\n");
        }
        many.extend_from_slice(b"\r\n");
        assert_eq!(accept_request(&many, "NULL"), Err(UpgradeError::TooLarge));
        assert_eq!(
            accept_request(b"GET / HTTP/1.1\r\n\xff: y\r\n\r\n", "NULL"),
            Err(UpgradeError::Malformed)
        );
    }

    #[test]
    fn response_round_trip() {
        let key = new_key();
        assert_eq!(key.len(), 24);
        let req = request("/p", "127.0.0.1", &key, Subprotocol::offer("NULL"));
        let a = accept_request(&req, "NULL").unwrap();
        assert_eq!(
            check_response(&a.response, &key, "NULL"),
            Ok(Subprotocol::Null)
        );
        // A wrong accept value, or another key, is refused.
        assert_eq!(
            check_response(&a.response, "AAAAAAAAAAAAAAAAAAAAAA==", "NULL"),
            Err(UpgradeError::Refused)
        );
        // A subprotocol we did not offer is refused.
        let curve = response(&key, Subprotocol::Curve);
        assert!(check_response(&curve, &key, "NULL").is_err());
        // Not 101.
        let other = b"HTTP/1.1 404 Not Found\r\n\r\n";
        assert_eq!(
            check_response(other, &key, "NULL"),
            Err(UpgradeError::Refused)
        );
        // Two subprotocol headers (libzmq refuses them too).
        let text = String::from_utf8(a.response).unwrap().replace(
            "Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n",
            "Sec-WebSocket-Protocol: ZWS2.0/NULL\r\nSec-WebSocket-Protocol: ZWS2.0\r\n",
        );
        assert!(check_response(text.as_bytes(), &key, "NULL").is_err());
    }
}
