//! The ZWS 2.0 side of a [`Connection`] (see `zmtp::ws`): made without a
//! greeting once the WebSocket upgrade chose a subprotocol, fed whole
//! frames, and sending WebSocket control frames.

use super::*;

impl Connection {
    /// A ZWS 2.0 connection whose WebSocket upgrade chose its subprotocol:
    /// no greeting; with `mechanism_commands` the mechanism's handshake runs
    /// as command frames, else (plain "ZWS2.0") each side's first message is
    /// its routing id. `client`: our frames are masked.
    pub fn websocket(
        config: Config,
        mechanism: Box<dyn Mechanism>,
        client: bool,
        mechanism_commands: bool,
    ) -> Connection {
        let mut conn = Connection::unstarted(config, mechanism);
        conn.ws = true;
        conn.encoder.set_websocket(client);
        conn.protocol = Some(Protocol::V31);
        if conn.failed().is_err() {
            return conn;
        }
        if mechanism_commands {
            conn.state = State::Handshake;
            let r = conn.pump_handshake();
            let _ = conn.fail(r);
        } else {
            let id = Msg::from_slice(&conn.config.routing_id);
            conn.encoder.push_frame(false, false, b"", id);
            conn.state = State::AwaitIdentity;
        }
        conn
    }

    /// A whole ZWS message (its flags byte and body), from the WebSocket
    /// layer: handshake command, command or message part, as a ZMTP frame
    /// would be.
    pub fn accept_ws_frame(
        &mut self,
        flags: u8,
        mut body: Msg,
        now: &mut dyn FnMut() -> u64,
    ) -> Result<(), ProtocolError> {
        self.failed()?;
        use crate::zmtp::ws::frame::{ZWS_COMMAND, ZWS_MORE};
        let mut f = 0;
        if flags & ZWS_MORE != 0 {
            f |= Msg::MORE;
        }
        if flags & ZWS_COMMAND != 0 {
            f |= Msg::COMMAND;
        }
        body.set_flags(f);
        let r = if self.state == State::Ready
            && f & Msg::COMMAND == 0
            && self.groups.is_none()
            && !self.mechanism.transforms_messages()
        {
            self.peer_alive();
            self.inbox.push_back(body);
            Ok(())
        } else {
            self.on_frame(body, now)
        };
        self.fail(r)
    }

    /// Queue a WebSocket control frame (a pong, an echoed close).
    pub fn ws_control(&mut self, opcode: u8, payload: &[u8]) {
        self.encoder.push_ws_control(opcode, payload);
    }

    /// A WebSocket control frame came: the peer is alive.
    pub fn ws_peer_alive(&mut self) {
        self.peer_alive();
    }
}
