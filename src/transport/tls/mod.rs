//! TLS for wss (rustls with the ring provider): the server and client
//! configurations made from the ZMQ_WSS_* options, and [`TlsSession`],
//! which carries a ws connection's bytes through TLS over its tcp stream.
//! It sits under the ws code: the engine reads and writes plaintext
//! through `Stream` as for every stream, and `zmtp::ws` never learns that
//! TLS is there.

#[cfg(test)]
mod tests;
pub mod verify;
pub mod x509;

use mio::net::TcpStream;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection};
use std::io::{self, BufRead, IoSlice, Read, Write};
use std::sync::{Arc, OnceLock};

use crate::msg::ReadBuf;

/// The ZMQ_WSS_* options as set (libzmq keeps them as given and reads them
/// when a listener or a connection is made).
#[derive(Clone, Debug, Default)]
pub struct WssOptions {
    /// ZMQ_WSS_KEY_PEM and ZMQ_WSS_CERT_PEM: a listener's key and chain.
    pub key_pem: Vec<u8>,
    pub cert_pem: Vec<u8>,
    /// ZMQ_WSS_TRUST_PEM: the certificates a client trusts.
    pub trust_pem: Vec<u8>,
    /// ZMQ_WSS_HOSTNAME: the name a client expects (and sends as SNI).
    pub hostname: Vec<u8>,
    /// ZMQ_WSS_TRUST_SYSTEM: trust the system's store as well.
    pub trust_system: bool,
}

/// Where Debian's GnuTLS (so libzmq's ZMQ_WSS_TRUST_SYSTEM) finds the
/// system's trusted certificates.
const SYSTEM_TRUST: &str = "/etc/ssl/certs/ca-certificates.crt";

/// How much TLS output (or plaintext before the handshake ends) a session
/// holds before a write accepts no more: a bound, and large enough for
/// full records.
const OUT_LIMIT: usize = 256 * 1024;

/// The most plaintext one TLS record carries: libzmq's, whose wss engine
/// sends each batch of at most ZMQ_OUT_BATCH_SIZE (8192 by default) as one
/// record, and which reads a batch at a time (ZMQ_IN_BATCH_SIZE, 8192)
/// from GnuTLS, woken only by the socket: the rest of a larger record stays
/// in GnuTLS unseen until more bytes come (a stream of 8 KiB messages in
/// 16 KiB records stalled on its last ones).
const RECORD_PLAINTEXT: usize = 8192;
/// rustls counts the record header (5 bytes) in its fragment size.
const RECORD_HEADER: usize = 5;

/// Ciphertext read from the socket per system call: rustls alone asks for
/// at most one record (4 to 16 KiB) a read.
const READ_CHUNK: usize = 64 * 1024;

/// ring's provider: it builds from crates.io alone (aws-lc-rs needs more
/// of a C toolchain); rustls marks it deprecated only because it offers no
/// post-quantum key exchange, which GnuTLS 3.7 (libzmq's wss) has not either.
#[allow(deprecated)]
fn provider() -> Arc<CryptoProvider> {
    static P: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    P.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// A listener's configuration: its chain and key. None if either is
/// missing or unreadable (libzmq asserts there; ours refuses the bind).
pub fn server_config(o: &WssOptions) -> Option<Arc<ServerConfig>> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&o.cert_pem)
        .collect::<Result<_, _>>()
        .ok()?;
    if chain.is_empty() {
        return None;
    }
    let key = PrivateKeyDer::from_pem_slice(&o.key_pem).ok()?;
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .ok()?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .ok()?;
    let mut config = config;
    config.max_fragment_size = Some(RECORD_PLAINTEXT + RECORD_HEADER);
    Some(Arc::new(config))
}

/// Certificates from PEM text; what does not parse is skipped (it then
/// trusts nothing, and the handshake fails).
fn certs(pem: &[u8]) -> impl Iterator<Item = CertificateDer<'static>> + '_ {
    CertificateDer::pem_slice_iter(pem).filter_map(Result::ok)
}

/// The system's trusted certificates, read once.
fn system_trust() -> &'static [CertificateDer<'static>] {
    static S: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    S.get_or_init(|| match std::fs::read(SYSTEM_TRUST) {
        Ok(pem) => certs(&pem).collect(),
        Err(_) => Vec::new(),
    })
}

