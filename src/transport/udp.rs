//! udp: the datagram transport of DGRAM, RADIO and DISH sockets (libzmq's
//! udp_engine).
//!
//! - DGRAM binds a udp port; every datagram it receives becomes a two-part
//!   message [sender "ip:port\0", body], and every [destination "ip:port",
//!   body] it sends becomes one datagram.
//! - DISH binds (a unicast address, or a multicast group it joins); RADIO
//!   connects (a unicast or multicast destination). Each message travels as
//!   one datagram: one byte of group length, the group, the body.
//!
//! Endpoints follow libzmq's udp_address: `[interface;]address:port`, the
//! interface (`*`, a NIC name or an address) only in front of a multicast
//! address, naming where to join or send from.

use super::endpoint::{BindArgs, BindError, Bound, ConnectArgs, Dest, Scheme};
use crate::constants::{ZMQ_DGRAM, ZMQ_DISH, ZMQ_RADIO};
use crate::error::{Errno, Result};
use crate::msg::Msg;
use crate::transport::address::{interface_addr, resolve_host, resolve_tcp_bind, split_host_port};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The largest datagram sent or received, as libzmq (MAX_UDP_MSG).
pub const MAX_UDP_MSG: usize = 8192;

/// A resolved udp endpoint, as libzmq's udp_address_t.
#[derive(Debug, Clone, PartialEq)]
pub struct UdpEndpoint {
    /// Where a receiving socket binds (the wildcard address and the port for
    /// multicast); for a sender, the interface multicast goes out of.
    pub bind: SocketAddr,
    /// The multicast group, or a sender's destination (for a unicast bind,
    /// the same as `bind`).
    pub target: SocketAddr,
    pub multicast: bool,
    /// The interface index for IPv6 multicast: 0 for any, None when the
    /// interface named has no index (an address was given).
    pub iface_index: Option<u32>,
}

fn unspecified(v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    }
}

/// An interface part ("*", an address, a NIC name): its address and index.
fn resolve_interface(name: &str, ipv6: bool) -> Result<(IpAddr, Option<u32>)> {
    if name == "*" {
        return Ok((unspecified(ipv6), Some(0)));
    }
    let host = name
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(name);
    if let Ok(ip) = host.parse::<IpAddr>() {
        if ip.is_ipv6() && !ipv6 {
            return Err(Errno::ENODEV);
        }
        return Ok((ip, None));
    }
    let ip = interface_addr(name, ipv6).ok_or(Errno::ENODEV)?;
    let cname = std::ffi::CString::new(name).map_err(|_| Errno::ENODEV)?;
    // SAFETY: a NUL-terminated name; if_nametoindex only reads it.
    let index = unsafe { libc::if_nametoindex(cname.as_ptr()) };
    Ok((ip, (index != 0).then_some(index)))
}

/// Resolve `[interface;]address:port` for a bind (DISH, DGRAM: no host
/// names, `*` and NIC names allowed) or a connect (RADIO: host names are
/// looked up now, as libzmq does).
pub fn resolve(name: &str, bind: bool, ipv6: bool) -> Result<UdpEndpoint> {
    let (iface, rest) = match name.rsplit_once(';') {
        Some((i, r)) => (Some(i), r),
        None => (None, name),
    };
    let iface = match iface {
        Some(i) => {
            let (ip, index) = resolve_interface(i, ipv6)?;
            if ip.is_multicast() {
                // A multicast address cannot be where datagrams come from.
                return Err(Errno::EINVAL);
            }
            Some((ip, index))
        }
        None => None,
    };
    let target = if bind {
        resolve_tcp_bind(rest, ipv6)?
    } else {
        // A sender's port 0 is accepted, as libzmq does (nothing arrives);
        // `*` is not an address to send to.
        let (host, port) = split_host_port(rest)?;
        let port = match port {
            "0" => 0,
            p => p
                .parse::<u16>()
                .ok()
                .filter(|&p| p != 0)
                .ok_or(Errno::EINVAL)?,
        };
        if host == "*" {
            return Err(Errno::EINVAL);
        }
        resolve_host(host, port, ipv6)?
    };
    let multicast = target.ip().is_multicast();
    let port = target.port();
    let (bind_addr, iface_index) = match iface {
        Some((ip, index)) => {
            if !multicast {
                return Err(Errno::EINVAL);
            }
            (SocketAddr::new(ip, port), index)
        }
        // Without an interface the address is the group (multicast), the
        // destination (a sender) or the address to bind (a receiver).
        None if multicast || !bind => (
            SocketAddr::new(unspecified(target.is_ipv6()), port),
            Some(0),
        ),
        None => (target, Some(0)),
    };
    if bind_addr.is_ipv6() != target.is_ipv6() {
        return Err(Errno::EINVAL);
    }
    if ipv6 && multicast && iface_index.is_none() {
        return Err(Errno::ENODEV);
    }
    Ok(UdpEndpoint {
        bind: bind_addr,
        target,
        multicast,
        iface_index,
    })
}

