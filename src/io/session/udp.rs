//! The udp engine of a DGRAM socket: each received datagram goes to the
//! socket as [sender "ip:port", body]; each [destination, body] the socket
//! sends goes out as one datagram. A malformed destination or an oversized
//! body drops that message, as libzmq does; a full pipe stops reading (the
//! kernel buffer then drops what does not fit, as udp does).

use super::raw::Wire;
use super::{Down, Session};
use crate::msg::{Msg, ReadBuf};
use crate::pipe::Pipes;
use crate::transport::stream::Stream;
use crate::transport::udp::{address_string, parse_address, MAX_UDP_MSG};
use std::io::ErrorKind;
use std::net::SocketAddr;

/// What the engine keeps between turns.
pub struct UdpState {
    buf: Vec<u8>,
    /// `buf` is zero-filled at creation: its ReadBuf watermark.
    buf_init: usize,
    /// The destination part of the message being pulled (None inside: it
    /// did not parse).
    dest: Option<Option<SocketAddr>>,
    /// A datagram the kernel had no room for yet.
    pending: Option<(SocketAddr, Msg)>,
}

impl Default for UdpState {
    fn default() -> UdpState {
        UdpState {
            buf: vec![0; MAX_UDP_MSG],
            buf_init: MAX_UDP_MSG,
            dest: None,
            pending: None,
        }
    }
}

impl UdpState {
    /// The datagram buffer as a ReadBuf (zero-filled at creation).
    pub fn read_space(&mut self) -> ReadBuf<'_> {
        ReadBuf::from_bytes(&mut self.buf, 0, &mut self.buf_init)
    }

    pub fn has_output(&self) -> bool {
        self.pending.is_some()
    }
}

/// How a bound udp socket names itself in events.
pub(super) fn endpoint_name(a: &SocketAddr) -> String {
    format!("udp://{a}")
}

pub(super) fn stream(sock: std::net::UdpSocket) -> Stream {
    Stream::Udp(mio::net::UdpSocket::from_std(sock))
}

/// Move datagrams both ways until nothing more can move without waiting.
pub(super) fn pump(s: &mut Session, pipes: &mut Pipes) -> Result<(), Down> {
    let Some(slot) = s.pipe else { return Ok(()) };
    let Some(e) = s.engine.as_mut() else {
        return Ok(());
    };
    let (Stream::Udp(sock), Wire::Udp(u)) = (&e.stream, &mut e.zmtp) else {
        return Ok(());
    };
    // Inbound: datagram -> [address, body].
    while !e.read_blocked {
        let pipe = pipes.get(slot);
        if !pipe.check_write() {
            e.read_blocked = true;
            break;
        }
        match sock.recv_from(&mut u.buf) {
            Ok((n, from)) => {
                let mut addr = Msg::from_slice(address_string(&from).as_bytes());
                addr.set_flags(Msg::MORE);
                let body =
                    Msg::try_from_slice(&u.buf[..n]).map_err(|_| Down::Failed(libc::ENOMEM))?;
                pipe.write(addr);
                pipe.write(body);
                pipe.flush();
            }
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            // WouldBlock, or an error a datagram socket reports for an
            // earlier send (ICMP): nothing more to read now.
            Err(_) => break,
        }
    }
    // Outbound: [address, body] -> datagram.
    loop {
        if let Some((to, body)) = u.pending.take() {
            match sock.send_to(body.data(), to) {
                Ok(_) => {}
                Err(err) if err.kind() == ErrorKind::WouldBlock => {
                    u.pending = Some((to, body));
                    e.write_blocked = true;
                    break;
                }
                Err(err) if err.kind() == ErrorKind::Interrupted => {
                    u.pending = Some((to, body));
                    continue;
                }
                // Unreachable and the like: that datagram is lost, as udp's are.
                Err(_) => {}
            }
        }
        let Some(m) = pipes.get(slot).read() else {
            break;
        };
        if m.more() {
            u.dest = Some(parse_address(m.data()));
            continue;
        }
        if let Some(Some(to)) = u.dest.take() {
            if m.size() <= MAX_UDP_MSG {
                u.pending = Some((to, m));
            }
        }
    }
    Ok(())
}
