//! The synchronous socket core: runs on the caller's thread. Options,
//! endpoints, blocking and timeouts, ZMQ_FD/ZMQ_EVENTS, and the dispatch to
//! one pattern module per socket type (the routing strategy).

pub mod active_set;
pub mod dist;
pub mod fq;
pub mod lb;
pub mod monitor;
pub mod options;
pub mod patterns;
pub mod trie;
pub mod wire;

use crate::constants::*;
use crate::ctx::sockets::{InprocPeer, PendingConnect};
use crate::ctx::Ctx;
use crate::error::{Errno, Result};
use crate::io::command::{Command, SocketMailbox};
use crate::io::mailbox::Mailbox;
use crate::msg::Msg;
use crate::pipe::{pipe_pair, PipeEnd, Pipes};
use options::{OptOut, Options};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The routing strategy of one socket type (libzmq's xsend/xrecv/... hooks).
/// Every hook gets the socket's shared state; `send` leaves the message in
/// place when it fails with EAGAIN so the caller can retry.
pub trait Pattern: Send {
    fn attach(&mut self, base: &mut SocketBase, slot: usize);
    fn send(&mut self, base: &mut SocketBase, msg: &mut Msg) -> Result<()>;
    fn recv(&mut self, base: &mut SocketBase) -> Result<Msg>;
    /// [`recv`](Self::recv) straight into `out`, replacing what it held, and
    /// leaving it untouched on error. Patterns on the hot path override it
    /// to skip moving the 64-byte message through return values.
    fn recv_into(&mut self, base: &mut SocketBase, out: &mut Msg) -> Result<()> {
        let m = self.recv(base)?;
        out.replace_with(m);
        Ok(())
    }
    fn has_in(&mut self, base: &mut SocketBase) -> bool;
    fn has_out(&mut self, base: &mut SocketBase) -> bool;
    fn read_activated(&mut self, base: &mut SocketBase, slot: usize);
    fn write_activated(&mut self, base: &mut SocketBase, slot: usize);
    /// The pipe at `slot` is going away (the base removes it afterwards).
    fn terminated(&mut self, base: &mut SocketBase, slot: usize);
    /// Pattern-specific options; None means "not mine, try the generic ones".
    fn setsockopt(
        &mut self,
        _base: &mut SocketBase,
        _option: i32,
        _val: &[u8],
    ) -> Option<Result<()>> {
        None
    }
    fn getsockopt(
        &mut self,
        _base: &mut SocketBase,
        _option: i32,
        _out: &mut OptOut,
    ) -> Option<Result<()>> {
        None
    }
    /// The next `attach` is a pipe of our own connect (libzmq's
    /// locally_initiated; ROUTER applies ZMQ_CONNECT_ROUTING_ID to it).
    fn before_connect(&mut self, _base: &mut SocketBase) {}
    /// The next `attach` is a udp pipe: it takes every message, whatever its
    /// peer joined (libzmq's subscribe_to_all; RADIO over udp).
    fn before_attach_all(&mut self, _base: &mut SocketBase) {}
    /// zmq_socket_get_peer_state (draft): ENOTSUP but for ROUTER.
    fn peer_state(&mut self, _base: &mut SocketBase, _routing_id: &[u8]) -> Result<i32> {
        Err(Errno::ENOTSUP)
    }
    /// zmq_join (draft): ENOTSUP but for DISH.
    fn join(&mut self, _base: &mut SocketBase, _group: &[u8]) -> Result<()> {
        Err(Errno::ENOTSUP)
    }
    /// zmq_leave (draft): ENOTSUP but for DISH.
    fn leave(&mut self, _base: &mut SocketBase, _group: &[u8]) -> Result<()> {
        Err(Errno::ENOTSUP)
    }
    /// The routing id of the most recently attached pipe, for the types
    /// that number their pipes (SERVER, PEER: zmq_connect_peer).
    fn last_routing_id(&self) -> Option<u32> {
        None
    }
    /// The pipe slot of a numeric routing id (SERVER, PEER).
    fn slot_of(&self, _routing_id: u32) -> Option<usize> {
        None
    }
}

/// State every socket type shares.
pub struct SocketBase {
    pub ctx: Arc<Ctx>,
    pub id: u64,
    pub mailbox: Arc<SocketMailbox>,
    pub options: Options,
    pub pipes: Pipes,
    /// Pipes found drained with their peer gone, to be removed.
    pub dead: Vec<usize>,
    /// The endpoint each pipe belongs to (for unbind/disconnect).
    pipe_endpoints: HashMap<usize, String>,
    inproc_bound: Vec<String>,
    /// ZMQ_LINGER shared with this socket's sessions (kept in step with
    /// options.linger by setsockopt).
    pub linger: Arc<std::sync::atomic::AtomicI32>,
    /// tcp/ipc endpoints (see wire.rs).
    pub wire: Vec<wire::WireEndpoint>,
    /// zmq_socket_monitor's event sink (None inside when not monitoring).
    pub monitor: monitor::MonitorSink,
    /// Why every call fails from now on: ETERM once the context stopped
    /// us, ENOTSOCK once zmq_close came from another thread while a call
    /// was inside (capi/socket.rs). None while the socket works.
    stopped: Option<Errno>,
    rcvmore: bool,
}

impl SocketBase {
    /// Attach a new pipe end and tell the pattern.
    fn attach_pipe(&mut self, pattern: &mut dyn Pattern, end: PipeEnd, endpoint: Option<String>) {
        end.mark_socket_end();
        let slot = self.pipes.insert(end, &self.mailbox);
        if let Some(ep) = endpoint {
            self.pipe_endpoints.insert(slot, ep);
        }
        pattern.attach(self, slot);
    }

    fn inproc_peer(&self) -> InprocPeer {
        InprocPeer {
            socket_id: self.id,
            mailbox: self.mailbox.clone(),
            socket_type: self.options.socket_type,
            sndhwm: self.options.sndhwm,
            rcvhwm: self.options.rcvhwm,
            routing_id: self.options.routing_id.clone(),
            recv_routing_id: self.options.recv_routing_id,
            hello_msg: self.options.effective_hello_msg().to_vec(),
            disconnect_msg: self.options.effective_disconnect_msg().to_vec(),
        }
    }
}

/// An HWM option as a pipe limit (0: none).
fn hwm(option: i32) -> u64 {
    option.max(0) as u64
}

/// The (SNDHWM, RCVHWM) a socket puts into its pipes' limits: a conflating
/// socket's pipes are unlimited (it keeps only the newest message anyway).
fn pipe_hwms(o: &Options) -> (u64, u64) {
    if o.conflate {
        (0, 0)
    } else {
        (hwm(o.sndhwm), hwm(o.rcvhwm))
    }
}

/// ZMQ_HELLO_MSG: the first message from a socket on every new pipe.
fn send_hello(end: &mut PipeEnd, hello: &[u8]) {
    if !hello.is_empty() {
        end.write(Msg::from_slice(hello));
        end.flush();
    }
}

/// The routing id a socket announces to a peer that asked for it: the first
/// message on a new pipe, flagged as a routing id.
fn routing_id_msg(id: &[u8]) -> Msg {
    let mut m = Msg::from_slice(id);
    m.set_flags(Msg::ROUTING_ID);
    m
}

pub struct Socket {
    pub base: SocketBase,
    pattern: Box<dyn Pattern>,
    /// How long a blocked call polls the mailbox before it sleeps (see
    /// [`wait`](Self::wait)).
    spin: crate::io::idle::Spin,
    /// Since the last wait: a message went out / came in.
    sent: bool,
    recvd: bool,
}

fn deadline(timeout_ms: i32) -> Option<Instant> {
    (timeout_ms >= 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64))
}