fn new_socket(addr: &SocketAddr, device: &[u8]) -> io::Result<Socket> {
    let sock = Socket::new(Domain::for_address(*addr), Type::DGRAM, Some(Protocol::UDP))?;
    sock.set_cloexec(true)?;
    sock.set_nonblocking(true)?;
    if !device.is_empty() {
        sock.bind_device(Some(device))?;
    }
    Ok(sock)
}

/// A non-blocking udp socket bound to `addr` (port 0: ephemeral).
pub fn bind(addr: SocketAddr) -> io::Result<std::net::UdpSocket> {
    let sock = new_socket(&addr, b"")?;
    sock.set_reuse_address(true)?;
    sock.bind(&SockAddr::from(addr))?;
    Ok(sock.into())
}

/// The receiving socket of a DISH or DGRAM bind: bound to the address, or
/// for a multicast group to the wildcard address and port (shareable with
/// other receivers of the group) and joined on the interface given.
pub fn open_receiver(ep: &UdpEndpoint, device: &[u8]) -> io::Result<std::net::UdpSocket> {
    let sock = new_socket(&ep.bind, device)?;
    sock.set_reuse_address(true)?;
    if !ep.multicast {
        sock.bind(&SockAddr::from(ep.bind))?;
        return Ok(sock.into());
    }
    sock.set_reuse_port(true)?;
    let any = SocketAddr::new(unspecified(ep.bind.is_ipv6()), ep.bind.port());
    sock.bind(&SockAddr::from(any))?;
    match (ep.target.ip(), ep.bind.ip()) {
        (IpAddr::V4(group), IpAddr::V4(iface)) => sock.join_multicast_v4(&group, &iface)?,
        (IpAddr::V6(group), _) => sock.join_multicast_v6(&group, ep.iface_index.unwrap_or(0))?,
        _ => return Err(io::Error::from_raw_os_error(libc::EINVAL)),
    }
    Ok(sock.into())
}

/// The sending socket of a RADIO connect: connected to the destination; for
/// multicast with the loop, hops and outgoing interface asked for.
pub fn open_sender(
    ep: &UdpEndpoint,
    device: &[u8],
    multicast_loop: bool,
    multicast_hops: i32,
) -> io::Result<std::net::UdpSocket> {
    let sock = new_socket(&ep.target, device)?;
    if ep.multicast {
        match ep.bind.ip() {
            IpAddr::V4(iface) => {
                sock.set_multicast_loop_v4(multicast_loop)?;
                if multicast_hops > 0 {
                    sock.set_multicast_ttl_v4(multicast_hops as u32)?;
                }
                if !iface.is_unspecified() {
                    sock.set_multicast_if_v4(&iface)?;
                }
            }
            IpAddr::V6(_) => {
                sock.set_multicast_loop_v6(multicast_loop)?;
                if multicast_hops > 0 {
                    sock.set_multicast_hops_v6(multicast_hops as u32)?;
                }
                if let Some(index @ 1..) = ep.iface_index {
                    sock.set_multicast_if_v6(index)?;
                }
            }
        }
    }
    sock.connect(&SockAddr::from(ep.target))?;
    Ok(sock.into())
}

/// One RADIO message as a datagram: group length, group, body. None when it
/// does not fit in one (libzmq would overrun its buffer; we drop it).
pub fn encode_group_datagram(
    out: &mut [u8; MAX_UDP_MSG],
    group: &[u8],
    body: &[u8],
) -> Option<usize> {
    let n = 1 + group.len() + body.len();
    if group.len() > u8::MAX as usize || n > MAX_UDP_MSG {
        return None;
    }
    out[0] = group.len() as u8;
    out[1..1 + group.len()].copy_from_slice(group);
    out[1 + group.len()..n].copy_from_slice(body);
    Some(n)
}

/// A RADIO datagram split into (group, body); None when it is malformed
/// (a group longer than the datagram or than a group may be).
pub fn decode_group_datagram(d: &[u8], max_group: usize) -> Option<(&[u8], &[u8])> {
    let (&len, rest) = d.split_first()?;
    let len = len as usize;
    if len > max_group || len > rest.len() {
        return None;
    }
    Some(rest.split_at(len))
}

