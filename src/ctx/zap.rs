//! The context's side of ZAP: sessions in the I/O threads look the handler
//! up through `io::security::ZapHandlers`, which the context implements.

use super::Ctx;
use crate::io::security::{ZapHandler, ZapHandlers};
use crate::zmtp::zap;

impl ZapHandlers for Ctx {
    fn zap_handler(&self) -> Option<ZapHandler> {
        let h = self.sockets.find_inproc(zap::HANDLER_ENDPOINT)?;
        Some(ZapHandler {
            socket_type: h.socket_type,
            recv_routing_id: h.recv_routing_id,
            mailbox: h.mailbox,
        })
    }
}
