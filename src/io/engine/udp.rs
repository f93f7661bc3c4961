//! The udp engine of DGRAM, RADIO and DISH sockets, as libzmq's udp_engine.
//!
//! - DGRAM: each received datagram goes to the socket as [sender
//!   "ip:port\0", body]; each [destination, body] the socket sends goes out as one
//!   datagram.
//! - RADIO (send only): each message goes out to the connected destination
//!   as [group length, group, body]; whatever arrives is dropped.
//! - DISH (receive only): each such datagram becomes a message of its group
//!   (the DISH keeps those of the groups it joined); the socket's joins and
//!   leaves have nowhere to go over udp and are dropped.
//!
//! A malformed destination or datagram, or an oversized body, drops that
//! message, as libzmq does; a full pipe stops reading (the kernel buffer then
//! drops what does not fit, as udp does).

use super::raw::Wire;
use super::{Down, Session};
use crate::constants::{ZMQ_DISH, ZMQ_RADIO};
use crate::msg::GROUP_MAX_LENGTH;
use crate::msg::{Msg, ReadBuf};
use crate::pipe::Pipes;
use crate::transport::stream::Stream;
use crate::transport::udp::{
    address_frame, decode_group_datagram, encode_group_datagram, parse_address, MAX_UDP_MSG,
};
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
    /// RADIO: the datagram being sent, and whether the kernel still owes us
    /// room for it.
    out: Box<[u8; MAX_UDP_MSG]>,
    out_pending: Option<usize>,
}

impl Default for UdpState {
    fn default() -> UdpState {
        UdpState {
            buf: vec![0; MAX_UDP_MSG],
            buf_init: MAX_UDP_MSG,
            dest: None,
            pending: None,
            out: Box::new([0; MAX_UDP_MSG]),
            out_pending: None,
        }
    }
}

impl UdpState {
    /// The datagram buffer as a ReadBuf (zero-filled at creation).
    pub fn read_space(&mut self) -> ReadBuf<'_> {
        ReadBuf::from_bytes(&mut self.buf, 0, &mut self.buf_init)
    }

    pub fn has_output(&self) -> bool {
        self.pending.is_some() || self.out_pending.is_some()
    }
}

/// How a bound udp socket names itself in events.
pub(in crate::io) fn endpoint_name(a: &SocketAddr) -> String {
    format!("udp://{a}")
}

pub(in crate::io) fn stream(sock: std::net::UdpSocket) -> Stream {
    Stream::Udp(mio::net::UdpSocket::from_std(sock))
}

/// Move datagrams both ways until nothing more can move without waiting.
pub(in crate::io) fn pump(s: &mut Session, pipes: &mut Pipes) -> Result<(), Down> {
    let Some(slot) = s.pipe else { return Ok(()) };
    let socket_type = s.opts.socket_type;
    let Some(e) = s.engine.as_mut() else {
        return Ok(());
    };
    let (Stream::Udp(sock), Wire::Udp(u)) = (&e.stream, &mut e.zmtp) else {
        return Ok(());
    };
    match socket_type {
        ZMQ_RADIO => {
            // Nothing is meant to arrive: read it away so the socket does
            // not stay readable.
            loop {
                match sock.recv(&mut u.buf) {
                    Ok(_) => {}
                    Err(err) if err.kind() == ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            send_groups(sock, u, pipes, slot, &mut e.write_blocked);
            Ok(())
        }
        ZMQ_DISH => {
            // Joins and leaves: no peer to tell over udp.
            let pipe = pipes.get(slot);
            while pipe.read().is_some() {}
            recv_groups(sock, u, pipes, slot, &mut e.read_blocked)
        }
        _ => pump_dgram(
            sock,
            u,
            pipes,
            slot,
            &mut e.read_blocked,
            &mut e.write_blocked,
        ),
    }
}

/// RADIO: messages from the pipe out as group datagrams.
fn send_groups(
    sock: &mio::net::UdpSocket,
    u: &mut UdpState,
    pipes: &mut Pipes,
    slot: usize,
    write_blocked: &mut bool,
) {
    loop {
        if let Some(n) = u.out_pending.take() {
            match sock.send(&u.out[..n]) {
                Ok(_) => {}
                Err(err) if err.kind() == ErrorKind::WouldBlock => {
                    u.out_pending = Some(n);
                    *write_blocked = true;
                    return;
                }
                Err(err) if err.kind() == ErrorKind::Interrupted => {
                    u.out_pending = Some(n);
                    continue;
                }
                // Refused and the like: that datagram is lost, as udp's are.
                Err(_) => {}
            }
        }
        let Some(m) = pipes.get(slot).read() else {
            return;
        };
        u.out_pending = encode_group_datagram(&mut u.out, m.group().to_bytes(), m.data());
    }
}

/// DISH: group datagrams in as messages of their group.
fn recv_groups(
    sock: &mio::net::UdpSocket,
    u: &mut UdpState,
    pipes: &mut Pipes,
    slot: usize,
    read_blocked: &mut bool,
) -> Result<(), Down> {
    while !*read_blocked {
        let pipe = pipes.get(slot);
        if !pipe.check_write() {
            *read_blocked = true;
            break;
        }
        match sock.recv(&mut u.buf) {
            Ok(n) => {
                let Some((group, body)) = decode_group_datagram(&u.buf[..n], GROUP_MAX_LENGTH)
                else {
                    continue;
                };
                let mut m = Msg::try_from_slice(body).map_err(|_| Down::Failed(libc::ENOMEM))?;
                if m.set_group(group).is_err() {
                    continue;
                }
                pipe.write(m);
                pipe.flush();
            }
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    Ok(())
}

/// DGRAM: datagrams both ways as [address, body].
fn pump_dgram(
    sock: &mio::net::UdpSocket,
    u: &mut UdpState,
    pipes: &mut Pipes,
    slot: usize,
    read_blocked: &mut bool,
    write_blocked: &mut bool,
) -> Result<(), Down> {
    // Inbound: datagram -> [address, body].
    while !*read_blocked {
        let pipe = pipes.get(slot);
        if !pipe.check_write() {
            *read_blocked = true;
            break;
        }
        match sock.recv_from(&mut u.buf) {
            Ok((n, from)) => {
                let mut addr = address_frame(&from);
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
                    *write_blocked = true;
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
