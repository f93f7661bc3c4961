//! udp: the datagram transport of DGRAM sockets (libzmq's udp_engine in raw
//! mode). A DGRAM socket binds a udp port; every datagram it receives becomes
//! a two-part message [sender "ip:port", body], and every [destination
//! "ip:port", body] it sends becomes one datagram.

use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::io;
use std::net::{IpAddr, SocketAddr};

/// The largest datagram sent or received, as libzmq (MAX_UDP_MSG).
pub const MAX_UDP_MSG: usize = 8192;

/// A non-blocking udp socket bound to `addr` (port 0: ephemeral).
pub fn bind(addr: SocketAddr) -> io::Result<std::net::UdpSocket> {
    let sock = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    sock.set_cloexec(true)?;
    sock.set_nonblocking(true)?;
    sock.set_reuse_address(true)?;
    sock.bind(&SockAddr::from(addr))?;
    Ok(sock.into())
}

/// A datagram's sender as DGRAM reports it: "ip:port" ("[ip]:port" for
/// IPv6).
pub fn address_string(a: &SocketAddr) -> String {
    a.to_string()
}

/// A destination frame: "ip:port" or "[ip]:port", no host names (libzmq
/// drops a datagram whose address it cannot parse).
pub fn parse_address(b: &[u8]) -> Option<SocketAddr> {
    let s = std::str::from_utf8(b).ok()?;
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Some(a);
    }
    let (host, port) = s.rsplit_once(':')?;
    let ip: IpAddr = host.parse().ok()?;
    Some(SocketAddr::new(ip, port.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let a = parse_address(b"127.0.0.1:5555").unwrap();
        assert_eq!(address_string(&a), "127.0.0.1:5555");
        assert_eq!(parse_address(b"[::1]:7").unwrap().port(), 7);
        for bad in [
            &b"nonsense"[..],
            b"127.0.0.1",
            b"host:5",
            b"1.2.3.4:99999",
            b"\xff:1",
        ] {
            assert!(parse_address(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn bind_ephemeral() {
        let s = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        assert_ne!(s.local_addr().unwrap().port(), 0);
    }
}
