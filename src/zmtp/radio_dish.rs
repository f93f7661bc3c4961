//! RADIO/DISH over ZMTP 3.x (RFC 48, as libzmq's radio/dish sessions do it):
//! a DISH sends its joins and leaves as JOIN / LEAVE commands
//! (`\4JOIN group`, `\5LEAVE group`); a RADIO sends each message as two
//! frames, the group (with MORE) then the body.

use super::command::{JOIN, LEAVE};
use super::ProtocolError;
use crate::constants as c;
use crate::msg::{Msg, GROUP_MAX_LENGTH};

fn malformed() -> ProtocolError {
    ProtocolError::MalformedCommand(c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED)
}

/// The command body announcing a DISH's join or leave notice, or None for
/// any other message.
pub fn notice_command(msg: &Msg) -> Option<Vec<u8>> {
    let name = if msg.is_join() {
        JOIN
    } else if msg.is_leave() {
        LEAVE
    } else {
        return None;
    };
    let group = msg.group().to_bytes();
    let mut body = Vec::with_capacity(1 + name.len() + group.len());
    super::command::put_name(&mut body, name);
    body.extend_from_slice(group);
    Some(body)
}

/// A received JOIN/LEAVE command (name and data split off) as the join or
/// leave notice the RADIO reads; a group longer than ZMQ_GROUP_MAX_LENGTH
/// or holding a NUL is malformed.
pub fn parse_notice(name: &[u8], group: &[u8]) -> Result<Msg, ProtocolError> {
    let mut m = if name == JOIN {
        Msg::join()
    } else if name == LEAVE {
        Msg::leave()
    } else {
        return Err(malformed());
    };
    if group.len() > GROUP_MAX_LENGTH {
        return Err(malformed());
    }
    m.set_group(group).map_err(|_| malformed())?;
    Ok(m)
}

/// The group frame a RADIO sends before a message's body.
pub fn group_frame(msg: &Msg) -> Msg {
    let mut g = Msg::from_slice(msg.group().to_bytes());
    g.set_flags(Msg::MORE);
    g
}

/// A DISH's receive side: pairs each group frame with the body after it.
#[derive(Default)]
pub struct GroupDecoder {
    group: Option<Msg>,
}

impl GroupDecoder {
    /// One received data frame. Returns the whole message (body with its
    /// group set) after a body frame, None after a group frame. A group frame
    /// without MORE or over ZMQ_GROUP_MAX_LENGTH, or a body with MORE, fails
    /// the connection, as libzmq's dish session refuses them.
    pub fn push(&mut self, frame: Msg) -> Result<Option<Msg>, ProtocolError> {
        match self.group.take() {
            None => {
                if !frame.more() || frame.size() > GROUP_MAX_LENGTH {
                    return Err(ProtocolError::MalformedFrame);
                }
                self.group = Some(frame);
                Ok(None)
            }
            Some(group) => {
                if frame.more() {
                    return Err(ProtocolError::MalformedFrame);
                }
                let mut body = frame;
                body.set_group(group.data())
                    .map_err(|_| ProtocolError::MalformedFrame)?;
                Ok(Some(body))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_group(mut m: Msg, g: &[u8]) -> Msg {
        m.set_group(g).unwrap();
        m
    }

    #[test]
    fn notice_commands() {
        let j = with_group(Msg::join(), b"weather");
        assert_eq!(notice_command(&j).unwrap(), b"\x04JOINweather");
        let l = with_group(Msg::leave(), b"");
        assert_eq!(notice_command(&l).unwrap(), b"\x05LEAVE");
        let long = vec![b'x'; 255];
        let j = with_group(Msg::join(), &long);
        let body = notice_command(&j).unwrap();
        assert_eq!(body.len(), 5 + 255);
        assert!(notice_command(&Msg::from_slice(b"data")).is_none());
    }

    #[test]
    fn parse_notices() {
        let m = parse_notice(b"JOIN", b"weather").unwrap();
        assert!(m.is_join());
        assert_eq!(m.group().to_bytes(), b"weather");
        let m = parse_notice(b"LEAVE", b"").unwrap();
        assert!(m.is_leave());
        assert_eq!(m.group().to_bytes(), b"");
        let long = vec![b'y'; 255];
        assert_eq!(
            parse_notice(b"JOIN", &long).unwrap().group().to_bytes(),
            &long[..]
        );
    }

    #[test]
    fn malformed_notices() {
        let too_long = vec![b'z'; 256];
        assert_eq!(parse_notice(b"JOIN", &too_long).err(), Some(malformed()));
        assert_eq!(parse_notice(b"LEAVE", &too_long).err(), Some(malformed()));
        assert_eq!(parse_notice(b"JOIN", b"a\0b").err(), Some(malformed()));
        assert_eq!(parse_notice(b"JOINX", b"a").err(), Some(malformed()));
        assert_eq!(parse_notice(b"join", b"a").err(), Some(malformed()));
    }

    #[test]
    fn group_frames_round_trip() {
        let body = with_group(Msg::from_slice(b"sunny"), b"weather");
        let g = group_frame(&body);
        assert!(g.more());
        assert_eq!(g.data(), b"weather");
        let mut d = GroupDecoder::default();
        assert!(d.push(g).unwrap().is_none());
        let got = d.push(Msg::from_slice(b"sunny")).unwrap().unwrap();
        assert_eq!(got.data(), b"sunny");
        assert_eq!(got.group().to_bytes(), b"weather");
        // The decoder is back to expecting a group.
        let mut g2 = Msg::from_slice(b"");
        g2.set_flags(Msg::MORE);
        assert!(d.push(g2).unwrap().is_none());
        let got = d.push(Msg::from_slice(b"x")).unwrap().unwrap();
        assert_eq!(got.group().to_bytes(), b"");
    }

    #[test]
    fn malformed_group_frames() {
        // A group frame without MORE.
        let mut d = GroupDecoder::default();
        assert_eq!(
            d.push(Msg::from_slice(b"g")).err(),
            Some(ProtocolError::MalformedFrame)
        );
        // A group over 255 bytes.
        let mut g = Msg::from_slice(&[b'g'; 256]);
        g.set_flags(Msg::MORE);
        let mut d = GroupDecoder::default();
        assert_eq!(d.push(g).err(), Some(ProtocolError::MalformedFrame));
        // A body with MORE (RADIO messages are single-part).
        let mut d = GroupDecoder::default();
        let mut g = Msg::from_slice(b"g");
        g.set_flags(Msg::MORE);
        d.push(g).unwrap();
        let mut b = Msg::from_slice(b"b");
        b.set_flags(Msg::MORE);
        assert_eq!(d.push(b).err(), Some(ProtocolError::MalformedFrame));
        // A group with a NUL inside.
        let mut d = GroupDecoder::default();
        let mut g = Msg::from_slice(b"a\0b");
        g.set_flags(Msg::MORE);
        d.push(g).unwrap();
        assert_eq!(
            d.push(Msg::from_slice(b"b")).err(),
            Some(ProtocolError::MalformedFrame)
        );
    }
}