/// A datagram's sender as DGRAM hands it up: "ip:port" and a terminating
/// NUL counted in the frame (libzmq's sockaddr_to_msg), so a C program can
/// use the frame as a string; "[ip]:port" for IPv6, which libzmq's DGRAM
/// does not speak.
pub fn address_frame(a: &SocketAddr) -> Msg {
    // Room for the longest IPv6 form, "[ipv6%scope]:65535", and the NUL.
    let mut buf = [0u8; 80];
    let mut w = &mut buf[..];
    let room = w.len();
    // Cannot fail: the longest address fits.
    let _ = write!(w, "{a}\0");
    let n = room - w.len();
    Msg::from_slice(&buf[..n])
}

/// A destination frame, read as libzmq's resolve_raw_address does: the port
/// is what follows the last ':' as C's atoi reads it, so a trailing NUL (a
/// frame DGRAM handed up, sent back as it came) or other trailing bytes end
/// it, and it is cast to 16 bits; port 0 is invalid. The host is what comes
/// before, up to a NUL: an IPv4 literal (libzmq's inet_addr), here also an
/// IPv6 one in brackets. No host names: libzmq drops what it cannot parse.
pub fn parse_address(b: &[u8]) -> Option<SocketAddr> {
    let colon = b.iter().rposition(|&c| c == b':')?;
    let port = c_atoi(&b[colon + 1..]) as u16;
    if port == 0 {
        return None;
    }
    let host = &b[..colon];
    let host = host.split(|&c| c == 0).next().unwrap_or(host);
    let host = std::str::from_utf8(host).ok()?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    Some(SocketAddr::new(host.parse().ok()?, port))
}

/// C's atoi as glibc has it, `(int) strtol (s, NULL, 10)`: leading white
/// space, an optional sign, then digits up to the first other byte; strtol
/// saturates out of range, then the int conversion keeps the low 32 bits.
pub(crate) fn c_atoi(b: &[u8]) -> i32 {
    let mut rest = b;
    while let [b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r', tail @ ..] = rest {
        rest = tail;
    }
    let neg = matches!(rest.first(), Some(b'-'));
    if matches!(rest.first(), Some(b'-' | b'+')) {
        rest = &rest[1..];
    }
    let mut v: i64 = 0;
    for &c in rest.iter().take_while(|c| c.is_ascii_digit()) {
        let d = i64::from(c - b'0');
        v = v
            .saturating_mul(10)
            .saturating_add(if neg { -d } else { d });
    }
    v as i32
}

impl super::stream::Conn for mio::net::UdpSocket {
    fn local_name(&self) -> String {
        self.local_addr()
            .map(|a| format!("udp://{a}"))
            .unwrap_or_default()
    }

    fn remote_name(&self) -> String {
        String::new()
    }