/// Milliseconds left until `deadline` (-1: none), for poll().
fn remaining(deadline: Option<Instant>) -> i32 {
    match deadline {
        None => -1,
        Some(d) => {
            let left = d.saturating_duration_since(Instant::now());
            left.as_millis().min(i32::MAX as u128) as i32
        }
    }
}

impl Socket {
    pub fn new(ctx: Arc<Ctx>, socket_type: i32) -> Result<Socket> {
        let pattern = patterns::create(socket_type)?;
        let mailbox = if patterns::is_thread_safe(socket_type) {
            Mailbox::new_thread_safe()
        } else {
            Mailbox::new()
        };
        let mailbox: Arc<SocketMailbox> = Arc::new(mailbox.map_err(|_| Errno::EMFILE)?);
        let id = ctx.sockets.add(mailbox.clone(), ctx.max_sockets())?;
        let mut options = Options::new(socket_type, &ctx.options());
        options.recv_routing_id = socket_type == ZMQ_ROUTER;
        if matches!(socket_type, ZMQ_SUB | ZMQ_XSUB | ZMQ_DISH) {
            // libzmq: a closing subscriber does not wait to send subscriptions.
            options.linger = 0;
        }
        let linger = Arc::new(std::sync::atomic::AtomicI32::new(options.linger));
        Ok(Socket {
            base: SocketBase {
                ctx,
                id,
                mailbox,
                options,
                pipes: Pipes::default(),
                dead: Vec::new(),
                pipe_endpoints: HashMap::new(),
                inproc_bound: Vec::new(),
                wire: Vec::new(),
                linger,
                monitor: Default::default(),
                stopped: None,
                rcvmore: false,
            },
            pattern,
            spin: crate::io::idle::Spin::new(),
            sent: false,
            recvd: false,
        })
    }

