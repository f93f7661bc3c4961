//! CURVE's cryptography: random bytes, nonces, precomputed NaCl boxes
//! sealed and opened (each body read once, by the cipher: encrypted or
//! decrypted in place or straight into its destination), the
//! MESSAGE codec both sides use after the handshake, and key wiping.

use super::*;

pub(super) fn random<const N: usize>() -> Result<[u8; N], ProtocolError> {
    let mut b = [0u8; N];
    getrandom::getrandom(&mut b).map_err(|_| crypto_error())?;
    Ok(b)
}

/// A 24-byte nonce: a 16-byte prefix and a big-endian counter, or an
/// 8-byte prefix and 16 bytes from the wire.
pub(super) fn nonce(prefix: &[u8], rest: &[u8]) -> [u8; 24] {
    let mut n = [0u8; 24];
    n[..prefix.len()].copy_from_slice(prefix);
    n[prefix.len()..].copy_from_slice(rest);
    n
}

/// `crypto_box_beforenm`: the precomputed key between `public` and
/// `secret`. Like libsodium, a low-order public key (an all-zero shared
/// point) is refused.
pub(super) fn precompute(
    public: &[u8; KEY],
    secret: &[u8; KEY],
) -> Result<SecretBox, ProtocolError> {
    let shared = StaticSecret::from(*secret).diffie_hellman(&DhPublic::from(*public));
    if !shared.was_contributory() {
        return Err(crypto_error());
    }
    // `shared` wipes itself when dropped.
    Ok(SecretBox::from_shared(shared.as_bytes()))
}

/// Append `Box[plaintext]` (tag, then ciphertext) to `out`.
pub(super) fn seal(b: &SecretBox, n: &[u8; 24], plaintext: &[u8], out: &mut Vec<u8>) {
    let at = out.len();
    out.extend_from_slice(&[0u8; TAG]);
    let tag = b.seal_append(n, plaintext, out);
    out[at..at + TAG].copy_from_slice(&tag);
}

/// Open a box (tag, then ciphertext) into a new buffer.
pub(super) fn open(b: &SecretBox, n: &[u8; 24], boxed: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    if boxed.len() < TAG {
        return Err(crypto_error());
    }
    let (tag, body) = boxed.split_at(TAG);
    let mut plain = vec![0u8; body.len()];
    open_into(b, n, tag, body, &mut plain)?;
    Ok(plain)
}

fn tag_of(tag: &[u8]) -> Result<&[u8; TAG], ProtocolError> {
    tag.try_into().map_err(|_| crypto_error())
}

/// Check and decrypt `body` where it lies.
pub(super) fn open_in_place(
    b: &SecretBox,
    n: &[u8; 24],
    tag: &[u8],
    body: &mut [u8],
) -> Result<(), ProtocolError> {
    b.open_in_place(n, tag_of(tag)?, body)
        .map_err(|_| crypto_error())
}

/// Check `body` and decrypt it into `dst` (one pass, no copy first).
pub(super) fn open_into(
    b: &SecretBox,
    n: &[u8; 24],
    tag: &[u8],
    body: &[u8],
    dst: &mut [u8],
) -> Result<(), ProtocolError> {
    b.open_into(n, tag_of(tag)?, body, dst)
        .map_err(|_| crypto_error())
}

/// The per-message transform shared by both sides once READY is done.
pub(super) struct MessageCodec {
    pub(super) precom: SecretBox,
    pub(super) send_prefix: &'static [u8; 16],
    pub(super) recv_prefix: &'static [u8; 16],
    /// Our next short nonce.
    pub(super) nonce: u64,
    /// The last short nonce the peer used.
    pub(super) peer_nonce: u64,
    /// Where small received MESSAGEs are decrypted (see `plain_room`).
    pub(super) plain: Option<SharedBuf>,
}

/// Size of a plaintext buffer for received messages.
pub(super) const PLAIN_BUF: usize = 64 * 1024;

impl MessageCodec {
    /// The codec of a connection whose handshake agreed on `precom`: ours
    /// sends with `send_prefix` nonces from `nonce` on, the peer's from
    /// after `peer_nonce` with `recv_prefix`.
    pub(super) fn new(
        mut precom: SecretBox,
        send_prefix: &'static [u8; 16],
        recv_prefix: &'static [u8; 16],
        nonce: u64,
        peer_nonce: u64,
    ) -> MessageCodec {
        precom.remember_prefix(send_prefix);
        precom.remember_prefix(recv_prefix);
        MessageCodec {
            precom,
            send_prefix,
            recv_prefix,
            nonce,
            peer_nonce,
            plain: None,
        }
    }

