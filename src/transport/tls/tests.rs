//! TlsSession over a real loopback tcp pair, with scripts/wss-certs.sh's
//! throwaway certificates: the handshake, data both ways through small and
//! split read buffers, the end of the stream, a refused certificate.

use super::*;
use std::net::{TcpListener, TcpStream as StdTcp};
use std::time::{Duration, Instant};

fn certs(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tls-unit-{}-{tag}", std::process::id()));
    let ok = std::process::Command::new("scripts/wss-certs.sh")
        .arg(&dir)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "scripts/wss-certs.sh (needs the openssl command)");
    dir
}

fn pem(dir: &std::path::Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

fn tcp_pair() -> (TcpStream, TcpStream) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let c = StdTcp::connect(l.local_addr().unwrap()).unwrap();
    let (s, _) = l.accept().unwrap();
    c.set_nonblocking(true).unwrap();
    s.set_nonblocking(true).unwrap();
    (TcpStream::from_std(c), TcpStream::from_std(s))
}

struct End {
    tls: TlsSession,
    tcp: TcpStream,
    got: Vec<u8>,
    sent: usize,
    failed: Option<io::Error>,
}

impl End {
    /// One step: write what is left of `data`, flush, read into a small
    /// buffer and a second one (both odd sizes).
    fn step(&mut self, data: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        let rest = &data[self.sent..];
        let (a, b) = rest.split_at(rest.len() / 2);
        match self
            .tls
            .write(&mut self.tcp, &[IoSlice::new(a), IoSlice::new(b)])
        {
            Ok(n) => self.sent += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => self.failed = Some(e),
        }
        let mut one = [0u8; 1000];
        let mut two = [0u8; 333];
        let (mut i1, mut i2) = (0, 0);
        let r = self.tls.read(
            &mut self.tcp,
            ReadBuf::from_bytes(&mut one, 0, &mut i1),
            Some(ReadBuf::from_bytes(&mut two, 0, &mut i2)),
        );
        match r {
            Ok(n) => {
                let k = n.min(one.len());
                self.got.extend_from_slice(&one[..k]);
                self.got.extend_from_slice(&two[..n - k]);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => self.failed = Some(e),
        }
    }
}

fn pair(dir: &std::path::Path, trust: &str, host: &str) -> (End, End) {
    let server = server_config(&WssOptions {
        cert_pem: pem(dir, "srv.crt"),
        key_pem: pem(dir, "srv.key"),
        ..Default::default()
    })
    .expect("the server's chain and key load");
    let opts = WssOptions {
        trust_pem: pem(dir, trust),
        hostname: host.as_bytes().to_vec(),
        ..Default::default()
    };
    let (config, name) = client_config(&opts, "127.0.0.1");
    let (c, s) = tcp_pair();
    let end = |tls, tcp| End {
        tls,
        tcp,
        got: Vec::new(),
        sent: 0,
        failed: None,
    };
    (
        end(TlsSession::client(config, name).unwrap(), c),
        end(TlsSession::server(server).unwrap(), s),
    )
}

#[test]
fn sessions_carry_bytes_both_ways_and_refuse_what_they_must() {
    let dir = certs("session");
    let data: Vec<u8> = (0..300_000u32).map(|i| (i * 31 % 251) as u8).collect();
    let (mut c, mut s) = pair(&dir, "ca.crt", "wss.test");
    let t0 = Instant::now();
    while (c.got.len() < data.len() || s.got.len() < data.len())
        && t0.elapsed() < Duration::from_secs(20)
    {
        c.step(&data);
        s.step(&data);
        assert!(
            c.failed.is_none() && s.failed.is_none(),
            "{:?} {:?}",
            c.failed,
            s.failed
        );
    }
    assert!(
        c.got == data && s.got == data,
        "both got everything, in order"
    );
    // The client hangs up: the server reads the end (Ok(0)), nothing else.
    drop(c);
    let t0 = Instant::now();
    loop {
        let mut one = [0u8; 16];
        let mut i1 = 0;
        match s
            .tls
            .read(&mut s.tcp, ReadBuf::from_bytes(&mut one, 0, &mut i1), None)
        {
            Ok(0) => break,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            r => panic!("after the hang-up: {r:?}"),
        }
        assert!(t0.elapsed() < Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(5));
    }

    // An untrusted certificate and a wrong name: the client's handshake
    // fails with EINVAL (libzmq's errno for a failed wss read), the
    // server's too (the client's alert).
    for (trust, host) in [("self.crt", "wss.test"), ("ca.crt", "cn.test")] {
        let (mut c, mut s) = pair(&dir, trust, host);
        let t0 = Instant::now();
        while (c.failed.is_none() || s.failed.is_none()) && t0.elapsed() < Duration::from_secs(5) {
            c.step(b"x");
            s.step(b"y");
        }
        let errno = |e: &Option<io::Error>| e.as_ref().and_then(|e| e.raw_os_error());
        assert_eq!(errno(&c.failed), Some(libc::EINVAL), "{trust} {host}");
        assert!(
            s.failed.is_some(),
            "{trust} {host}: the server learns it too"
        );
        assert!(c.got.is_empty() && s.got.is_empty());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_server_needs_its_chain_and_key() {
    assert!(server_config(&WssOptions::default()).is_none());
    let dir = certs("server");
    let no_key = WssOptions {
        cert_pem: pem(&dir, "srv.crt"),
        key_pem: b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".to_vec(),
        ..Default::default()
    };
    assert!(server_config(&no_key).is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

/// ZMQ_WSS_TRUST_SYSTEM reads Debian's bundle (ca-certificates, in
/// scripts/deps.sh): every certificate in it, each usable as a trust
/// anchor.
#[test]
fn the_system_store_is_read() {
    let pem = std::fs::read(SYSTEM_TRUST).expect("ca-certificates is installed");
    let n = pem
        .windows(27)
        .filter(|w| w == b"-----BEGIN CERTIFICATE-----")
        .count();
    let certs = system_trust();
    assert!(n > 0 && certs.len() == n, "{} of {n}", certs.len());
    assert!(certs
        .iter()
        .all(|c| webpki::anchor_from_trusted_cert(c).is_ok()));
}
