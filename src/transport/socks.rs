//! The SOCKS5 client exchange (RFC 1928, with RFC 1929 username/password
//! authentication) a tcp connecter runs with ZMQ_SOCKS_PROXY set, between
//! the proxy accepting the tcp connection and the ZMTP greeting. Sans-I/O:
//! bytes in, bytes out, as libzmq's socks_connecter_t exchanges them.
//!
//! The reader asks for exactly the bytes the current reply still lacks
//! ([`SocksClient::want`]), so nothing the destination sends after the
//! proxy's last reply (its ZMTP greeting) is ever consumed here.

use std::net::IpAddr;

const VERSION: u8 = 0x05;
const NO_AUTH: u8 = 0x00;
const BASIC_AUTH: u8 = 0x02;
const AUTH_VERSION: u8 = 0x01;
const CMD_CONNECT: u8 = 0x01;
const ATYP_V4: u8 = 0x01;
const ATYP_DOMAIN: u8 = 0x03;
const ATYP_V6: u8 = 0x04;
/// Reply codes above this are not defined by RFC 1928 (libzmq refuses them).
const MAX_REPLY: u8 = 0x08;

/// Why the exchange failed; the connecter closes and retries later.
#[derive(Debug, PartialEq, Eq)]
pub enum SocksError {
    /// The proxy sent something RFC 1928/1929 does not allow.
    Protocol,
    /// The proxy chose no method we offered, refused the credentials, or
    /// refused the connection (its reply code).
    Refused(u8),
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Phase {
    Choice,
    AuthReply,
    Reply,
    Done,
}

pub struct SocksClient {
    /// Bytes to send; `sent` of them are gone.
    out: Vec<u8>,
    sent: usize,
    /// The reply being read.
    reply: Vec<u8>,
    phase: Phase,
    credentials: Option<(Vec<u8>, Vec<u8>)>,
    request: Vec<u8>,
}

/// "host:port" or "[v6]:port" as libzmq's socks connecter splits the
/// endpoint's address; the host is sent as an address when it is a numeric
/// one, else as a domain name for the proxy to resolve.
fn connect_request(dest: &str) -> Option<Vec<u8>> {
    let idx = dest.rfind(':')?;
    let host = &dest[..idx];
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let port: u16 = dest[idx + 1..].parse().ok().filter(|&p| p != 0)?;
    let mut req = vec![VERSION, CMD_CONNECT, 0x00];
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => {
            req.push(ATYP_V4);
            req.extend_from_slice(&a.octets());
        }
        Ok(IpAddr::V6(a)) => {
            req.push(ATYP_V6);
            req.extend_from_slice(&a.octets());
        }
        Err(_) => {
            let len = u8::try_from(host.len()).ok().filter(|&l| l > 0)?;
            req.push(ATYP_DOMAIN);
            req.push(len);
            req.extend_from_slice(host.as_bytes());
        }
    }
    req.extend_from_slice(&port.to_be_bytes());
    Some(req)
}

impl SocksClient {
    /// `dest`: the endpoint's "host:port"; `credentials`: ZMQ_SOCKS_USERNAME
    /// (non-empty) and ZMQ_SOCKS_PASSWORD, each at most 255 bytes. None if
    /// the destination cannot be put in a request.
    pub fn new(dest: &str, credentials: Option<(Vec<u8>, Vec<u8>)>) -> Option<SocksClient> {
        let request = connect_request(dest)?;
        // libzmq offers exactly one method: basic auth when a user is set.
        let method = if credentials.is_some() {
            BASIC_AUTH
        } else {
            NO_AUTH
        };
        Some(SocksClient {
            out: vec![VERSION, 1, method],
            sent: 0,
            reply: Vec::new(),
            phase: Phase::Choice,
            credentials,
            request,
        })
    }

    pub fn output(&self) -> &[u8] {
        &self.out[self.sent..]
    }

