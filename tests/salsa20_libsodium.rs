//! The SIMD Salsa20 keystream and the CURVE box against libsodium (what
//! libzmq's CURVE uses), every backend forced in turn: random keys,
//! nonces and counters (many near the 2^32 carry), lengths 0 to 1 MiB,
//! unaligned buffers. libsodium is reached through a small C program
//! (tests/support/sodium_oracle.c) built here with Debian's libsodium-dev
//! (scripts/deps.sh): it is linked into nothing else.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::OnceLock;

use zmq::util::salsa20::secretbox::{xsalsa20, SecretBox};
use zmq::util::salsa20::{Backend, Keystream};

const BACKENDS: [Backend; 4] = [
    Backend::Avx512,
    Backend::Avx2,
    Backend::Sse2,
    Backend::Scalar,
];

fn backends() -> Vec<Backend> {
    let v: Vec<Backend> = BACKENDS.into_iter().filter(|b| b.available()).collect();
    if v.len() < BACKENDS.len() {
        eprintln!("this CPU runs only {v:?}");
    }
    v
}

/// Build the oracle once (tests run in parallel threads).
fn oracle_exe() -> &'static PathBuf {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/sodium_oracle.c");
        let exe = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sodium_oracle");
        let out = Command::new("cc")
            .args(["-O2", "-Wall", "-Werror", "-o"])
            .arg(&exe)
            .arg(&src)
            .arg("-lsodium")
            .output()
            .expect("run cc (gcc: scripts/deps.sh)");
        assert!(
            out.status.success(),
            "building the libsodium oracle failed (libsodium-dev: scripts/deps.sh):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        exe
    })
}

struct Oracle {
    child: Child,
    tx: ChildStdin,
    rx: ChildStdout,
}

impl Oracle {
    fn start() -> Oracle {
        let exe = oracle_exe();
        let mut child = Command::new(exe)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the oracle");
        let tx = child.stdin.take().expect("stdin");
        let rx = child.stdout.take().expect("stdout");
        Oracle { child, tx, rx }
    }

    fn ask(&mut self, req: &[u8], answer: usize) -> Vec<u8> {
        self.tx.write_all(req).expect("write to oracle");
        self.tx.flush().expect("flush");
        let mut a = vec![0u8; answer];
        self.rx.read_exact(&mut a).expect("oracle answer");
        a
    }

    fn request(op: u8, fixed: &[&[u8]], data: Option<&[u8]>) -> Vec<u8> {
        let mut r = vec![op];
        for f in fixed {
            r.extend_from_slice(f);
        }
        if let Some(d) = data {
            r.extend_from_slice(&(d.len() as u32).to_le_bytes());
            r.extend_from_slice(d);
        }
        r
    }

    fn salsa20(&mut self, key: &[u8; 32], nonce: &[u8; 8], ic: u64, data: &[u8]) -> Vec<u8> {
        let r = Oracle::request(b's', &[key, nonce, &ic.to_le_bytes()], Some(data));
        self.ask(&r, data.len())
    }

    fn xsalsa20(&mut self, key: &[u8; 32], nonce: &[u8; 24], ic: u64, data: &[u8]) -> Vec<u8> {
        let r = Oracle::request(b'x', &[key, nonce, &ic.to_le_bytes()], Some(data));
        self.ask(&r, data.len())
    }

    /// crypto_secretbox_easy: tag, then ciphertext.
    fn seal(&mut self, key: &[u8; 32], nonce: &[u8; 24], data: &[u8]) -> Vec<u8> {
        let r = Oracle::request(b'b', &[key, nonce], Some(data));
        self.ask(&r, data.len() + 16)
    }

    fn open(&mut self, key: &[u8; 32], nonce: &[u8; 24], boxed: &[u8]) -> Option<Vec<u8>> {
        let r = Oracle::request(b'o', &[key, nonce], Some(boxed));
        let ok = self.ask(&r, 1)[0];
        (ok == 1).then(|| {
            let mut p = vec![0u8; boxed.len() - 16];
            self.rx.read_exact(&mut p).expect("oracle plaintext");
            p
        })
    }

