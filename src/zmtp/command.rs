//! ZMTP command bodies: `name-length | name | data`, and the property lists
//! (`name-len(1) | name | value-len(4, BE) | value`) of READY / INITIATE.

use super::ProtocolError;

pub const READY: &[u8] = b"READY";
pub const ERROR: &[u8] = b"ERROR";
pub const PING: &[u8] = b"PING";
pub const PONG: &[u8] = b"PONG";
pub const SUBSCRIBE: &[u8] = b"SUBSCRIBE";
pub const CANCEL: &[u8] = b"CANCEL";
pub const JOIN: &[u8] = b"JOIN";
pub const LEAVE: &[u8] = b"LEAVE";

/// Property names libzmq sends and interprets.
pub const SOCKET_TYPE: &str = "Socket-Type";
pub const IDENTITY: &str = "Identity";

/// The longest PING context a PONG echoes back.
pub const MAX_PING_CONTEXT: usize = 16;

/// Split a command body into (name, data); None when the body is empty or
/// shorter than its name length says.
pub fn split(body: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&n, rest) = body.split_first()?;
    let n = usize::from(n);
    if rest.len() < n {
        return None;
    }
    Some(rest.split_at(n))
}

/// Append a command's name prefix to `out`.
pub fn put_name(out: &mut Vec<u8>, name: &[u8]) {
    debug_assert!(name.len() <= 255);
    out.push(name.len() as u8);
    out.extend_from_slice(name);
}

/// Append one property. Names over 255 bytes are truncated to keep the
/// encoding valid (libzmq refuses such ZMQ_METADATA keys anyway).
pub fn put_property(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    let name = &name[..name.len().min(255)];
    out.push(name.len() as u8);
    out.extend_from_slice(name);
    out.extend_from_slice(&(value.len() as u32).to_be_bytes());
    out.extend_from_slice(value);
}

/// One property as (name, value), borrowed from the command body.
pub type Property<'a> = (&'a [u8], &'a [u8]);

/// Parse a property list into (name, value) pairs, in wire order.
/// Trailing bytes that do not form a whole property are an error, as in
/// libzmq; so is a zero-length name (which libzmq would loop on as data).
pub fn parse_properties(mut data: &[u8]) -> Result<Vec<Property<'_>>, ProtocolError> {
    let mut props = Vec::new();
    while !data.is_empty() {
        let bad = ProtocolError::InvalidMetadata;
        let (&nlen, rest) = data.split_first().ok_or(bad.clone())?;
        let nlen = usize::from(nlen);
        if nlen == 0 || rest.len() < nlen + 4 {
            return Err(bad);
        }
        let (name, rest) = rest.split_at(nlen);
        let (vlen, rest) = rest.split_at(4);
        let vlen = u32::from_be_bytes([vlen[0], vlen[1], vlen[2], vlen[3]]) as usize;
        if rest.len() < vlen {
            return Err(bad);
        }
        let (value, rest) = rest.split_at(vlen);
        props.push((name, value));
        data = rest;
    }
    Ok(props)
}

/// A PING body: `\4PING | ttl (BE16, tenths of a second)`, no context, as
/// libzmq sends it.
pub fn ping(ttl_ms: i32) -> [u8; 7] {
    let ttl = (ttl_ms.max(0) / 100).min(i32::from(u16::MAX)) as u16;
    let t = ttl.to_be_bytes();
    [4, b'P', b'I', b'N', b'G', t[0], t[1]]
}

/// The PONG answering a PING's data (`ttl | context`): the context, cut to
/// 16 bytes. Returns (body buffer, length).
pub fn pong(ping_data: &[u8]) -> ([u8; 5 + MAX_PING_CONTEXT], usize) {
    let ctx = ping_data.get(2..).unwrap_or(&[]);
    let ctx = &ctx[..ctx.len().min(MAX_PING_CONTEXT)];
    let mut b = [0u8; 5 + MAX_PING_CONTEXT];
    b[..5].copy_from_slice(b"\x04PONG");
    b[5..5 + ctx.len()].copy_from_slice(ctx);
    (b, 5 + ctx.len())
}

/// The TTL of a PING in milliseconds; None if the PING has no TTL field.
pub fn ping_ttl_ms(ping_data: &[u8]) -> Option<u64> {
    let t = ping_data.get(..2)?;
    Some(u64::from(u16::from_be_bytes([t[0], t[1]])) * 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_names() {
        assert_eq!(split(b"\x05READYabc"), Some((&b"READY"[..], &b"abc"[..])));
        assert_eq!(split(b"\x04PING"), Some((&b"PING"[..], &b""[..])));
        assert_eq!(split(b""), None);
        assert_eq!(split(b"\x09SUB"), None);
        assert_eq!(split(b"\x00"), Some((&b""[..], &b""[..])));
    }

    #[test]
    fn properties_round_trip() {
        let mut b = Vec::new();
        put_property(&mut b, b"Socket-Type", b"DEALER");
        put_property(&mut b, b"Identity", b"");
        put_property(&mut b, b"X-Big", &[7u8; 300]);
        assert_eq!(&b[..16], b"\x0bSocket-Type\x00\x00\x00\x06");
        let p = parse_properties(&b).unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0], (&b"Socket-Type"[..], &b"DEALER"[..]));
        assert_eq!(p[1], (&b"Identity"[..], &b""[..]));
        assert_eq!(p[2].1.len(), 300);
        assert!(parse_properties(b"").unwrap().is_empty());
    }

    #[test]
    fn malformed_properties() {
        for bad in [
            &b"\x0bSocket-Type\x00\x00\x00\x07DEALER"[..], // value cut short
            b"\x0bSocket-Type\x00\x00",                    // length cut short
            b"\x0bSocket",                                 // name cut short
            b"\x00\x00\x00\x00\x00",                       // empty name
            b"\x01",                                       // lone length
            b"\x01A\xff\xff\xff\xffx",                     // 4 GiB value claimed
        ] {
            assert_eq!(
                parse_properties(bad),
                Err(ProtocolError::InvalidMetadata),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn ping_pong_bodies() {
        assert_eq!(ping(10_000), *b"\x04PING\x00\x64");
        assert_eq!(ping(0), *b"\x04PING\x00\x00");
        assert_eq!(ping(i32::MAX), *b"\x04PING\xff\xff");
        let (b, n) = pong(b"\x00\x64hello");
        assert_eq!(&b[..n], b"\x04PONGhello");
        let (b, n) = pong(b"\x00\x64abcdefghijklmnopqrstuvwxyz");
        assert_eq!(&b[..n], b"\x04PONGabcdefghijklmnop");
        let (b, n) = pong(b"\x00");
        assert_eq!(&b[..n], b"\x04PONG");
        assert_eq!(ping_ttl_ms(b"\x00\x64"), Some(10_000));
        assert_eq!(ping_ttl_ms(b"\x00"), None);
    }
}