    /// Handle every waiting command (cheap when none: one atomic load).
    #[inline]
    fn process_commands(&mut self) {
        if self.base.mailbox.has_pending() {
            self.process_commands_slow();
        }
        if !self.base.dead.is_empty() {
            self.reap_dead();
        }
    }

    #[cold]
    fn process_commands_slow(&mut self) {
        let mailbox = self.base.mailbox.clone();
        mailbox.drain(|cmd| self.process_command(cmd));
    }

    fn process_command(&mut self, cmd: Command) {
        let base = &mut self.base;
        match cmd {
            Command::ActivateRead(r) => {
                if let Some(slot) = base.pipes.resolve(&r) {
                    self.pattern.read_activated(base, slot);
                }
            }
            Command::ActivateWrite(r) => {
                if let Some(slot) = base.pipes.resolve(&r) {
                    base.pipes.get(slot).credit_arrived();
                    self.pattern.write_activated(base, slot);
                }
            }
            Command::PipeTerm(r) => {
                if let Some(slot) = base.pipes.resolve(&r) {
                    let pipe = base.pipes.get(slot);
                    pipe.set_peer_gone();
                    if pipe.has_unread() && !pipe.peer_discards() {
                        // Let the pattern read what the peer left; the pipe
                        // is reaped when found drained.
                        self.pattern.read_activated(base, slot);
                    } else {
                        base.dead.push(slot);
                    }
                }
            }
            Command::Bind(end, endpoint) => {
                base.attach_pipe(self.pattern.as_mut(), end, Some(endpoint));
            }
            // The first reason sticks: a call learns why it was stopped.
            Command::Stop => {
                base.stopped.get_or_insert(Errno::ETERM);
            }
            Command::Closing => {
                base.stopped.get_or_insert(Errno::ENOTSOCK);
            }
            Command::PipeStats(r, query) => {
                // An inproc peer asks about the pipe between us.
                if let Some(slot) = base.pipes.resolve(&r) {
                    let inbound = base.pipes.get(slot).unread_by_peer();
                    query.answer(inbound, monitor::Ends::connect("", ""));
                }
            }
            Command::EndpointEnded(endpoint) => self.wire_endpoint_ended(&endpoint),
            Command::Io(_) | Command::Own => {}
        }
    }