    fn beforenm(&mut self, pk: &[u8; 32], sk: &[u8; 32]) -> [u8; 32] {
        let r = Oracle::request(b'k', &[pk, sk], None);
        self.ask(&r, 32).try_into().unwrap()
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// splitmix64, seeded from the OS (printed; SALSA_SEED replays a run).
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let mut s = [0u8; 8];
        getrandom::getrandom(&mut s).expect("getrandom");
        let seed = std::env::var("SALSA_SEED")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(u64::from_le_bytes(s));
        eprintln!("SALSA_SEED={seed}");
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
    fn array<const N: usize>(&mut self) -> [u8; N] {
        self.bytes(N).try_into().unwrap()
    }
    fn counter(&mut self) -> u64 {
        match self.below(3) {
            0 => (1u64 << 32) - 1 - self.below(20),
            1 => self.below(1000),
            _ => self.below(u64::MAX - (1 << 15)),
        }
    }
}

fn lengths(rng: &mut Rng) -> Vec<usize> {
    let mut v: Vec<usize> = (0..=600).collect();
    v.extend([1023, 1024, 1025, 65536, 65536 + 31, 1 << 20]);
    for _ in 0..4 {
        v.push(rng.below(1 << 20) as usize);
    }
    v
}

#[test]
fn salsa20_keystream_matches_libsodium() {
    let mut o = Oracle::start();
    let mut rng = Rng::new();
    for len in lengths(&mut rng) {
        let (key, nonce, ic) = (rng.array::<32>(), rng.array::<8>(), rng.counter());
        let off = rng.below(64) as usize;
        let buf = rng.bytes(len + 64);
        let data = &buf[off..off + len];
        let want = o.salsa20(&key, &nonce, ic, data);
        for b in backends() {
            let mut got = buf.clone();
            Keystream::with_backend(&key, &nonce, b).apply(ic, &mut got[off..off + len]);
            assert!(
                got[off..off + len] == want[..],
                "{b:?} len {len} ic {ic} off {off}"
            );
        }
    }
}

#[test]
fn xsalsa20_keystream_matches_libsodium() {
    let mut o = Oracle::start();
    let mut rng = Rng::new();
    for len in lengths(&mut rng) {
        let (key, nonce, ic) = (rng.array::<32>(), rng.array::<24>(), rng.counter());
        let data = rng.bytes(len);
        let want = o.xsalsa20(&key, &nonce, ic, &data);
        for b in backends() {
            let mut got = vec![0u8; len];
            xsalsa20(&key, &nonce, b).apply_into(ic, &data, &mut got);
            assert!(got == want, "{b:?} len {len} ic {ic}");
        }
    }
}

#[test]
fn secretbox_matches_libsodium() {
    let mut o = Oracle::start();
    let mut rng = Rng::new();
    for len in lengths(&mut rng) {
        let (key, nonce) = (rng.array::<32>(), rng.array::<24>());
        let off = rng.below(64) as usize;
        let buf = rng.bytes(len + 64);
        let plain = &buf[off..off + len];
        let want = o.seal(&key, &nonce, plain);
        // Every backend, with and without the subkey of this nonce's prefix
        // kept (as CURVE's MESSAGE boxes keep it).
        for (b, remembered) in backends().into_iter().flat_map(|b| [(b, false), (b, true)]) {
            let mut sb = SecretBox::with_backend(&key, b);
            if remembered {
                sb.remember_prefix(nonce[..16].try_into().unwrap());
            }
            let mut got = vec![0u8; 16];
            let tag = sb.seal_append(&nonce, plain, &mut got);
            got[..16].copy_from_slice(&tag);
            assert!(got == want, "{b:?} seal len {len}");
            // libsodium's box opens here, and a damaged one does not.
            let mut p = vec![0u8; len];
            let t: [u8; 16] = want[..16].try_into().unwrap();
            sb.open_into(&nonce, &t, &want[16..], &mut p)
                .expect("open libsodium's box");
            assert!(p == plain, "{b:?} open len {len}");
            let mut bad = want.clone();
            let at = rng.below(bad.len() as u64) as usize;
            bad[at] ^= 1 << rng.below(8);
            let bt: [u8; 16] = bad[..16].try_into().unwrap();
            let mut q = bad[16..].to_vec();
            assert!(
                sb.open_in_place(&nonce, &bt, &mut q).is_err(),
                "{b:?} forged len {len}"
            );
            if b == Backend::Scalar && !remembered {
                assert!(o.open(&key, &nonce, &bad).is_none());
            }
        }
        // And ours opens in libsodium.
        assert_eq!(o.open(&key, &nonce, &want).as_deref(), Some(plain));
    }
}

/// crypto_box_beforenm: our precomputed key (HSalsa20 of the X25519
/// secret) boxes exactly as libsodium's.
#[test]
fn precomputed_key_matches_libsodium() {
    use x25519_dalek::{PublicKey, StaticSecret};
    let mut o = Oracle::start();
    let mut rng = Rng::new();
    for _ in 0..50 {
        let (a, b) = (rng.array::<32>(), rng.array::<32>());
        let b_pub = PublicKey::from(&StaticSecret::from(b)).to_bytes();
        let k = o.beforenm(&b_pub, &a);
        let shared = StaticSecret::from(a).diffie_hellman(&PublicKey::from(b_pub));
        let ours = SecretBox::from_shared(shared.as_bytes());
        let nonce = rng.array::<24>();
        let n = rng.below(2000) as usize;
        let msg = rng.bytes(n);
        let mut want = vec![0u8; 16];
        let t = SecretBox::new(&k).seal_append(&nonce, &msg, &mut want);
        want[..16].copy_from_slice(&t);
        assert_eq!(o.seal(&k, &nonce, &msg), want);
        let mut got = vec![0u8; 16];
        let t = ours.seal_append(&nonce, &msg, &mut got);
        got[..16].copy_from_slice(&t);
        assert_eq!(got, want);
    }
}
