//! Endpoint strings: "tcp://host:port", "tcp://src;dst", "ipc://path".

use crate::error::{Errno, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

/// Where a tcp listener binds: an address, with port 0 for `*`/`0`.
pub fn resolve_tcp_bind(addr: &str, ipv6: bool) -> Result<SocketAddr> {
    let (host, port) = split_host_port(addr)?;
    let port = parse_port(port, true)?;
    let ip = if host == "*" {
        if ipv6 {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        }
    } else if let Some(ip) = parse_ip(host) {
        if ip.is_ipv6() && !ipv6 {
            return Err(Errno::ENODEV);
        }
        ip
    } else if let Some(ip) = interface_addr(host, ipv6) {
        ip
    } else {
        // libzmq binds to addresses and interface names only: no DNS
        // ("tcp://localhost:5555" is ENODEV).
        return Err(Errno::ENODEV);
    };
    Ok(SocketAddr::new(ip, port))
}

/// Where a tcp connecter connects, and the optional source address
/// ("tcp://src:port;dst:port"). Host names are resolved here, in the caller's
/// thread as libzmq does, so the I/O threads never block on DNS.
pub fn resolve_tcp_connect(addr: &str, ipv6: bool) -> Result<(SocketAddr, Option<SocketAddr>)> {
    let (src, dst) = match addr.split_once(';') {
        Some((s, d)) => (Some(s), d),
        None => (None, addr),
    };
    let (host, port) = split_host_port(dst)?;
    let port = parse_port(port, false)?;
    if host == "*" {
        return Err(Errno::EINVAL);
    }
    let target = match parse_ip(host) {
        // libzmq resolves with AF_INET unless ZMQ_IPV6: an IPv6 literal
        // never resolves, so such a connect is retried and never succeeds.
        Some(ip) if ip.is_ipv6() && !ipv6 => return Err(Errno::EINVAL),
        Some(ip) => SocketAddr::new(ip, port),
        None => resolve_name(host, port, ipv6)?,
    };
    let source = match src {
        Some(s) => Some(resolve_tcp_bind(s, ipv6 || target.is_ipv6())?),
        None => None,
    };
    Ok((target, source))
}

/// A tcp connect address as zmq_connect takes it: libzmq checks only its
/// characters and that the part after the last ':' starts with a digit, and
/// resolves the rest when connecting (so "tcp://no-such-host:5555" is
/// accepted and retried).
pub fn check_tcp_connect_syntax(addr: &str) -> Result<()> {
    let ok_first = |c: char| c.is_ascii_alphanumeric() || c == '[' || c == ':';
    let ok_rest = |c: char| c.is_ascii_alphanumeric() || ".-:%;[]_*".contains(c);
    let mut chars = addr.chars();
    let fits = match chars.next() {
        Some(c) if ok_first(c) => chars.all(ok_rest),
        _ => false,
    };
    let port_digit = addr
        .rfind(':')
        .and_then(|i| addr[i + 1..].chars().next())
        .is_some_and(|c| c.is_ascii_digit());
    if fits && port_digit {
        Ok(())
    } else {
        Err(Errno::EINVAL)
    }
}

/// Where a tcp connecter connects when `addr` needs no name lookup (an IP
/// literal, with a source that resolves now); None when it is to be resolved
/// later, off the I/O thread, on every (re)connect as libzmq does.
///
/// libzmq resolves nothing at zmq_connect: its connecter resolves the whole
/// "src;dst" at each attempt, and an attempt that does not resolve is retried
/// at the reconnect interval. So a destination host name, a port that will not
/// parse, or a source that is no interface name, address literal or `*` (the
/// source never goes to DNS: "tcp://localhost:5555;host:1" is accepted and
/// never connects) all give None here, never an error.
pub fn literal_tcp_connect(
    addr: &str,
    ipv6: bool,
) -> Result<Option<(SocketAddr, Option<SocketAddr>)>> {
    let dst = addr.split_once(';').map_or(addr, |(_, d)| d);
    let (host, port) = split_host_port(dst)?;
    if parse_ip(host).is_none() || parse_port(port, false).is_err() {
        return Ok(None);
    }
    Ok(resolve_tcp_connect(addr, ipv6).ok())
}

/// A host (address literal or name to look up now) and a port.
pub(crate) fn resolve_host(host: &str, port: u16, ipv6: bool) -> Result<SocketAddr> {
    match parse_ip(host) {
        Some(ip) => Ok(SocketAddr::new(ip, port)),
        None => resolve_name(host, port, ipv6),
    }
}

pub(crate) fn split_host_port(addr: &str) -> Result<(&str, &str)> {
    let i = addr.rfind(':').ok_or(Errno::EINVAL)?;
    let (host, port) = (&addr[..i], &addr[i + 1..]);
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty() {
        return Err(Errno::EINVAL);
    }
    Ok((host, port))
}

fn parse_port(port: &str, wildcard_ok: bool) -> Result<u16> {
    if port == "*" || port == "0" {
        return if wildcard_ok {
            Ok(0)
        } else {
            Err(Errno::EINVAL)
        };
    }
    port.parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or(Errno::EINVAL)
}

fn parse_ip(host: &str) -> Option<IpAddr> {
    // Strip an IPv6 zone ("fe80::1%eth0"): std cannot parse it.
    let host = host.split('%').next().unwrap_or(host);
    host.parse().ok()
}

fn resolve_name(host: &str, port: u16, ipv6: bool) -> Result<SocketAddr> {
    let addrs = (host, port).to_socket_addrs().map_err(|_| Errno::EINVAL)?;
    let mut fallback = None;
    for a in addrs {
        if a.is_ipv4() {
            return Ok(a);
        }
        if ipv6 && fallback.is_none() {
            fallback = Some(a);
        }
    }
    fallback.ok_or(Errno::EINVAL)
}

/// The address of a network interface given by name ("lo", "eth0").
pub(crate) fn interface_addr(name: &str, ipv6: bool) -> Option<IpAddr> {
    let mut ifap: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills a list we free with freeifaddrs below.
    if unsafe { libc::getifaddrs(&mut ifap) } != 0 {
        return None;
    }
    let mut found = None;
    let mut cur = ifap;
    while !cur.is_null() {
        // SAFETY: cur walks the list getifaddrs returned.
        let ifa = unsafe { &*cur };
        cur = ifa.ifa_next;
        if ifa.ifa_addr.is_null() {
            continue;
        }
        // SAFETY: ifa_name is a NUL-terminated string.
        let ifname = unsafe { std::ffi::CStr::from_ptr(ifa.ifa_name) };
        if ifname.to_bytes() != name.as_bytes() {
            continue;
        }
        // SAFETY: ifa_addr points to a sockaddr of the family it declares.
        let family = unsafe { (*ifa.ifa_addr).sa_family } as i32;
        if family == libc::AF_INET {
            // SAFETY: family says this is a sockaddr_in.
            let sin = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in) };
            found = Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                sin.sin_addr.s_addr,
            ))));
            break;
        } else if family == libc::AF_INET6 && ipv6 && found.is_none() {
            // SAFETY: family says this is a sockaddr_in6.
            let sin6 = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in6) };
            found = Some(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)));
        }
    }
    // SAFETY: ifap came from getifaddrs.
    unsafe { libc::freeifaddrs(ifap) };
    found
}