    fn reap_dead(&mut self) {
        while let Some(slot) = self.base.dead.pop() {
            if self.base.pipes.resolve_slot(slot) {
                self.pattern.terminated(&mut self.base, slot);
                self.base.pipe_endpoints.remove(&slot);
                if let Some(end) = self.base.pipes.remove(slot) {
                    end.close(true);
                }
            }
        }
    }

    /// Wait for commands until `deadline`; ETERM if the context stopped us
    /// (ENOTSOCK if another thread closed the socket), EAGAIN on timeout,
    /// EINTR if a signal interrupted the wait.
    fn wait(&mut self, deadline: Option<Instant>) -> Result<()> {
        let left = remaining(deadline);
        if left == 0 && deadline.is_some() {
            return Err(Errno::EAGAIN);
        }
        // A socket in a conversation (request/reply: it sent and received
        // since its last waits) polls its mailbox for a few microseconds
        // before it sleeps, as its I/O thread does (io/idle.rs): the reply
        // usually lands within them, and a thread that never slept needs
        // no wake-up (on a virtual machine, 15-20 us per wake of a halted
        // CPU). Others sleep at once.
        let window = self.spin.begin(
            std::mem::take(&mut self.sent),
            std::mem::take(&mut self.recvd),
        );
        let start = Instant::now();
        if !window.is_zero() && self.spin_for_command(start, window, deadline) {
            return self.enter();
        }
        let woken = match self.base.mailbox.wait(remaining(deadline)) {
            Ok(w) => w,
            Err(e) if e.raw_os_error() == Some(libc::EINTR) => return Err(Errno::EINTR),
            Err(e) => return Err(e.into()),
        };
        self.spin.end(start.elapsed(), woken);
        self.enter()
    }

    /// Poll the mailbox until a command waits (true), `window` has passed
    /// since `start` or `deadline` came (false), yielding the CPU between
    /// looks so a runnable thread beside us loses nothing. Meanwhile
    /// commands leave the mailbox's fd alone (`Mailbox::begin_spin`).
    fn spin_for_command(
        &self,
        start: Instant,
        window: Duration,
        deadline: Option<Instant>,
    ) -> bool {
        let mailbox = &self.base.mailbox;
        mailbox.begin_spin();
        loop {
            if mailbox.has_pending() {
                break;
            }
            let now = Instant::now();
            if now - start >= window || deadline.is_some_and(|d| now >= d) {
                break;
            }
            std::thread::yield_now();
        }
        mailbox.end_spin()
    }

    /// Every API call starts here: handle waiting commands, then refuse
    /// with ETERM once the context has stopped us (see `stopped`).
    #[inline]
    fn enter(&mut self) -> Result<()> {
        self.process_commands();
        self.check_stopped()
    }

