//! The few fields of an X.509 certificate the wss verifier reads itself
//! (webpki checks chains but neither reads a subject's common name nor
//! takes a CA certificate as the server's own, both of which GnuTLS, and so
//! libzmq's wss, does): the validity period, the subject's common names and
//! the subjectAltName DNS names and IP addresses. A strict DER walk: any
//! malformed length or tag is an error, never a panic.

use std::net::IpAddr;

/// What [`parse`] found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CertInfo {
    /// notBefore and notAfter, seconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
    /// The subject's common names (2.5.4.3), in order.
    pub common_names: Vec<String>,
    /// subjectAltName dNSName entries.
    pub dns_names: Vec<String>,
    /// subjectAltName iPAddress entries.
    pub ip_addrs: Vec<IpAddr>,
}

/// A DER element: its tag and contents.
struct Tlv<'a> {
    tag: u8,
    body: &'a [u8],
}

/// Read one element off the front of `input`.
fn next<'a>(input: &mut &'a [u8]) -> Option<Tlv<'a>> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None; // high tag numbers: none in what we read
    }
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        first as usize
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, &b| a << 8 | b as usize);
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return None;
    }
    let (body, rest) = rest.split_at(len);
    *input = rest;
    Some(Tlv { tag, body })
}

/// The next element, which must have this tag.
fn expect<'a>(input: &mut &'a [u8], tag: u8) -> Option<&'a [u8]> {
    let t = next(input)?;
    (t.tag == tag).then_some(t.body)
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const OCTET_STRING: u8 = 0x04;
const BOOLEAN: u8 = 0x01;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
/// id-at-commonName, 2.5.4.3.
const OID_CN: &[u8] = &[0x55, 0x04, 0x03];
/// id-ce-subjectAltName, 2.5.29.17.
const OID_SAN: &[u8] = &[0x55, 0x1d, 0x11];
/// GeneralName's [2] dNSName and [7] iPAddress (implicit, primitive).
const GN_DNS: u8 = 0x82;
const GN_IP: u8 = 0x87;

/// Parse a DER certificate; None if it is not one.
pub fn parse(der: &[u8]) -> Option<CertInfo> {
    let mut input = der;
    let mut cert = expect(&mut input, SEQUENCE)?;
    let mut tbs = expect(&mut cert, SEQUENCE)?;
    let mut t = next(&mut tbs)?;
    if t.tag == 0xa0 {
        t = next(&mut tbs)?; // [0] version: the serial follows
    }
    if t.tag != 0x02 {
        return None;
    }
    expect(&mut tbs, SEQUENCE)?; // signature algorithm
    expect(&mut tbs, SEQUENCE)?; // issuer
    let mut validity = expect(&mut tbs, SEQUENCE)?;
    let mut info = CertInfo {
        not_before: time(next(&mut validity)?)?,
        not_after: time(next(&mut validity)?)?,
        ..Default::default()
    };
    let mut subject = expect(&mut tbs, SEQUENCE)?;
    while !subject.is_empty() {
        let mut rdn = expect(&mut subject, SET)?;
        while !rdn.is_empty() {
            let mut atv = expect(&mut rdn, SEQUENCE)?;
            let oid = expect(&mut atv, OID)?;
            let value = next(&mut atv)?;
            // UTF8String, PrintableString, T61String, IA5String.
            if oid == OID_CN && matches!(value.tag, 0x0c | 0x13 | 0x14 | 0x16) {
                info.common_names
                    .push(String::from_utf8_lossy(value.body).into_owned());
            }
        }
    }
    expect(&mut tbs, SEQUENCE)?; // subjectPublicKeyInfo
    while let Some(t) = next(&mut tbs) {
        if t.tag != 0xa3 {
            continue; // issuer/subject unique ids
        }
        let mut outer = t.body;
        let mut exts = expect(&mut outer, SEQUENCE)?;
        while !exts.is_empty() {
            let mut ext = expect(&mut exts, SEQUENCE)?;
            let oid = expect(&mut ext, OID)?;
            let mut v = next(&mut ext)?;
            if v.tag == BOOLEAN {
                v = next(&mut ext)?;
            }
            if v.tag != OCTET_STRING || oid != OID_SAN {
                continue;
            }
            let mut names_outer = v.body;
            let mut names = expect(&mut names_outer, SEQUENCE)?;
            while let Some(n) = next(&mut names) {
                match n.tag {
                    GN_DNS => info
                        .dns_names
                        .push(String::from_utf8_lossy(n.body).into_owned()),
                    GN_IP => {
                        if let Ok(b) = <[u8; 4]>::try_from(n.body) {
                            info.ip_addrs.push(IpAddr::from(b));
                        } else if let Ok(b) = <[u8; 16]>::try_from(n.body) {
                            info.ip_addrs.push(IpAddr::from(b));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    Some(info)
}

/// A UTCTime ("YYMMDDHHMMSSZ", 50..99 meaning 19xx) or GeneralizedTime
/// ("YYYYMMDDHHMMSSZ"), as DER requires them, in Unix seconds.
fn time(t: Tlv<'_>) -> Option<i64> {
    let s = std::str::from_utf8(t.body).ok()?;
    let digits = s.strip_suffix('Z')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (year, rest) = match (t.tag, digits.len()) {
        (UTC_TIME, 12) => {
            let yy: i64 = digits[..2].parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &digits[2..])
        }
        (GENERALIZED_TIME, 14) => (digits[..4].parse().ok()?, &digits[4..]),
        _ => return None,
    };
    let f = |i: usize| -> Option<i64> { rest.get(i..i + 2)?.parse().ok() };
    let (mo, d, h, mi, se) = (f(0)?, f(2)?, f(4)?, f(6)?, f(8)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(days_from_civil(year, mo, d) * 86_400 + h * 3600 + mi * 60 + se)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_from_the_epoch() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        let utc = Tlv {
            tag: UTC_TIME,
            body: b"191110083318Z",
        };
        assert_eq!(time(utc), Some(1_573_374_798));
        let gen = Tlv {
            tag: GENERALIZED_TIME,
            body: b"21191017083318Z",
        };
        assert_eq!(time(gen), Some(4_726_974_798));
        let bad = Tlv {
            tag: UTC_TIME,
            body: b"1911100833Z",
        };
        assert_eq!(time(bad), None);
    }

    #[test]
    fn garbage_is_refused_without_panicking() {
        for bad in [
            &b""[..],
            &[0x30],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x30, 0x02, 0x30, 0x05],
            &[0x1f, 0x00],
        ] {
            assert_eq!(parse(bad), None);
        }
    }
}
