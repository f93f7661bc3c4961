//! Pipes: the bounded, lock-free message channels joining a socket to a peer
//! (another socket for inproc, a session for a network connection).
//!
//! A pipe pair is two single-producer/single-consumer queues, one each way,
//! plus a little shared state per end. Writers batch: a multipart message is
//! published by one flush, and the reader is woken (a command to its mailbox)
//! only when it went to sleep on an empty queue. Flow control is by credit:
//! the reader publishes how many messages it has read every low-water-mark's
//! worth, and wakes the writer only if the writer said it is waiting.

pub mod ypipe;

use crate::msg::{Metadata, Msg};
use parking_lot::Mutex;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use ypipe::YPipe;

/// What a pipe end tells its owner about the other end's doings.
pub enum Notice {
    /// The peer wrote into a pipe we had found empty.
    ActivateRead,
    /// The peer read enough of a pipe we had found full to give us credit.
    ActivateWrite,
    /// The peer closed its end.
    PipeTerm,
    /// Something for the owner of the far end that the pipe layer only
    /// carries (a zmq_socket_monitor_pipes_stats query).
    Other(Box<dyn std::any::Any + Send>),
}

/// Whoever owns a pipe end: a socket, or an I/O thread for a session. The
/// owner's command mailbox implements it (io/command.rs), so the pipe layer
/// sits below the I/O layer and knows nothing of commands.
pub trait Owner: Send + Sync {
    fn notify(&self, pipe: PipeRef, notice: Notice);
}

/// The low-water mark for a pipe holding at most `hwm` messages: the reader
/// returns credit every `lwm` messages. libzmq 4.3 uses half the HWM (its
/// old `hwm - 1024` for large HWMs left a writer with barely more than 1024
/// messages of room after the reader had drained almost a whole HWM).
fn compute_lwm(hwm: u64) -> u64 {
    hwm.div_ceil(2).max(1)
}

/// How long libzmq's socket may go without processing its commands while
/// it keeps sending (its `max_command_delay`, 3M TSC ticks, ~1 ms): the
/// age at which a reader's credit reaches a socket's non-blocking sends
/// unannounced (see `PipeEnd::check_write_full`).
const COMMAND_DELAY_US: u64 = 1000;

/// Microseconds on a process-wide monotonic clock: when credit was published.
fn credit_clock() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_micros() as u64
}