    #[inline]
    fn check_stopped(&self) -> Result<()> {
        match self.base.stopped {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// One attempt at sending: EAGAIN if it would block. Thread-safe
    /// sockets wait between attempts outside their lock (capi/socket.rs).
    #[inline]
    pub fn send_nowait(&mut self, msg: &mut Msg, flags: i32) -> Result<()> {
        self.enter()?;
        // Only MORE travels with the message; the rest is ours to set.
        msg.reset_flags(Msg::MORE | Msg::ROUTING_ID);
        if flags & ZMQ_SNDMORE != 0 {
            msg.set_flags(Msg::MORE);
        }
        let waits = self.wait_timeout(flags, true).is_some();
        let r = crate::pipe::sending(waits, || self.pattern.send(&mut self.base, msg));
        self.sent |= r.is_ok();
        // A send may end a pipe (STREAM or raw ROUTER hanging up): tell the
        // session now, not at the next call.
        if !self.base.dead.is_empty() {
            self.reap_dead();
        }
        r
    }

    /// Whether a send or receive that found nothing to do should wait:
    /// Some(timeout in ms, -1 forever), or None (EAGAIN now).
    pub fn wait_timeout(&self, flags: i32, sending: bool) -> Option<i32> {
        let o = &self.base.options;
        let t = if sending { o.sndtimeo } else { o.rcvtimeo };
        (flags & ZMQ_DONTWAIT == 0 && t != 0).then_some(t)
    }

    pub fn send(&mut self, msg: &mut Msg, flags: i32) -> Result<()> {
        match self.send_nowait(msg, flags) {
            Err(e) if e == Errno::EAGAIN => {}
            other => return other,
        }
        if self.wait_timeout(flags, true).is_none() {
            return Err(Errno::EAGAIN);
        }
        let deadline = deadline(self.base.options.sndtimeo);
        loop {
            self.wait(deadline)?;
            match self.pattern.send(&mut self.base, msg) {
                Err(e) if e == Errno::EAGAIN => continue,
                other => {
                    self.sent |= other.is_ok();
                    return other;
                }
            }
        }
    }

    /// One attempt at receiving: EAGAIN if nothing is there.
    #[inline]
    pub fn recv_nowait(&mut self) -> Result<Msg> {
        self.enter()?;
        let first = self.pattern.recv(&mut self.base);
        if !self.base.dead.is_empty() {
            self.reap_dead();
        }
        match first {
            Err(e) if e == Errno::EAGAIN => Err(e),
            other => self.received(other),
        }
    }

    pub fn recv(&mut self, flags: i32) -> Result<Msg> {
        // recv_nowait, spelled out: the classic hot path stays one function.
        self.enter()?;
        let first = self.pattern.recv(&mut self.base);
        if !self.base.dead.is_empty() {
            self.reap_dead();
        }
        match first {
            Err(e) if e == Errno::EAGAIN => {}
            other => return self.received(other),
        }
        if flags & ZMQ_DONTWAIT != 0 || self.base.options.rcvtimeo == 0 {
            return Err(Errno::EAGAIN);
        }
        let deadline = deadline(self.base.options.rcvtimeo);
        loop {
            self.wait(deadline)?;
            let r = self.pattern.recv(&mut self.base);
            if !self.base.dead.is_empty() {
                self.reap_dead();
            }
            match r {
                Err(e) if e == Errno::EAGAIN => continue,
                other => return self.received(other),
            }
        }
    }

    /// [`recv`](Self::recv) straight into `out` (replacing what it held;
    /// untouched on error): zmq_msg_recv's path.
    pub fn recv_into(&mut self, flags: i32, out: &mut Msg) -> Result<()> {
        if self.base.options.conflate {
            let m = self.recv(flags)?;
            out.replace_with(m);
            return Ok(());
        }
        self.enter()?;
        let mut r = self.pattern.recv_into(&mut self.base, out);
        if !self.base.dead.is_empty() {
            self.reap_dead();
        }
        if matches!(r, Err(e) if e == Errno::EAGAIN) {
            r = self.recv_into_wait(flags, out);
        }
        r?;
        self.base.rcvmore = out.more();
        self.recvd = true;
        Ok(())
    }

    #[cold]
    fn recv_into_wait(&mut self, flags: i32, out: &mut Msg) -> Result<()> {
        if flags & ZMQ_DONTWAIT != 0 || self.base.options.rcvtimeo == 0 {
            return Err(Errno::EAGAIN);
        }
        let deadline = deadline(self.base.options.rcvtimeo);
        loop {
            self.wait(deadline)?;
            let r = self.pattern.recv_into(&mut self.base, out);
            if !self.base.dead.is_empty() {
                self.reap_dead();
            }
            match r {
                Err(e) if e == Errno::EAGAIN => continue,
                other => return other,
            }
        }
    }

    #[inline]
    fn received(&mut self, r: Result<Msg>) -> Result<Msg> {
        let mut msg = r?;
        if self.base.options.conflate && !msg.more() {
            // ZMQ_CONFLATE: only the newest queued message counts (libzmq
            // supports it for single-part messages only).
            while let Ok(newer) = self.pattern.recv(&mut self.base) {
                msg = newer;
                if msg.more() {
                    break;
                }
            }
            if !self.base.dead.is_empty() {
                self.reap_dead();
            }
        }
        self.base.rcvmore = msg.more();
        self.recvd = true;
        Ok(msg)
    }

    /// ZMQ_EVENTS: process commands first (this is what re-arms ZMQ_FD).
    pub fn events(&mut self) -> Result<i32> {
        self.enter()?;
        let mut ev = 0;
        if self.pattern.has_in(&mut self.base) {
            ev |= ZMQ_POLLIN;
        }
        if self.pattern.has_out(&mut self.base) {
            ev |= ZMQ_POLLOUT;
        }
        Ok(ev)
    }

    /// zmq_socket_get_peer_state (draft; ROUTER only).
    pub fn peer_state(&mut self, routing_id: &[u8]) -> Result<i32> {
        self.process_commands();
        self.pattern.peer_state(&mut self.base, routing_id)
    }

    pub fn fd(&self) -> i32 {
        self.base.mailbox.fd()
    }

    /// SERVER, CLIENT, RADIO, DISH, GATHER, SCATTER, PEER, CHANNEL.
    pub fn is_thread_safe(&self) -> bool {
        self.base.mailbox.is_thread_safe()
    }

    /// zmq_join (draft; DISH only).
    pub fn join(&mut self, group: &[u8]) -> Result<()> {
        self.enter()?;
        self.pattern.join(&mut self.base, group)
    }

    /// zmq_leave (draft; DISH only).
    pub fn leave(&mut self, group: &[u8]) -> Result<()> {
        self.enter()?;
        self.pattern.leave(&mut self.base, group)
    }

    /// zmq_connect_peer (draft; PEER only): connect, and name the new pipe's
    /// routing id. Refused with ZMQ_IMMEDIATE (EFAULT, as libzmq), where
    /// the pipe would only exist once connected.
    pub fn connect_peer(&mut self, endpoint: &str) -> Result<u32> {
        if self.base.options.socket_type != ZMQ_PEER {
            return Err(Errno::ENOTSUP);
        }
        if self.base.options.immediate {
            return Err(Errno::EFAULT);
        }
        self.connect(endpoint)?;
        self.pattern.last_routing_id().ok_or(Errno::EFAULT)
    }

    /// zmq_disconnect_peer (draft, libzmq 4.3.6; PEER only): close the pipe
    /// of one peer; EHOSTUNREACH for an unknown routing id.
    pub fn disconnect_peer(&mut self, routing_id: u32) -> Result<()> {
        if self.base.options.socket_type != ZMQ_PEER {
            return Err(Errno::ENOTSUP);
        }
        self.enter()?;
        let slot = self
            .pattern
            .slot_of(routing_id)
            .ok_or(Errno::EHOSTUNREACH)?;
        self.base.dead.push(slot);
        self.reap_dead();
        Ok(())
    }

    pub fn bind(&mut self, endpoint: &str) -> Result<()> {
        self.enter()?;
        let (proto, addr) = split_endpoint(endpoint)?;
        match proto {
            "inproc" => {
                if addr.is_empty() {
                    return Err(Errno::EINVAL);
                }
                let pending = self
                    .base
                    .ctx
                    .sockets
                    .bind_inproc(addr, self.base.inproc_peer())?;
                self.base.inproc_bound.push(addr.to_owned());
                for p in pending {
                    self.accept_pending(p, endpoint);
                }
                self.base.options.last_endpoint = endpoint.to_owned();
                Ok(())
            }
            _ => self.bind_wire(proto, addr, endpoint),
        }
    }

    /// A connect that came before our bind: adopt its pipe.
    fn accept_pending(&mut self, p: PendingConnect, endpoint: &str) {
        let PendingConnect { mut end, connecter } = p;
        let me = &self.base.options;
        // The pipe was sized with the connecter's HWMs alone; add ours.
        end.set_socket_hwms(hwm(me.sndhwm), hwm(me.rcvhwm));
        if !me.recv_routing_id {
            // The connecter announced its routing id unasked: drop it.
            if end.check_read() {
                let _ = end.read();
            }
        }
        if connecter.recv_routing_id {
            end.write(routing_id_msg(&me.routing_id));
            end.flush();
        }
        send_hello(&mut end, me.effective_hello_msg());
        self.base
            .attach_pipe(self.pattern.as_mut(), end, Some(endpoint.to_owned()));
    }

    pub fn connect(&mut self, endpoint: &str) -> Result<()> {
        self.enter()?;
        let (proto, addr) = split_endpoint(endpoint)?;
        match proto {
            "inproc" => {
                if addr.is_empty() {
                    return Err(Errno::EINVAL);
                }
                self.connect_inproc(addr, endpoint);
                self.base.options.last_endpoint = endpoint.to_owned();
                Ok(())
            }
            _ => self.connect_wire(proto, addr, endpoint),
        }
    }

    fn connect_inproc(&mut self, name: &str, endpoint: &str) {
        let opts = &self.base.options;
        // End 0 is ours, end 1 the binder's.
        let (mut mine, theirs) = pipe_pair(0, 0);
        let (snd, rcv) = pipe_hwms(opts);
        mine.set_socket_hwms(snd, rcv);
        let me = self.base.inproc_peer();
        let mut theirs = Some(theirs);
        let mut announce = Some(routing_id_msg(&opts.routing_id));
        let found = self.base.ctx.sockets.connect_inproc(name, || {
            // Parked until the bind: announce our routing id now, the binder
            // drops it if it does not want it.
            mine.write(announce.take().expect("once"));
            mine.flush();
            send_hello(&mut mine, &me.hello_msg);
            PendingConnect {
                end: theirs.take().expect("once"),
                connecter: me.clone(),
            }
        });
        if let Some(peer) = found {
            let mut theirs = theirs.take().expect("not parked");
            theirs.set_socket_hwms(hwm(peer.sndhwm), hwm(peer.rcvhwm));
            if peer.recv_routing_id {
                mine.write(announce.take().expect("once"));
                mine.flush();
            }
            if me.recv_routing_id {
                theirs.write(routing_id_msg(&peer.routing_id));
                theirs.flush();
            }
            send_hello(&mut mine, &me.hello_msg);
            send_hello(&mut theirs, &peer.hello_msg);
            if !peer.disconnect_msg.is_empty() {
                // As libzmq: only a binder known at connect time hears of
                // the connecter leaving.
                mine.set_disconnect_msg(Msg::from_slice(&peer.disconnect_msg));
            }
            peer.mailbox
                .send(Command::Bind(theirs, endpoint.to_owned()));
        }
        self.pattern.before_connect(&mut self.base);
        self.base
            .attach_pipe(self.pattern.as_mut(), mine, Some(endpoint.to_owned()));
    }

    /// zmq_unbind / zmq_disconnect: both end the pipes of `endpoint`.
    pub fn term_endpoint(&mut self, endpoint: &str, unbind: bool) -> Result<()> {
        self.enter()?;
        let (proto, addr) = split_endpoint(endpoint)?;
        if crate::transport::endpoint::scheme(proto).is_some() {
            return self.term_wire(endpoint, unbind);
        }
        if proto != "inproc" {
            return Err(Errno::ENOENT);
        }
        let mut found = false;
        if unbind {
            if let Some(i) = self.base.inproc_bound.iter().position(|n| n == addr) {
                self.base.inproc_bound.swap_remove(i);
                self.base.ctx.sockets.unbind_inproc(addr, self.base.id);
                found = true;
            }
        }
        found |= self.drop_endpoint_pipes(endpoint);
        if found {
            Ok(())
        } else {
            Err(Errno::ENOENT)
        }
    }

    /// Close our ends of the pipes made for `endpoint`; were there any?
    pub(crate) fn drop_endpoint_pipes(&mut self, endpoint: &str) -> bool {
        let before = self.base.dead.len();
        let base = &mut self.base;
        base.dead.extend(
            base.pipe_endpoints
                .iter()
                .filter(|(_, ep)| ep.as_str() == endpoint)
                .map(|(s, _)| *s),
        );
        let any = base.dead.len() > before;
        self.reap_dead();
        any
    }

    /// zmq_socket_monitor(_versioned): `addr` None stops monitoring.
    pub fn monitor(
        &mut self,
        addr: Option<&str>,
        events: u64,
        version: i32,
        socket_type: i32,
    ) -> Result<()> {
        self.check_stopped()?;
        let old = self.base.monitor.lock().take();
        if let Some(old) = old {
            old.stop();
        }
        if let Some(addr) = addr {
            let m =
                monitor::Monitor::start(self.base.ctx.clone(), addr, events, version, socket_type)?;
            *self.base.monitor.lock() = Some(m);
        }
        Ok(())
    }

    pub fn setsockopt(&mut self, option: i32, val: &[u8]) -> Result<()> {
        self.check_stopped()?;
        if let Some(r) = self.pattern.setsockopt(&mut self.base, option, val) {
            return r;
        }
        self.base.options.set(option, val)?;
        if option == ZMQ_SNDHWM || option == ZMQ_RCVHWM {
            // As libzmq's update_pipe_options: the new limit applies to the
            // pipes already there too, inproc peers' and sessions' alike.
            let (snd, rcv) = pipe_hwms(&self.base.options);
            for end in self.base.pipes.ends() {
                end.set_socket_hwms(snd, rcv);
            }
        }
        if option == ZMQ_LINGER {
            self.base.linger.store(
                self.base.options.linger,
                std::sync::atomic::Ordering::Relaxed,
            );
        }
        Ok(())
    }

    pub fn getsockopt(&mut self, option: i32, out: &mut OptOut) -> Result<()> {
        self.check_stopped()?;
        match option {
            ZMQ_RCVMORE => return out.int_padded(self.base.rcvmore as i32),
            // Thread-safe sockets have no ZMQ_FD (libzmq: EINVAL); pollers
            // watch them through signalers instead.
            ZMQ_FD if self.is_thread_safe() => return Err(Errno::EINVAL),
            ZMQ_FD => return out.fd(self.fd()),
            ZMQ_EVENTS => {
                let ev = self.events()?;
                return out.int_padded(ev);
            }
            ZMQ_THREAD_SAFE => return out.int_padded(self.is_thread_safe() as i32),
            _ => {}
        }
        if let Some(r) = self.pattern.getsockopt(&mut self.base, option, out) {
            return r;
        }
        self.base.options.get(option, out)
    }

    /// zmq_close: our pipe ends go; what we already sent stays readable by
    /// inproc peers whatever the linger (as in libzmq, where linger governs
    /// only what a session still has to transmit).
    pub fn close(mut self) {
        self.process_commands();
        // The monitor stops (MONITOR_STOPPED) once the listeners and
        // sessions this socket leaves in the I/O threads are gone too: they
        // share it and still report, e.g. the listeners' CLOSED.
        let discard = false;
        for name in std::mem::take(&mut self.base.inproc_bound) {
            self.base.ctx.sockets.unbind_inproc(&name, self.base.id);
        }
        let slots: Vec<usize> = self.base.pipes.slots().collect();
        for slot in slots {
            if let Some(end) = self.base.pipes.remove(slot) {
                end.close(discard);
            }
        }
        self.close_wire();
        // Commands that raced with the close die here (with any pipe ends
        // they carry, which notifies those peers).
        self.base.mailbox.drain(|_| {});
        self.base.ctx.sockets.remove(self.base.id);
    }
}

/// Split "proto://address"; a missing "://" is EINVAL as in libzmq.
pub fn split_endpoint(endpoint: &str) -> Result<(&str, &str)> {
    let i = endpoint.find("://").ok_or(Errno::EINVAL)?;
    let (proto, rest) = endpoint.split_at(i);
    if proto.is_empty() {
        return Err(Errno::EINVAL);
    }
    Ok((proto, &rest[3..]))
}