    fn connect_result(&self) -> io::Result<()> {
        match self.take_error()? {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn is_datagram(&self) -> bool {
        true
    }
}

/// udp's endpoint side (see [`Scheme`]): DGRAM, RADIO and DISH only (which
/// of them binds or connects is checked there).
pub const SCHEME: Scheme = Scheme {
    name: "udp",
    allows: |t| matches!(t, ZMQ_DGRAM | ZMQ_RADIO | ZMQ_DISH),
    bind: bind_endpoint,
    connect: connect_endpoint,
};

/// RADIO connects udp: a socket connected to the destination (a host name
/// is looked up now, as libzmq does), its own session at once.
fn connect_endpoint(addr: &str, args: &ConnectArgs) -> Result<Dest> {
    if args.socket_type != ZMQ_RADIO {
        return Err(Errno::ENOCOMPATPROTO);
    }
    let ep = resolve(addr, false, args.ipv6)?;
    let sock = open_sender(
        &ep,
        args.bindtodevice,
        args.multicast_loop,
        args.multicast_hops,
    )
    .map_err(Errno::from)?;
    Ok(Dest::Session(sock))
}

/// DGRAM and DISH bind udp (a unicast address, or a multicast group to
/// join): the socket is made here, so errors are zmq_bind's, and it is its
/// own session at once.
fn bind_endpoint(addr: &str, args: &BindArgs) -> std::result::Result<Bound, BindError> {
    if !matches!(args.socket_type, ZMQ_DGRAM | ZMQ_DISH) {
        return Err(BindError::Quiet(Errno::ENOCOMPATPROTO));
    }
    let ep = resolve(addr, true, args.ipv6).map_err(BindError::Quiet)?;
    let opened = || -> io::Result<_> {
        let sock = open_receiver(&ep, args.bindtodevice)?;
        let local = sock.local_addr()?;
        Ok(Bound::Session(sock, format!("udp://{local}")))
    };
    opened().map_err(|e| BindError::Quiet(Errno::from(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let a = parse_address(b"127.0.0.1:5555").unwrap();
        assert_eq!(address_frame(&a).data(), b"127.0.0.1:5555\0");
        assert_eq!(parse_address(b"[::1]:7").unwrap().port(), 7);
        let v6 = parse_address(b"[::1]:7").unwrap();
        assert_eq!(address_frame(&v6).data(), b"[::1]:7\0");
        // What DGRAM hands up goes back as it came, NUL and all.
        assert_eq!(parse_address(address_frame(&a).data()), Some(a));
        assert_eq!(parse_address(address_frame(&v6).data()), Some(v6));
        // libzmq's atoi: trailing bytes end the port, it wraps at 16 bits.
        assert_eq!(parse_address(b"127.0.0.1:5555x").unwrap().port(), 5555);
        assert_eq!(parse_address(b"127.0.0.1: 5555").unwrap().port(), 5555);
        assert_eq!(parse_address(b"1.2.3.4:99999").unwrap().port(), 34463);
        assert_eq!(parse_address(b"1.2.3.4:-1").unwrap().port(), 65535);
        assert_eq!(
            parse_address(b"127.0.0.1\0junk:5").unwrap(),
            "127.0.0.1:5".parse().unwrap()
        );
        for bad in [
            &b"nonsense"[..],
            b"127.0.0.1",
            b"127.0.0.1:",
            b"127.0.0.1:0",
            b"127.0.0.1:65536",
            b"127.0.0.1:\x005",
            b"host:5",
            b"\xff:1",
        ] {
            assert!(parse_address(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn endpoints_resolve_as_libzmq() {
        let e = resolve("127.0.0.1:5555", true, false).unwrap();
        assert_eq!(
            (e.bind, e.target, e.multicast),
            (e.target, "127.0.0.1:5555".parse().unwrap(), false)
        );
        let e = resolve("*:5555", true, false).unwrap();
        assert_eq!(e.bind, "0.0.0.0:5555".parse().unwrap());
        // A multicast group: bind the wildcard, join the group.
        let e = resolve("239.0.0.1:5555", true, false).unwrap();
        assert!(e.multicast);
        assert_eq!(e.bind, "0.0.0.0:5555".parse().unwrap());
        assert_eq!(e.target, "239.0.0.1:5555".parse().unwrap());
        let e = resolve("lo;239.0.0.1:5555", true, false).unwrap();
        assert_eq!(e.bind, "127.0.0.1:5555".parse().unwrap());
        let e = resolve("127.0.0.1;239.0.0.1:5555", false, false).unwrap();
        assert_eq!(e.bind.ip(), "127.0.0.1".parse::<IpAddr>().unwrap());
        // A sender's address is its destination.
        let e = resolve("127.0.0.1:7", false, false).unwrap();
        assert_eq!(e.target, "127.0.0.1:7".parse().unwrap());
        assert_eq!(e.bind, "0.0.0.0:7".parse().unwrap());
        assert_eq!(
            resolve("127.0.0.1:0", false, false).unwrap().target.port(),
            0
        );
        assert_eq!(
            resolve("localhost:7", false, false).unwrap().target.port(),
            7
        );
        // An interface only in front of a multicast address, never itself one.
        assert_eq!(
            resolve("127.0.0.1;127.0.0.1:5", false, false),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            resolve("239.0.0.2;239.0.0.1:5", true, false),
            Err(Errno::EINVAL)
        );
        assert_eq!(resolve("*:5", false, false), Err(Errno::EINVAL));
        assert_eq!(resolve("no-such-nic:5", true, false), Err(Errno::ENODEV));
        assert_eq!(resolve("nonsense", true, false), Err(Errno::EINVAL));
    }

    #[test]
    fn group_datagrams() {
        let mut out = [0u8; MAX_UDP_MSG];
        let n = encode_group_datagram(&mut out, b"weather", b"sunny").unwrap();
        assert_eq!(&out[..n], b"\x07weathersunny");
        assert_eq!(
            decode_group_datagram(&out[..n], 15),
            Some((&b"weather"[..], &b"sunny"[..]))
        );
        assert_eq!(
            decode_group_datagram(b"\x00", 15),
            Some((&b""[..], &b""[..]))
        );
        assert_eq!(decode_group_datagram(b"", 15), None);
        assert_eq!(decode_group_datagram(b"\x05abc", 15), None);
        assert_eq!(decode_group_datagram(b"\x10aaaaaaaaaaaaaaaa", 15), None);
        assert!(encode_group_datagram(&mut out, b"g", &[0; MAX_UDP_MSG - 2]).is_some());
        assert!(encode_group_datagram(&mut out, b"g", &[0; MAX_UDP_MSG - 1]).is_none());
    }

    #[test]
    fn bind_ephemeral() {
        let s = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        assert_ne!(s.local_addr().unwrap().port(), 0);
    }
}