    /// Seal `msg` as a MESSAGE frame straight into the encoder's batch.
    /// libzmq sends it as an ordinary frame with flags 0; MORE and COMMAND
    /// travel inside the box.
    pub(super) fn encode_into(
        &mut self,
        msg: &Msg,
        out: &mut Encoder,
    ) -> Result<(), ProtocolError> {
        let payload = msg.data();
        let n = self.nonce;
        self.nonce = self.nonce.wrapping_add(1);
        let full = nonce(self.send_prefix, &n.to_be_bytes());
        let mut flags = 0;
        if msg.more() {
            flags |= 0x01;
        }
        if msg.is_command() {
            flags |= 0x02;
        }
        let precom = &self.precom;
        // The payload is read once, by the encryption, which writes the
        // ciphertext straight into the encoder's batch.
        out.push_frame_append(false, false, MESSAGE_HEADER + 1 + payload.len(), |buf| {
            buf.extend_from_slice(b"\x07MESSAGE");
            buf.extend_from_slice(&n.to_be_bytes());
            let at = buf.len();
            buf.extend_from_slice(&[0u8; TAG]);
            let tag = precom.seal_append_parts(&full, &[flags], payload, buf);
            buf[at..at + TAG].copy_from_slice(&tag);
        });
        Ok(())
    }

    /// Room for `n` plaintext bytes in the plaintext buffer: reuse it when
    /// no message holds it any more, else start a new one (one allocation
    /// per PLAIN_BUF bytes of small messages, not one per message).
    pub(super) fn plain_room(
        plain: &mut Option<SharedBuf>,
        n: usize,
    ) -> Result<&mut SharedBuf, ProtocolError> {
        let fits = |b: &SharedBuf| b.capacity() - b.len() >= n;
        let reuse = match plain {
            Some(b) if fits(b) => true,
            Some(b) => b.clear() && fits(b),
            None => false,
        };
        if !reuse {
            let buf = SharedBuf::with_capacity(n.max(PLAIN_BUF))
                .map_err(|_| ProtocolError::OutOfMemory)?;
            *plain = Some(buf);
        }
        plain.as_mut().ok_or(ProtocolError::OutOfMemory)
    }

    pub(super) fn decode(&mut self, mut msg: Msg) -> Result<Msg, ProtocolError> {
        let data = msg.data();
        if data.len() < 8 || &data[..8] != b"\x07MESSAGE" {
            return Err(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND));
        }
        if data.len() < MESSAGE_MIN {
            return Err(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE));
        }
        let mut short = [0u8; 8];
        short.copy_from_slice(&data[8..16]);
        let n = u64::from_be_bytes(short);
        if n <= self.peer_nonce {
            return Err(proto(c::ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE));
        }
        self.peer_nonce = n;
        let full = nonce(self.recv_prefix, &short);
        let mut tag = [0u8; TAG];
        tag.copy_from_slice(&data[16..MESSAGE_HEADER]);
        // Decrypt where the frame lies when nobody else sees those bytes (a
        // large frame has its own buffer); a frame sharing the receive
        // buffer is decrypted into the plaintext buffer instead.
        let (mut out, flags) = if msg.data_mut().is_some() {
            let flags = {
                let Some(buf) = msg.data_mut() else {
                    return Err(ProtocolError::OutOfMemory);
                };
                let body = &mut buf[MESSAGE_HEADER..];
                open_in_place(&self.precom, &full, &tag, body)?;
                body[0]
            };
            msg.advance(MESSAGE_HEADER + 1);
            (msg, flags)
        } else {
            let body_len = msg.size() - MESSAGE_HEADER;
            let buf = Self::plain_room(&mut self.plain, body_len)?;
            let start = buf.len();
            let body = &mut buf.spare_mut()[..body_len];
            // Decrypted from the receive buffer into the plaintext buffer:
            // the one copy is the decryption.
            open_into(
                &self.precom,
                &full,
                &tag,
                &msg.data()[MESSAGE_HEADER..],
                body,
            )?;
            let flags = body[0];
            buf.commit(body_len);
            (buf.slice(start + 1..start + body_len), flags)
        };
        out.reset_flags(Msg::MORE | Msg::COMMAND);
        if flags & 0x01 != 0 {
            out.set_flags(Msg::MORE);
        }
        if flags & 0x02 != 0 {
            out.set_flags(Msg::COMMAND);
        }
        Ok(out)
    }
}

/// Wipe key material when a mechanism goes away.
pub(super) fn wipe(b: &mut [u8]) {
    b.fill(0);
    // Keep the stores: the optimizer must assume the zeros are read.
    std::hint::black_box(&*b);
}