/// How libzmq prints a tcp endpoint (ZMQ_LAST_ENDPOINT).
pub fn tcp_endpoint_string(addr: &SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("tcp://{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("tcp://[{}]:{}", a.ip(), a.port()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_forms() {
        assert_eq!(
            resolve_tcp_bind("*:5555", false).unwrap().to_string(),
            "0.0.0.0:5555"
        );
        assert_eq!(resolve_tcp_bind("127.0.0.1:*", false).unwrap().port(), 0);
        assert_eq!(
            resolve_tcp_bind("lo:0", false).unwrap().ip().to_string(),
            "127.0.0.1"
        );
        assert_eq!(
            resolve_tcp_bind("[::1]:5", true).unwrap().to_string(),
            "[::1]:5"
        );
        assert_eq!(resolve_tcp_bind("127.0.0.1", false), Err(Errno::EINVAL));
        assert_eq!(resolve_tcp_bind("127.0.0.1:x", false), Err(Errno::EINVAL));
        assert_eq!(
            resolve_tcp_bind("no-such-iface-x:1", false),
            Err(Errno::ENODEV)
        );
    }

    #[test]
    fn connect_forms() {
        let (d, s) = resolve_tcp_connect("127.0.0.1:5555", false).unwrap();
        assert_eq!(d.to_string(), "127.0.0.1:5555");
        assert!(s.is_none());
        let (d, s) = resolve_tcp_connect("127.0.0.1:0;127.0.0.1:6", false).unwrap();
        assert_eq!(d.port(), 6);
        assert_eq!(s.unwrap().port(), 0);
        assert_eq!(
            resolve_tcp_connect("localhost:7", false).unwrap().0.port(),
            7
        );
        assert_eq!(
            resolve_tcp_connect("127.0.0.1:*", false),
            Err(Errno::EINVAL)
        );
        assert_eq!(resolve_tcp_connect("*:5", false), Err(Errno::EINVAL));
        assert_eq!(resolve_tcp_connect("[::1]:5", false), Err(Errno::EINVAL));
        assert!(resolve_tcp_connect("[::1]:5", true).is_ok());
    }

    #[test]
    fn connect_syntax_as_libzmq() {
        for ok in [
            "no-such-host.invalid:5555",
            "a_b:5",
            "h:5x",
            ":5",
            "[::1]:5",
            "1.2.3.4:0",
        ] {
            assert_eq!(check_tcp_connect_syntax(ok), Ok(()), "{ok}");
        }
        for bad in [
            "bad host:5555",
            "host:",
            "host:x",
            "-x:5",
            "localhost:*",
            "",
        ] {
            assert_eq!(check_tcp_connect_syntax(bad), Err(Errno::EINVAL), "{bad}");
        }
        assert!(literal_tcp_connect("127.0.0.1:5", false).unwrap().is_some());
        assert!(literal_tcp_connect("example.invalid:5", false)
            .unwrap()
            .is_none());
        // A source that is not an interface or an address is resolved (and
        // fails) at each attempt, as in libzmq: zmq_connect accepts it.
        for later in [
            "no-such-iface-x:0;example.invalid:5",
            "localhost:5555;127.0.0.1:5",
            "no-such-iface-x:0;127.0.0.1:5",
        ] {
            assert_eq!(literal_tcp_connect(later, false), Ok(None), "{later}");
        }
        let (dst, src) = literal_tcp_connect("lo:0;127.0.0.1:5", false)
            .unwrap()
            .unwrap();
        assert_eq!(dst.to_string(), "127.0.0.1:5");
        assert_eq!(src.unwrap().to_string(), "127.0.0.1:0");
        // The source never goes to DNS, at any attempt.
        assert_eq!(
            resolve_tcp_connect("localhost:5555;127.0.0.1:5", false),
            Err(Errno::ENODEV)
        );
    }
}
