//! Security for a session's connection: which mechanism it runs (from the
//! socket's options), and the ZAP client that carries a server mechanism's
//! request to the handler bound at `inproc://zeromq.zap.01` and its reply
//! back, without ever blocking the I/O thread.
//!
//! As libzmq's session does, a connection that needs ZAP makes a pipe to the
//! handler socket (a REP, ROUTER or SERVER), announces an empty routing id if
//! the handler wants one, and writes the request as a REQ would. The
//! handler's reply wakes the I/O thread through the pipe like any inproc
//! peer's message: our end is attached to the thread's mailbox under a slot
//! number past every real pipe slot, which names the session
//! ([`zap_session`]). A handler that never answers is bounded by the
//! connection's ZMQ_HANDSHAKE_IVL, like any stalled handshake.

use std::sync::Arc;

use super::command::{SessionOptions, SocketMailbox};
use crate::constants::*;
use crate::msg::Msg;
use crate::pipe::{pipe_pair, PipeEnd, PipeRef};
use crate::util::gssapi::{self as gss, SecContext};
use crate::zmtp::mechanism::{curve, gssapi, plain, Mechanism, NullMechanism};
use crate::zmtp::zap::{self, ZapGate};
use crate::zmtp::{self as proto, ProtocolError};

/// The security mechanism for a new connection (libzmq: ZMQ_MECHANISM and
/// the side, plus ZAP for servers and for NULL with a ZMQ_ZAP_DOMAIN).
pub fn mechanism(o: &SessionOptions, config: &proto::Config) -> Box<dyn Mechanism> {
    let gate = || ZapGate::new(o.zap_enforce_domain);
    match o.mechanism {
        ZMQ_CURVE if o.as_server => {
            Box::new(curve::CurveServer::new(config, o.curve_secret_key, gate()))
        }
        ZMQ_CURVE => Box::new(curve::CurveClient::new(
            config,
            o.curve_public_key,
            o.curve_secret_key,
            o.curve_server_key,
        )),
        ZMQ_GSSAPI => gssapi_mechanism(o, config),
        ZMQ_PLAIN if o.as_server => Box::new(plain::PlainServer::new(config, gate())),
        ZMQ_PLAIN => Box::new(plain::PlainClient::new(
            config,
            &o.plain_username,
            &o.plain_password,
        )),
        // libzmq's NULL asks ZAP whenever a domain is set, on either side.
        _ if !o.zap_domain.is_empty() => Box::new(NullMechanism::with_zap(config, gate())),
        _ => Box::new(NullMechanism::new(config)),
    }
}

/// The GSSAPI mechanism with its Kerberos context, made as libzmq's
/// constructors do: credentials for ZMQ_GSSAPI_PRINCIPAL when set (their
/// failure leaves the mechanism without a context: it stalls, as libzmq's),
/// the service principal imported for a client. libzmq's GSSAPI server
/// never requires a ZAP handler, ZMQ_ZAP_ENFORCE_DOMAIN or not.
fn gssapi_mechanism(o: &SessionOptions, config: &proto::Config) -> Box<dyn Mechanism> {
    let g = &o.gssapi;
    let encrypt = !g.plaintext;
    let cred = if g.principal.is_empty() {
        Ok(None)
    } else {
        gss::Cred::acquire(&g.principal, gss::NameType::from_option(g.principal_nt)).map(Some)
    };
    if o.as_server {
        let ctx = cred.map(|c| Box::new(gss::Context::acceptor(c)) as Box<dyn SecContext>);
        Box::new(gssapi::GssapiServer::new(
            config,
            ctx,
            encrypt,
            ZapGate::new(false),
        ))
    } else {
        let ctx = cred.and_then(|c| {
            let kind = gss::NameType::from_option(g.service_principal_nt);
            gss::Context::initiator(&g.service_principal, kind, c)
                .map(|x| Box::new(x) as Box<dyn SecContext>)
        });
        Box::new(gssapi::GssapiClient::new(config, ctx, encrypt))
    }
}

/// Our ends of ZAP pipes are attached under `ZAP_SLOT_BASE + session key`.
const ZAP_SLOT_BASE: usize = usize::MAX / 2;

/// The session a ZAP pipe's wake-up is for (None: not a ZAP pipe).
pub fn zap_session(p: &PipeRef) -> Option<usize> {
    p.slot().checked_sub(ZAP_SLOT_BASE)
}

/// One connection's ZAP exchange.
#[derive(Default)]
pub struct ZapClient {
    pipe: Option<PipeEnd>,
    /// Reply frames read so far.
    reply: Vec<Msg>,
}

impl ZapClient {
    /// Move the exchange on: send the connection's pending request (or tell
    /// it no handler is bound), and hand it the reply once complete. An
    /// error fails the connection (and is its monitor event).
    pub fn drive(
        &mut self,
        conn: &mut proto::Connection,
        o: &SessionOptions,
        mailbox: &Arc<SocketMailbox>,
        key: usize,
        peer_address: impl FnOnce() -> String,
    ) -> Result<(), ProtocolError> {
        let now_ms = crate::util::clock::now_ms;
        if let Some(req) = conn.take_zap_request() {
            match self.connect(o, mailbox, key) {
                None => return conn.zap_answer(Ok(None), now_ms()),
                Some(pipe) => {
                    let address = peer_address();
                    for m in req.frames(&o.zap_domain, address.as_bytes(), &o.routing_id)? {
                        pipe.write(m);
                    }
                    pipe.flush();
                    self.reply.clear();
                }
            }
        }
        let Some(pipe) = self.pipe.as_mut() else {
            return Ok(());
        };
        while let Some(m) = pipe.read() {
            zap::check_reply_frame(self.reply.len(), m.more())
                .or_else(|e| conn.zap_answer(Err(e), now_ms()))?;
            let last = !m.more();
            self.reply.push(m);
            if last {
                // One request per connection: the pipe's work is done.
                self.pipe = None;
                let reply = zap::parse_reply(&self.reply);
                self.reply.clear();
                return conn.zap_answer(reply.map(Some), now_ms());
            }
        }
        Ok(())
    }

    /// A pipe to the bound handler, if there is one.
    fn connect(
        &mut self,
        o: &SessionOptions,
        mailbox: &Arc<SocketMailbox>,
        key: usize,
    ) -> Option<&mut PipeEnd> {
        let handler = o.ctx.zap_handler()?;
        if !matches!(handler.socket_type, ZMQ_REP | ZMQ_ROUTER | ZMQ_SERVER) {
            return None;
        }
        // No high-water marks, as libzmq's ZAP pipe.
        let (mut mine, theirs) = pipe_pair(0, 0);
        mine.attach(mailbox.clone(), ZAP_SLOT_BASE + key);
        if handler.recv_routing_id {
            let mut id = Msg::from_slice(&[]);
            id.set_flags(Msg::ROUTING_ID);
            mine.write(id);
        }
        handler.mailbox.send(super::command::Command::Bind(
            theirs,
            format!("inproc://{}", zap::HANDLER_ENDPOINT),
        ));
        self.pipe = Some(mine);
        self.pipe.as_mut()
    }
}

/// The socket bound at `inproc://zeromq.zap.01`, as a session needs it.
pub struct ZapHandler {
    pub socket_type: i32,
    pub recv_routing_id: bool,
    pub mailbox: Arc<SocketMailbox>,
}

/// Where a session finds the ZAP handler: the context implements it
/// (ctx/zap.rs), so the I/O layer does not reach up into the context.
pub trait ZapHandlers: Send + Sync {
    fn zap_handler(&self) -> Option<ZapHandler>;
}