/// A client's configuration: the trust it was given, the name it checks
/// (ZMQ_WSS_HOSTNAME, else `host`, the endpoint's) and sends as SNI.
pub fn client_config(o: &WssOptions, host: &str) -> (Arc<ClientConfig>, ServerName<'static>) {
    let mut trusted: Vec<CertificateDer<'static>> = certs(&o.trust_pem).collect();
    if o.trust_system {
        trusted.extend(system_trust().iter().cloned());
    }
    let anchors = trusted
        .iter()
        .filter_map(|c| webpki::anchor_from_trusted_cert(c).ok())
        .map(|a| a.to_owned())
        .collect();
    let hostname = if o.hostname.is_empty() {
        host.to_owned()
    } else {
        String::from_utf8_lossy(&o.hostname).into_owned()
    };
    // A name rustls cannot send as SNI (an address, or not a DNS name) is
    // checked all the same, by the verifier; rustls then sends none.
    let (name, sni) = match ServerName::try_from(hostname.clone()) {
        Ok(n @ ServerName::DnsName(_)) => (n, true),
        Ok(n) => (n, false),
        Err(_) => (
            ServerName::from(std::net::IpAddr::from([0, 0, 0, 0])),
            false,
        ),
    };
    let verifier = verify::Verifier {
        trusted,
        anchors,
        hostname,
        provider: provider(),
    };
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.enable_sni = sni;
    config.max_fragment_size = Some(RECORD_PLAINTEXT + RECORD_HEADER);
    (Arc::new(config), name)
}

/// One connection's TLS state.
pub struct TlsSession {
    conn: Connection,
    /// Ciphertext read and not yet handed to rustls.
    inbuf: Box<[u8]>,
    in_start: usize,
    in_end: usize,
    /// The tcp stream ended (or TLS was closed): what is left to read is
    /// the plaintext already decrypted.
    eof: bool,
}

/// The errno a failed TLS session ends its connection with: libzmq's wss
/// engine's for a failed read (EINVAL). During the handshake the engine
/// reports it as HANDSHAKE_FAILED_NO_DETAIL, as libzmq does.
pub const TLS_ERRNO: i32 = libc::EINVAL;

/// A TLS failure as the engine sees it: an I/O error with [`TLS_ERRNO`]
/// (what rustls said is of no use past this point: libzmq says nothing
/// more either).
fn tls_error(_: rustls::Error) -> io::Error {
    io::Error::from_raw_os_error(TLS_ERRNO)
}

impl TlsSession {
    fn new(mut conn: Connection) -> TlsSession {
        conn.set_buffer_limit(Some(OUT_LIMIT));
        TlsSession {
            conn,
            inbuf: vec![0; READ_CHUNK].into_boxed_slice(),
            in_start: 0,
            in_end: 0,
            eof: false,
        }
    }

    /// A client session towards `name`.
    pub fn client(config: Arc<ClientConfig>, name: ServerName<'static>) -> io::Result<TlsSession> {
        let c = ClientConnection::new(config, name).map_err(tls_error)?;
        Ok(TlsSession::new(Connection::Client(c)))
    }

    /// A server session for a connection just accepted.
    pub fn server(config: Arc<ServerConfig>) -> io::Result<TlsSession> {
        let c = ServerConnection::new(config).map_err(tls_error)?;
        Ok(TlsSession::new(Connection::Server(c)))
    }

    /// TLS output is waiting for the socket.
    pub fn wants_write(&self) -> bool {
        self.conn.wants_write()
    }