    pub fn consume_output(&mut self, n: usize) {
        self.sent = (self.sent + n).min(self.out.len());
    }

    fn queue(&mut self, bytes: Vec<u8>) {
        self.out = bytes;
        self.sent = 0;
    }

    /// The proxy's reply still lacks this many bytes (0 once done).
    pub fn want(&self) -> usize {
        let r = &self.reply;
        let total = match self.phase {
            Phase::Choice | Phase::AuthReply => 2,
            Phase::Done => return 0,
            Phase::Reply if r.len() < 5 => 5,
            Phase::Reply => match r[3] {
                ATYP_V4 => 4 + 4 + 2,
                ATYP_V6 => 4 + 16 + 2,
                _ => 4 + 1 + usize::from(r[4]) + 2,
            },
        };
        total - r.len()
    }

    pub fn done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Take bytes the proxy sent (at most [`SocksClient::want`] of them).
    pub fn input(&mut self, bytes: &[u8]) -> Result<(), SocksError> {
        let take = bytes.len().min(self.want());
        self.reply.extend_from_slice(&bytes[..take]);
        self.check_prefix()?;
        if self.want() > 0 {
            return Ok(());
        }
        let reply = std::mem::take(&mut self.reply);
        match self.phase {
            Phase::Choice => match reply[1] {
                // As libzmq, a proxy that asks for basic auth gets it (with
                // empty credentials if none were set).
                BASIC_AUTH => {
                    let (user, pass) = self.credentials.take().unwrap_or_default();
                    let mut req = vec![AUTH_VERSION, user.len() as u8];
                    req.extend_from_slice(&user);
                    req.push(pass.len() as u8);
                    req.extend_from_slice(&pass);
                    self.queue(req);
                    self.phase = Phase::AuthReply;
                }
                // libzmq goes on with the request when the proxy picks "no
                // authentication", whatever it offered.
                NO_AUTH => self.send_request(),
                m => return Err(SocksError::Refused(m)),
            },
            Phase::AuthReply => match reply[1] {
                0 => self.send_request(),
                code => return Err(SocksError::Refused(code)),
            },
            Phase::Reply => match reply[1] {
                0 => self.phase = Phase::Done,
                code => return Err(SocksError::Refused(code)),
            },
            Phase::Done => {}
        }
        Ok(())
    }

    fn send_request(&mut self) {
        let req = std::mem::take(&mut self.request);
        self.queue(req);
        self.phase = Phase::Reply;
    }