thread_local! {
    /// This thread is inside a socket's send that will not wait for room
    /// (ZMQ_DONTWAIT, or ZMQ_SNDTIMEO 0): see `PipeEnd::check_write_full`.
    static SEND_WONT_WAIT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f`, a socket's send attempt, telling the pipes whether the send
/// waits for room when it finds none (see `PipeEnd::check_write_full`).
#[inline]
pub fn sending<R>(waits: bool, f: impl FnOnce() -> R) -> R {
    if waits {
        return f();
    }
    SEND_WONT_WAIT.with(|w| w.set(true));
    let r = f();
    SEND_WONT_WAIT.with(|w| w.set(false));
    r
}

/// How often a reader of an unlimited pipe looks whether it got a limit
/// (a ZMQ_SNDHWM/ZMQ_RCVHWM change reaches existing pipes).
const UNLIMITED_RECHECK: u64 = 1024;

/// The state of one end that the other end (on another thread) may touch.
struct EndShared {
    /// Where commands for this end go (its owner's mailbox). Set when the end
    /// is attached; commands are rare, so a lock is fine here.
    mailbox: Mutex<Option<Arc<dyn Owner>>>,
    /// This end's index in its owner's pipe table (see `PipeRef`).
    slot: AtomicUsize,
    /// Complete messages this end has read: the other end's credit.
    msgs_read: AtomicU64,
    /// The other end is blocked waiting for credit from this end.
    writer_waiting: AtomicBool,
    /// When `msgs_read` was last published (see [`credit_clock`]).
    credit_at: AtomicU64,
    /// This end belongs to a socket (not a session): see `check_write_full`.
    socket_end: AtomicBool,
    /// This end has been closed by its owner.
    closed: AtomicBool,
    /// Closed with linger 0: the other end drops what this end left unread.
    discard: AtomicBool,
}

impl EndShared {
    fn new() -> EndShared {
        EndShared {
            mailbox: Mutex::new(None),
            slot: AtomicUsize::new(usize::MAX),
            msgs_read: AtomicU64::new(0),
            writer_waiting: AtomicBool::new(false),
            credit_at: AtomicU64::new(0),
            socket_end: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            discard: AtomicBool::new(false),
        }
    }
}

pub struct PipePair {
    /// `queues[i]` is read by end i and written by end 1-i.
    queues: [YPipe<Msg>; 2],
    /// `hwm[i]`: most complete messages in flight towards end i (0: no limit).
    /// Atomic because it changes under a live pipe: an inproc bind after
    /// the connect, or a ZMQ_SNDHWM/ZMQ_RCVHWM change.
    hwm: [AtomicU64; 2],
    ends: [EndShared; 2],
    /// The (SNDHWM, RCVHWM) each end's socket puts into `hwm` (0: no
    /// limit); None for a session's end, or an inproc binder not there yet.
    /// Only touched when a pipe is made or an HWM option changes.
    socket_hwms: Mutex<[Option<(u64, u64)>; 2]>,
}

/// Names one end of a pipe in a command: the owner finds it by `slot()`.
#[derive(Clone)]
pub struct PipeRef {
    pair: Arc<PipePair>,
    side: usize,
}

impl PipeRef {
    /// The slot of this end in its owner's table.
    pub fn slot(&self) -> usize {
        self.pair.ends[self.side].slot.load(Ordering::Acquire)
    }

    /// Is `end` the pipe end this reference names?
    pub fn is(&self, end: &PipeEnd) -> bool {
        Arc::ptr_eq(&self.pair, &end.pair) && self.side == end.side
    }
}

/// One end of a pipe, owned by one socket (or session).
pub struct PipeEnd {
    pair: Arc<PipePair>,
    side: usize,
    msgs_read: u64,
    msgs_written: u64,
    /// The other end's read count as last seen.
    peer_read: u64,
    /// In the middle of writing a multipart message.
    write_more: bool,
    /// In the middle of reading a multipart message.
    read_more: bool,
    /// Complete messages still to read before we publish credit again.
    credit_countdown: u64,
    /// The read count we last published (the peer's credit).
    credit_given: u64,
    /// This end announced credit to its own owner, which has not taken it
    /// yet (see `check_write_full`).
    credit_announced: bool,
    /// What `Drop` tells the peer about our unread messages.
    discard_on_close: bool,
    /// The other end is gone (PipeTerm processed or noticed).
    peer_gone: bool,
    /// Written to the peer when this end closes (the inproc binder's
    /// ZMQ_DISCONNECT_MSG).
    disconnect_msg: Option<Box<Msg>>,
    /// The connection properties given to every message read from now on
    /// (from the last metadata note the writer sent, see `write_metadata`).
    metadata: Option<Arc<Metadata>>,
}

/// Create a pipe pair. `hwm_to_0`/`hwm_to_1` bound the messages in flight
/// towards end 0 and end 1 (0 = unlimited).
pub fn pipe_pair(hwm_to_0: u64, hwm_to_1: u64) -> (PipeEnd, PipeEnd) {
    let pair = Arc::new(PipePair {
        queues: [YPipe::new(), YPipe::new()],
        hwm: [AtomicU64::new(hwm_to_0), AtomicU64::new(hwm_to_1)],
        ends: [EndShared::new(), EndShared::new()],
        socket_hwms: Mutex::new([None, None]),
    });
    let mk = |side| PipeEnd {
        pair: pair.clone(),
        side,
        msgs_read: 0,
        msgs_written: 0,
        peer_read: 0,
        write_more: false,
        read_more: false,
        credit_countdown: 0,
        credit_given: 0,
        credit_announced: false,
        discard_on_close: true,
        peer_gone: false,
        disconnect_msg: None,
        metadata: None,
    };
    (mk(0), mk(1))
}

impl PipeEnd {
    // `& 1` lets the compiler see the index is in bounds (no check on the
    // message path).
    #[inline]
    fn me(&self) -> &EndShared {
        &self.pair.ends[self.side & 1]
    }

    #[inline]
    fn peer(&self) -> &EndShared {
        &self.pair.ends[(self.side ^ 1) & 1]
    }

    #[inline]
    fn inbound(&self) -> &YPipe<Msg> {
        &self.pair.queues[self.side & 1]
    }

    #[inline]
    fn outbound(&self) -> &YPipe<Msg> {
        &self.pair.queues[(self.side ^ 1) & 1]
    }

    /// Attach this end to its owner: commands for it go to `mailbox`, and the
    /// owner finds it at `slot` of its pipe table.
    pub fn attach(&self, mailbox: Arc<dyn Owner>, slot: usize) {
        self.me().slot.store(slot, Ordering::Release);
        *self.me().mailbox.lock() = Some(mailbox);
    }

    pub fn as_ref(&self) -> PipeRef {
        PipeRef {
            pair: self.pair.clone(),
            side: self.side,
        }
    }

    fn peer_ref(&self) -> PipeRef {
        PipeRef {
            pair: self.pair.clone(),
            side: 1 - self.side,
        }
    }

    /// Send a command to whoever owns the other end (if it is still there).
    pub fn send_to_peer(&self, notice: Notice) {
        let mb = self.peer().mailbox.lock().clone();
        if let Some(mb) = mb {
            mb.notify(self.peer_ref(), notice);
        }
    }

    /// Is a message ready to read? When not, the reader side goes to sleep and
    /// the next write from the peer will send us ActivateRead.
    #[inline]
    pub fn check_read(&mut self) -> bool {
        // SAFETY: this end is the only reader of its inbound queue.
        if unsafe { self.inbound().check_read() } {
            return true;
        }
        self.drained();
        false
    }

    /// Read the next message part.
    #[inline]
    pub fn read(&mut self) -> Option<Msg> {
        // SAFETY: this end is the only reader of its inbound queue.
        let Some(msg) = (unsafe { self.inbound().read() }) else {
            self.drained();
            return None;
        };
        let msg = self.skip_notes(msg)?;
        Some(self.hand_out(msg))
    }

    /// Read the next message part if this end already knows it is there
    /// (see YPipe::read_known); None says nothing about the pipe.
    #[inline]
    pub fn read_known(&mut self) -> Option<Msg> {
        // SAFETY: this end is the only reader of its inbound queue.
        let msg = unsafe { self.inbound().read_known() }?;
        let msg = self.skip_notes(msg)?;
        Some(self.hand_out(msg))
    }

    /// Count a part read and give it the connection's properties.
    #[inline]
    fn hand_out(&mut self, mut msg: Msg) -> Msg {
        self.count_read(msg.flags());
        if let Some(md) = &self.metadata {
            msg.set_metadata(md.clone());
        }
        msg
    }

    /// Read the next message part straight into `out` (replacing what it
    /// held); false, `out` untouched, when none is ready. Saves the moves of
    /// a 64-byte message through return values on the receive path.
    #[inline]
    pub fn read_into(&mut self, out: &mut Msg) -> bool {
        // SAFETY: this end is the only reader of its inbound queue.
        let Some(msg) = unsafe { self.inbound().read() }.and_then(|m| self.skip_notes(m)) else {
            self.drained();
            return false;
        };
        let flags = msg.flags();
        // A receive loop reuses one zmq_msg_t, which still holds the
        // properties of the last message from this connection: keep that
        // reference rather than drop it and take a new one (two atomic
        // read-modify-writes per message saved).
        let old = out.take_metadata();
        out.replace_with(msg);
        match (&self.metadata, old) {
            (Some(md), Some(old)) if Arc::ptr_eq(md, &old) => out.set_metadata(old),
            (Some(md), _) => out.set_metadata(md.clone()),
            (None, _) => {}
        }
        self.count_read(flags);
        true
    }

    /// `msg`, or if it is a metadata note, the message part after the
    /// notes (keeping the last note's properties).
    #[inline]
    fn skip_notes(&mut self, msg: Msg) -> Option<Msg> {
        if msg.is_metadata_note() {
            return self.after_notes(msg);
        }
        Some(msg)
    }

    #[cold]
    fn after_notes(&mut self, mut note: Msg) -> Option<Msg> {
        loop {
            self.metadata = note.take_metadata();
            // A note is written as an incomplete item (see `write_metadata`),
            // so the message after it was published with it.
            // SAFETY: this end is the only reader of its inbound queue.
            let msg = unsafe { self.inbound().read() }?;
            if !msg.is_metadata_note() {
                return Some(msg);
            }
            note = msg;
        }
    }

    /// Count a part read (its `flags`): a whole message is one credit. A
    /// routing-id announcement is no message, as in libzmq: it costs no
    /// credit, so SNDHWM messages still fit behind it.
    #[inline]
    fn count_read(&mut self, flags: u8) {
        self.read_more = flags & Msg::MORE != 0;
        if flags & (Msg::MORE | Msg::ROUTING_ID) == 0 {
            self.msgs_read += 1;
            // Credit is returned every low-water-mark's worth of messages,
            // not per message, so a saturated pipe does not ping-pong wake-ups.
            if self.credit_countdown <= 1 {
                self.credit_point();
            } else {
                self.credit_countdown -= 1;
            }
        }
    }

    /// Every low-water-mark's worth of messages read (counted from the
    /// pipe's start, as libzmq does), publish the read count.
    #[inline(never)]
    fn credit_point(&mut self) {
        let hwm = self.pair.hwm[self.side & 1].load(Ordering::Relaxed);
        if hwm == 0 {
            self.credit_countdown = UNLIMITED_RECHECK;
            return;
        }
        let lwm = compute_lwm(hwm);
        let phase = self.msgs_read % lwm;
        if phase == 0 {
            self.give_credit();
        }
        self.credit_countdown = lwm - phase;
    }

    /// The reader found the pipe empty. Normally its credit is at most a
    /// low-water mark behind, and the writer cannot be waiting for it. But
    /// when the HWM was lowered (or an unlimited pipe got a limit) after the
    /// last credit point, the next point may lie beyond anything the writer
    /// can still send: a writer blocked on this pipe has a whole HWM
    /// unacknowledged, so if this much is unpublished, publish it now. It is
    /// not the busy path (a reader that found nothing is about to sleep or
    /// poll), and publishing before looking at `writer_waiting` pairs with
    /// `check_write`, which sets the flag before it reads the count: one of
    /// them sees the other.
    #[cold]
    #[inline(never)]
    fn drained(&mut self) {
        let unpublished = self.msgs_read - self.credit_given;
        if unpublished == 0 {
            return;
        }
        let hwm = self.pair.hwm[self.side & 1].load(Ordering::Relaxed);
        if hwm != 0 && unpublished >= compute_lwm(hwm) {
            self.give_credit();
        }
    }

    fn give_credit(&mut self) {
        self.credit_given = self.msgs_read;
        // The time first: a writer that sees the count sees this time or a
        // later one.
        self.me().credit_at.store(credit_clock(), Ordering::SeqCst);
        self.me().msgs_read.store(self.msgs_read, Ordering::SeqCst);
        if self.me().writer_waiting.swap(false, Ordering::SeqCst) {
            self.send_to_peer(Notice::ActivateWrite);
        }
    }

    /// Can a (new) message be written without exceeding the HWM? When not,
    /// the peer is asked to send ActivateWrite once it has read enough.
    #[inline]
    pub fn check_write(&mut self) -> bool {
        if self.peer_gone || self.peer().closed.load(Ordering::Acquire) {
            return false;
        }
        let hwm = self.pair.hwm[(self.side ^ 1) & 1].load(Ordering::Relaxed);
        if hwm == 0 || self.write_more || self.msgs_written - self.peer_read < hwm {
            return true;
        }
        self.check_write_full(hwm)
    }

    /// The pipe is full as far as this end knows: `hwm` messages written
    /// since the reader's count it last took.
    ///
    /// Mostly it takes the reader's count as it is now. But a socket's send
    /// that will not wait (ZMQ_DONTWAIT, ZMQ_SNDTIMEO 0) takes it as libzmq's
    /// socket learns it: from the activate_write command the reader sends
    /// every low-water mark, which a socket that keeps sending processes at
    /// most every ~1 ms (COMMAND_DELAY_US). So a burst of such sends, even
    /// one the reader keeps up with, finds the pipe full after HWM messages
    /// and gets EAGAIN where libzmq's does; and since the reader, having
    /// made room already, sends no notice, this end sends it to its own
    /// owner (the mailbox, and so ZMQ_FD, shows it as libzmq's would), whose
    /// next call takes the credit (`credit_arrived`). libzmq's
    /// test_hwm_pubsub counts on both halves: a ZMQ_XPUB_NODROP burst of
    /// 6000 messages over an SNDHWM of 2000 must block at least once, and
    /// credit from before a pause must count. Sends that would wait for
    /// room take the count at once, as a blocked libzmq socket processes
    /// its commands at once: nothing to see, and no command per HWM's worth
    /// of messages for a sender that outruns its reader's notices.
    #[cold]
    #[inline(never)]
    fn check_write_full(&mut self, hwm: u64) -> bool {
        let lazy = self.me().socket_end.load(Ordering::Relaxed)
            && SEND_WONT_WAIT.with(|w| w.get())
            && credit_clock() < self.peer().credit_at.load(Ordering::SeqCst) + COMMAND_DELAY_US;
        if !lazy {
            self.peer_read = self.peer().msgs_read.load(Ordering::SeqCst);
            if self.msgs_written - self.peer_read < hwm {
                return true;
            }
        } else if self.credit_announced {
            return false;
        }
        self.peer().writer_waiting.store(true, Ordering::SeqCst);
        // Re-check: the reader may have published just before seeing the
        // flag, and then sends no notice.
        let read = self.peer().msgs_read.load(Ordering::SeqCst);
        if self.msgs_written - read >= hwm {
            return false;
        }
        if !lazy {
            self.peer_read = read;
            return true;
        }
        // Room the reader will not announce, unless it took the flag back
        // (then its notice is coming): announce it ourselves.
        if self.peer().writer_waiting.swap(false, Ordering::SeqCst) {
            self.credit_announced = true;
            let mb = self.me().mailbox.lock().clone();
            if let Some(mb) = mb {
                mb.notify(self.as_ref(), Notice::ActivateWrite);
            }
        }
        false
    }

    /// The owner processes an ActivateWrite: what the reader has read so far
    /// counts now (see `check_write_full`).
    pub fn credit_arrived(&mut self) {
        self.credit_announced = false;
        self.peer_read = self.peer().msgs_read.load(Ordering::SeqCst);
    }

    /// This end belongs to a socket (see `check_write_full`).
    pub fn mark_socket_end(&self) {
        self.me().socket_end.store(true, Ordering::Relaxed);
    }

    /// Queue one message part (call check_write first for a new message).
    /// Nothing is visible to the peer until `flush`.
    #[inline]
    pub fn write(&mut self, msg: Msg) {
        let flags = msg.flags();
        let more = flags & Msg::MORE != 0;
        // SAFETY: this end is the only writer of its outbound queue.
        unsafe { self.outbound().write(msg, more) };
        self.count_written(flags);
    }

    /// Queue a copy of `msg` that shares its content, written straight into
    /// the pipe (see `Msg::copy_shared_to`): a PUB's fan-out. Call
    /// check_write first for a new message.
    ///
    /// # Safety
    /// A reference for the copy was added through `Msg::add_shares`, not yet
    /// taken by another copy.
    #[inline]
    pub unsafe fn write_shared_copy(&mut self, msg: &Msg) {
        // SAFETY: the copy takes the reference the caller added.
        unsafe { self.write_in_place(msg, |slot| msg.copy_shared_to(slot)) }
    }

    /// Queue `msg` by moving it into the pipe as one 64-byte block copy
    /// from where it lies (see `Connection::offer_message`). Call
    /// check_write first for a new message.
    ///
    /// # Safety
    /// The pipe's copy owns the message from now on: the caller must not
    /// drop `msg` (nor use it as a message again).
    #[inline]
    pub unsafe fn write_moved(&mut self, msg: &Msg) {
        // SAFETY: the slot is valid for a Msg and the caller gives up `msg`.
        unsafe { self.write_in_place(msg, |slot| ptr::copy_nonoverlapping(msg, slot, 1)) }
    }

    /// Queue `msg` and leave it empty, as `write(msg.take())` does, but
    /// moving its 64 bytes straight into the pipe slot (see `write_moved`).
    #[inline]
    pub fn write_taken(&mut self, msg: &mut Msg) {
        // SAFETY: the pipe's copy owns the message; the original is
        // overwritten with an empty one without being dropped.
        unsafe {
            self.write_moved(msg);
            ptr::write(msg, Msg::new());
        }
    }

    /// Queue what `fill` writes into the pipe slot: `msg` or a copy of it.
    ///
    /// # Safety
    /// `fill` initialises the slot with a message that owns what it refers
    /// to, with `msg`'s flags.
    #[inline(always)]
    unsafe fn write_in_place(&mut self, msg: &Msg, fill: impl FnOnce(*mut Msg)) {
        let flags = msg.flags();
        let more = flags & Msg::MORE != 0;
        // SAFETY: this end is the only writer of its outbound queue; `fill`
        // initialises the slot (the caller's word).
        unsafe { self.outbound().write_in_place(more, fill) };
        self.count_written(flags);
    }

    #[inline(always)]
    fn count_written(&mut self, flags: u8) {
        self.write_more = flags & Msg::MORE != 0;
        // Not a routing-id announcement: the reader does not count those.
        if flags & (Msg::MORE | Msg::ROUTING_ID) == 0 {
            self.msgs_written += 1;
        }
    }

    /// Give every message written after this the connection properties `md`
    /// when the peer reads it. The reading end attaches them, so that their
    /// refcount is only ever touched by the reader's thread: a reference
    /// taken per message here and dropped over there would bounce its cache
    /// line between the two threads for every message.
    ///
    /// The note is written as an incomplete item, so a flush publishes it
    /// only together with the next whole message: a reader never finds a
    /// note without a message after it.
    pub fn write_metadata(&mut self, md: Arc<Metadata>) {
        // SAFETY: this end is the only writer of its outbound queue.
        unsafe { self.outbound().write(Msg::metadata_note(md), true) };
    }

    /// Publish what was written; wake the peer if it sleeps on an empty pipe.
    #[inline]
    pub fn flush(&mut self) {
        // SAFETY: this end is the only writer of its outbound queue.
        if !unsafe { self.outbound().flush() } {
            self.send_to_peer(Notice::ActivateRead);
        }
    }

    /// This end's socket takes part in the pipe's HWMs with `sndhwm` and
    /// `rcvhwm` (0: no limit). As in libzmq, the HWM towards an end is the
    /// sum of its socket's RCVHWM and the sending socket's SNDHWM when both
    /// ends are sockets (inproc, in either bind/connect order), the one
    /// socket's value when the other end is a session or an inproc binder
    /// not there yet, and no limit if either is unlimited. Called again
    /// when ZMQ_SNDHWM or ZMQ_RCVHWM changes: the writer sees the new limit
    /// at its next check, the reader at its next credit point or drain.
    pub fn set_socket_hwms(&self, sndhwm: u64, rcvhwm: u64) {
        let mut hwms = self.pair.socket_hwms.lock();
        hwms[self.side] = Some((sndhwm, rcvhwm));
        for to in 0..2 {
            let rcv = hwms[to].map(|(_, r)| r);
            let snd = hwms[1 - to].map(|(s, _)| s);
            let hwm = match (rcv, snd) {
                (Some(0), _) | (_, Some(0)) => 0,
                (Some(r), Some(s)) => r + s,
                (Some(h), None) | (None, Some(h)) => h,
                (None, None) => continue,
            };
            self.pair.hwm[to].store(hwm, Ordering::Relaxed);
        }
    }

    /// Is the other end gone (and, if it left messages, did it ask to drop them)?
    pub fn peer_closed(&self) -> bool {
        self.peer_gone || self.peer().closed.load(Ordering::Acquire)
    }

    pub fn peer_discards(&self) -> bool {
        self.peer().discard.load(Ordering::Acquire)
    }

    /// Note that PipeTerm arrived for this end.
    pub fn set_peer_gone(&mut self) {
        self.peer_gone = true;
    }

    /// Are unread messages waiting (without putting the reader to sleep)?
    pub fn has_unread(&self) -> bool {
        // SAFETY: this end is the only reader of its inbound queue.
        unsafe { self.inbound().probe() }
    }

    /// Messages written but not yet read by the peer (for linger decisions).
    pub fn unread_by_peer(&self) -> u64 {
        self.msgs_written
            .saturating_sub(self.peer().msgs_read.load(Ordering::Acquire))
    }

    /// Leave `msg` for the peer to read when this end closes (libzmq's
    /// pipe disconnect message).
    pub fn set_disconnect_msg(&mut self, msg: Msg) {
        self.disconnect_msg = Some(Box::new(msg));
    }

    /// Close this end. With `discard` the peer drops what we sent but it has
    /// not read (linger 0); otherwise it may still read it.
    pub fn close(mut self, discard: bool) {
        self.discard_on_close = discard;
        // Drop does the rest.
    }
}

impl Drop for PipeEnd {
    /// An end dropped without `close` (e.g. inside an undelivered command)
    /// still tells its peer, discarding what it left.
    fn drop(&mut self) {
        if let Some(m) = self.disconnect_msg.take() {
            // Not in the middle of a multipart message: that half message
            // would be published with it.
            if !self.peer_closed() && !self.write_more {
                self.write(*m);
                self.flush();
                // The peer reads up to it, as a libzmq pipe reads up to the
                // delimiter.
                self.discard_on_close = false;
            }
        }
        let me = &self.pair.ends[self.side];
        me.discard.store(self.discard_on_close, Ordering::Release);
        me.closed.store(true, Ordering::Release);
        // Forget our owner's mailbox: a command the peer sends from now on is
        // dropped instead of keeping our mailbox (and, through the queued
        // PipeRef, this pipe) alive in a reference cycle.
        *me.mailbox.lock() = None;
        if !self.peer_gone {
            self.send_to_peer(Notice::PipeTerm);
        }
    }
}

/// A socket's table of attached pipe ends, addressed by slot.
#[derive(Default)]
pub struct Pipes {
    slots: Vec<Option<PipeEnd>>,
    free: Vec<usize>,
}

impl Pipes {
    /// Store `end`, attach it to `mailbox`, and return its slot.
    pub fn insert<O: Owner + 'static>(&mut self, end: PipeEnd, mailbox: &Arc<O>) -> usize {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                self.slots.len() - 1
            }
        };
        end.attach(mailbox.clone(), slot);
        self.slots[slot] = Some(end);
        slot
    }

    pub fn remove(&mut self, slot: usize) -> Option<PipeEnd> {
        let end = self.slots.get_mut(slot)?.take();
        if end.is_some() {
            self.free.push(slot);
        }
        end
    }

    #[inline]
    pub fn get(&mut self, slot: usize) -> &mut PipeEnd {
        self.slots[slot].as_mut().expect("live pipe slot")
    }

    /// Resolve a command's pipe reference to a live slot of ours.
    pub fn resolve(&self, r: &PipeRef) -> Option<usize> {
        let slot = r.slot();
        match self.slots.get(slot) {
            Some(Some(end)) if r.is(end) => Some(slot),
            _ => None,
        }
    }

    /// Is `slot` occupied?
    pub fn resolve_slot(&self, slot: usize) -> bool {
        matches!(self.slots.get(slot), Some(Some(_)))
    }

    pub fn ends(&self) -> impl Iterator<Item = &PipeEnd> + '_ {
        self.slots.iter().flatten()
    }

    pub fn slots(&self) -> impl Iterator<Item = usize> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|_| i))
    }

    pub fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(addr: &str) -> Arc<Metadata> {
        let mut m = Metadata::new();
        m.set("Peer-Address", addr);
        Arc::new(m)
    }

    fn peer_address(m: &Msg) -> Option<Vec<u8>> {
        m.metadata()
            .and_then(|md| md.get(b"Peer-Address"))
            .map(<[u8]>::to_vec)
    }

    #[test]
    fn metadata_notes_give_properties_to_the_messages_after_them() {
        let (mut socket, mut session) = pipe_pair(0, 0);
        session.write(Msg::from_slice(b"before"));
        session.write_metadata(md("1.1.1.1"));
        session.flush();
        // The note alone is not published: the reader sees only "before".
        assert_eq!(socket.read().map(|m| peer_address(&m)), Some(None));
        assert!(socket.read().is_none() && !socket.has_unread());

        let mut a = Msg::from_slice(b"a");
        a.set_flags(Msg::MORE);
        session.write(a);
        session.write(Msg::from_slice(b"b"));
        // A reconnect: two notes in a row, the last one counts.
        session.write_metadata(md("2.2.2.2"));
        session.write_metadata(md("3.3.3.3"));
        session.write(Msg::from_slice(b"c"));
        session.flush();
        let first = socket.read().unwrap();
        assert!(first.more() && first.data() == b"a");
        assert_eq!(peer_address(&first).as_deref(), Some(&b"1.1.1.1"[..]));
        let mut out = Msg::from_slice(b"old");
        assert!(socket.read_into(&mut out));
        assert_eq!(out.data(), b"b");
        assert_eq!(peer_address(&out).as_deref(), Some(&b"1.1.1.1"[..]));
        assert!(socket.read_into(&mut out));
        assert_eq!(out.data(), b"c");
        assert_eq!(peer_address(&out).as_deref(), Some(&b"3.3.3.3"[..]));
        // Notes are not messages: three messages were counted.
        assert_eq!(socket.msgs_read, 3);
        assert_eq!(session.msgs_written, 3);
        assert!(!socket.read_into(&mut out) && out.data() == b"c");
    }

    fn send_until_full(w: &mut PipeEnd, max: u64) -> u64 {
        let mut n = 0;
        while n < max && w.check_write() {
            w.write(Msg::from_slice(b"x"));
            w.flush();
            n += 1;
        }
        n
    }

    #[test]
    fn credit_comes_every_half_hwm_and_routing_ids_are_free() {
        let (mut reader, mut writer) = pipe_pair(0, 0);
        writer.set_socket_hwms(10, 0);
        let mut id = Msg::from_slice(b"id");
        id.set_flags(Msg::ROUTING_ID);
        writer.write(id);
        assert_eq!(send_until_full(&mut writer, 100), 10);
        assert!(reader.read().unwrap().is_routing_id());
        // Credit at 5 read (half the HWM), not before.
        for _ in 0..4 {
            reader.read().unwrap();
        }
        assert_eq!(send_until_full(&mut writer, 100), 0);
        reader.read().unwrap();
        assert_eq!(send_until_full(&mut writer, 100), 5);
    }

    /// An owner that counts the ActivateWrites it is sent.
    #[derive(Default)]
    struct Counter(AtomicUsize);

    impl Owner for Counter {
        fn notify(&self, _pipe: PipeRef, notice: Notice) {
            if matches!(notice, Notice::ActivateWrite) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    /// A socket's send that will not wait takes fresh credit only once it
    /// has been announced, as libzmq's socket takes it from the reader's
    /// activate_write command: when the reader made room before the writer
    /// was full (so it sends no notice), the writer announces it to its own
    /// owner, once. A send that waits, and credit older than libzmq's
    /// command delay, count at once.
    #[test]
    fn non_blocking_sends_take_fresh_credit_once_announced() {
        let (mut reader, mut writer) = pipe_pair(0, 0);
        let owner = Arc::new(Counter::default());
        writer.attach(owner.clone(), 0);
        writer.mark_socket_end();
        writer.set_socket_hwms(10, 0);
        let notices = || owner.0.load(Ordering::SeqCst);
        let read = |reader: &mut PipeEnd, n| {
            for _ in 0..n {
                reader.read().unwrap();
            }
        };
        // Full, the writer waits: the reader's first credit comes with a
        // notice, which its owner processes.
        assert_eq!(send_until_full(&mut writer, 100), 10);
        read(&mut reader, 10);
        assert_eq!(notices(), 1);
        writer.credit_arrived();

        // Credit the writer was not waiting for, fresh: a DONTWAIT burst
        // finds the pipe full at the HWM and announces the credit, once.
        assert_eq!(send_until_full(&mut writer, 9), 9);
        read(&mut reader, 9);
        assert!(sending(false, || writer.check_write()));
        writer.write(Msg::from_slice(b"x"));
        writer.flush();
        assert!(!sending(false, || writer.check_write()));
        assert!(!sending(false, || writer.check_write()));
        assert_eq!(notices(), 2);
        writer.credit_arrived();
        assert!(sending(false, || writer.check_write()));

        // A send that waits takes fresh credit as it is.
        assert_eq!(send_until_full(&mut writer, 100), 5);
        read(&mut reader, 6);
        assert!(sending(true, || writer.check_write()));

        // Credit older than libzmq's command delay counts unannounced.
        assert_eq!(send_until_full(&mut writer, 10), 10);
        read(&mut reader, 10);
        std::thread::sleep(std::time::Duration::from_micros(2 * COMMAND_DELAY_US));
        let before = notices();
        assert!(sending(false, || writer.check_write()));
        assert_eq!(notices(), before);
    }

    #[test]
    fn a_lowered_hwm_gets_its_credit_when_the_reader_drains() {
        let (mut reader, mut writer) = pipe_pair(0, 0);
        writer.set_socket_hwms(1000, 0);
        assert_eq!(send_until_full(&mut writer, 499), 499);
        for _ in 0..499 {
            reader.read().unwrap();
        }
        // The next credit point (500 read) will never come.
        writer.set_socket_hwms(2, 0);
        assert!(!writer.check_write());
        assert!(reader.read().is_none());
        assert_eq!(send_until_full(&mut writer, 100), 2);
    }
}