    /// Write pending TLS output; Err(WouldBlock) if some is still pending.
    fn flush(&mut self, tcp: &mut TcpStream) -> io::Result<()> {
        while self.conn.wants_write() {
            match self.conn.write_tls(&mut SendNoSignal(tcp)) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Encrypt as much of `bufs` (in order) as the session takes and write what the
    /// socket takes: Ok(plaintext bytes taken), Err(WouldBlock) when
    /// neither moved. Empty `bufs` only flushes (handshake records).
    pub fn write(&mut self, tcp: &mut TcpStream, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        // One write per slice, so no record spans two: a large body (a
        // slice of its own) ends with its last record, as libzmq's, whose
        // engine reads a body to its end and then stops until the socket
        // says more; a record that also held the next message would leave
        // that message unseen in GnuTLS.
        let mut taken = 0;
        for b in bufs.iter().filter(|b| !b.is_empty()) {
            let n = self.conn.writer().write(b)?;
            taken += n;
            if n < b.len() {
                break;
            }
        }
        match self.flush(tcp) {
            Ok(()) => Ok(taken),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && taken > 0 => Ok(taken),
            Err(e) => Err(e),
        }
    }

    /// Read plaintext into `first`, then `second`: decrypting what is
    /// buffered and reading the socket until both are full or the socket
    /// has nothing more (so a short read, as with a plain stream, means the
    /// socket is drained). Ok(0): the stream ended.
    pub fn read(
        &mut self,
        tcp: &mut TcpStream,
        first: ReadBuf<'_>,
        second: Option<ReadBuf<'_>>,
    ) -> io::Result<usize> {
        let mut bufs = [Some(first), second];
        let mut filled = [0usize; 2];
        let room = |b: &[Option<ReadBuf<'_>>; 2], f: &[usize; 2]| {
            b.iter()
                .zip(f)
                .map(|(b, f)| b.as_ref().map_or(0, |b| b.len() - f))
                .sum::<usize>()
        };
        loop {
            // Plaintext already decrypted.
            while room(&bufs, &filled) > 0 {
                let chunk = match self.conn.reader().into_first_chunk() {
                    Ok(c) if !c.is_empty() => c,
                    Ok(_) => {
                        self.eof = true; // close_notify
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(_) => {
                        self.eof = true; // the tcp stream ended
                        break;
                    }
                };
                let i = usize::from(bufs[0].as_ref().is_some_and(|b| b.len() == filled[0]));
                let buf = bufs[i].as_mut().expect("room left");
                let n = copy_into(buf, filled[i], chunk);
                filled[i] += n;
                self.conn.reader().consume(n);
            }
            let total = filled[0] + filled[1];
            if room(&bufs, &filled) == 0 || self.eof {
                return Ok(total);
            }
            match self.fill(tcp) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // Drained: what was copied is the read.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock && total > 0 => return Ok(total),
                // A failure ends the connection at once (no later event
                // would report an error kept for the next read); the
                // plaintext copied with it is dropped, as the kernel drops
                // a reset tcp connection's unread bytes.
                Err(e) => return Err(e),
            }
        }
    }

    /// Give rustls more ciphertext (what is buffered, else from the socket)
    /// and decrypt it.
    fn fill(&mut self, tcp: &mut TcpStream) -> io::Result<()> {
        if self.in_start == self.in_end {
            match tcp.read(&mut self.inbuf)? {
                0 => return self.eof_seen(),
                n => (self.in_start, self.in_end) = (0, n),
            }
        }
        let mut pending = &self.inbuf[self.in_start..self.in_end];
        let before = pending.len();
        self.conn.read_tls(&mut pending)?;
        self.in_start += before - pending.len();
        if let Err(e) = self.conn.process_new_packets() {
            // The alert rustls queued tells the peer why.
            let _ = self.flush(tcp);
            return Err(tls_error(e));
        }
        Ok(())
    }

    /// The socket reached its end: let rustls see it (an empty read), so
    /// the reader reports the end once the plaintext is drained.
    fn eof_seen(&mut self) -> io::Result<()> {
        self.conn.read_tls(&mut io::empty())?;
        self.eof = true;
        Ok(())
    }
}

/// Copy `bytes` (as many as fit) into `buf` after its first `at` bytes.
fn copy_into(buf: &mut ReadBuf<'_>, at: usize, bytes: &[u8]) -> usize {
    // SAFETY: only initialised bytes (a copy of `bytes`) are written.
    let dst = unsafe { buf.as_uninit_mut() };
    let n = bytes.len().min(dst.len() - at);
    // SAFETY: `dst[at..at + n]` is in bounds and `bytes[..n]` readable; the
    // regions do not overlap (rustls's buffer is not ours).
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst[at..].as_mut_ptr().cast::<u8>(), n);
    }
    // SAFETY: the first `at` bytes were written by earlier copies, the next
    // `n` by this one.
    unsafe { buf.assume_init(at + n) };
    n
}

/// The tcp stream as rustls writes to it: send(2) with MSG_NOSIGNAL, so a
/// peer gone away is EPIPE rather than SIGPIPE (as `Stream::write_vectored`).
struct SendNoSignal<'a>(&'a mut TcpStream);

impl Write for SendNoSignal<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        use std::os::fd::AsRawFd;
        // SAFETY: `buf` is readable for its length during the call; the
        // descriptor is the open tcp socket.
        let n = unsafe {
            libc::send(
                self.0.as_raw_fd(),
                buf.as_ptr().cast(),
                buf.len(),
                libc::MSG_NOSIGNAL,
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n as usize)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