    /// Refuse a malformed reply as soon as its bytes show it.
    fn check_prefix(&self) -> Result<(), SocksError> {
        let r = &self.reply;
        let version = match self.phase {
            Phase::AuthReply => AUTH_VERSION,
            _ => VERSION,
        };
        if r.first().is_some_and(|&v| v != version) {
            return Err(SocksError::Protocol);
        }
        if self.phase == Phase::Reply {
            let bad = r.get(1).is_some_and(|&c| c > MAX_REPLY)
                || r.get(2).is_some_and(|&z| z != 0)
                || r.get(3)
                    .is_some_and(|&t| !matches!(t, ATYP_V4 | ATYP_DOMAIN | ATYP_V6));
            if bad {
                return Err(SocksError::Protocol);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(c: &mut SocksClient, bytes: &[u8]) -> Result<(), SocksError> {
        // One byte at a time: the reader never depends on read sizes.
        for b in bytes {
            assert!(c.want() > 0);
            c.input(std::slice::from_ref(b))?;
        }
        Ok(())
    }

    fn take_out(c: &mut SocksClient) -> Vec<u8> {
        let v = c.output().to_vec();
        c.consume_output(v.len());
        v
    }

    #[test]
    fn no_auth_ipv4() {
        let mut c = SocksClient::new("127.0.0.1:5555", None).unwrap();
        assert_eq!(take_out(&mut c), [5, 1, 0]);
        feed(&mut c, &[5, 0]).unwrap();
        assert_eq!(take_out(&mut c), [5, 1, 0, 1, 127, 0, 0, 1, 0x15, 0xb3]);
        feed(&mut c, &[5, 0, 0, 1, 10, 0, 0, 1, 0, 80]).unwrap();
        assert!(c.done());
        assert_eq!(c.want(), 0);
        // Bytes after the reply (the peer's greeting) are not taken.
        c.input(&[0xff]).unwrap();
    }

    #[test]
    fn basic_auth_domain() {
        let creds = Some((b"user".to_vec(), b"pw".to_vec()));
        let mut c = SocksClient::new("example.org:80", creds).unwrap();
        assert_eq!(take_out(&mut c), [5, 1, 2]);
        feed(&mut c, &[5, 2]).unwrap();
        assert_eq!(take_out(&mut c), b"\x01\x04user\x02pw");
        feed(&mut c, &[1, 0]).unwrap();
        let mut want = vec![5, 1, 0, 3, 11];
        want.extend_from_slice(b"example.org");
        want.extend_from_slice(&[0, 80]);
        assert_eq!(take_out(&mut c), want);
        // A domain-name reply: length byte, name, port.
        feed(&mut c, &[5, 0, 0, 3, 3, b'a', b'b', b'c', 0, 1]).unwrap();
        assert!(c.done());
    }

    #[test]
    fn ipv6_request_and_reply() {
        let mut c = SocksClient::new("[::1]:7", None).unwrap();
        take_out(&mut c);
        feed(&mut c, &[5, 0]).unwrap();
        let req = take_out(&mut c);
        assert_eq!(req[3], ATYP_V6);
        assert_eq!(req.len(), 4 + 16 + 2);
        let mut reply = vec![5, 0, 0, 4];
        reply.extend_from_slice(&[0; 18]);
        feed(&mut c, &reply).unwrap();
        assert!(c.done());
    }

    #[test]
    fn refusals() {
        let mut c = SocksClient::new("1.2.3.4:1", None).unwrap();
        assert_eq!(feed(&mut c, &[5, 0xff]), Err(SocksError::Refused(0xff)));
        let mut c = SocksClient::new("1.2.3.4:1", None).unwrap();
        assert_eq!(feed(&mut c, &[4, 0]), Err(SocksError::Protocol));
        let mut c = SocksClient::new("1.2.3.4:1", Some((b"u".to_vec(), b"".to_vec()))).unwrap();
        feed(&mut c, &[5, 2]).unwrap();
        assert_eq!(feed(&mut c, &[1, 1]), Err(SocksError::Refused(1)));
        let mut c = SocksClient::new("1.2.3.4:1", None).unwrap();
        feed(&mut c, &[5, 0]).unwrap();
        assert_eq!(
            feed(&mut c, &[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]),
            Err(SocksError::Refused(5))
        );
        let mut c = SocksClient::new("1.2.3.4:1", None).unwrap();
        feed(&mut c, &[5, 0]).unwrap();
        assert_eq!(feed(&mut c, &[5, 9]), Err(SocksError::Protocol));
        let mut c = SocksClient::new("1.2.3.4:1", None).unwrap();
        feed(&mut c, &[5, 0]).unwrap();
        assert_eq!(feed(&mut c, &[5, 0, 0, 7]), Err(SocksError::Protocol));
        // A method neither offered nor known.
        let mut c = SocksClient::new("1.2.3.4:1", None).unwrap();
        assert_eq!(feed(&mut c, &[5, 1]), Err(SocksError::Refused(1)));
    }

    #[test]
    fn bad_destinations() {
        assert!(SocksClient::new("nohost", None).is_none());
        assert!(SocksClient::new("h:0", None).is_none());
        assert!(SocksClient::new("h:x", None).is_none());
        assert!(SocksClient::new(":80", None).is_none());
        assert!(SocksClient::new(&format!("{}:1", "a".repeat(256)), None).is_none());
    }
}
