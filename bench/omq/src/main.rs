//! One binary, four programs chosen by the name it is run as (symlinks
//! local_thr_omq, remote_thr_omq, local_lat_omq, remote_lat_omq): the same
//! arguments (`<endpoint> <message-size> <count>`), the same roles and the
//! same report lines as capi-tests/perf/, so scripts/bench.sh parses them
//! like ours and libzmq's.
//!
//! Each program runs its socket on an omq `Context` with one I/O thread (its
//! default, as libzmq's) and drives it from the main thread with
//! `block_on`, as the C programs drive theirs from main. omq's linger
//! defaults to zero (libzmq's to forever), so the side that sends last closes
//! with linger forever: nothing it sent is dropped at exit.

use std::process::exit;
use std::time::Instant;

use omq_tokio::{Context, Message, Options, Socket, SocketType};

fn die(what: &str, err: impl std::fmt::Debug) -> ! {
    eprintln!("error in {what}: {err:?}");
    exit(1)
}

struct Args {
    endpoint: String,
    size: usize,
    count: usize,
}

fn parse_args(program: &str, count_name: &str) -> Args {
    let argv: Vec<String> = std::env::args().collect();
    if argv.len() != 4 {
        println!("usage: {program} <endpoint> <message-size> <{count_name}>");
        exit(1);
    }
    let size = argv[2].parse().unwrap_or_else(|e| die("message-size", e));
    let count: usize = argv[3].parse().unwrap_or_else(|e| die(count_name, e));
    if count < 1 {
        eprintln!("{count_name} must be at least 1");
        exit(1);
    }
    Args {
        endpoint: argv[1].clone(),
        size,
        count,
    }
}

fn check_size(msg: &Message, size: usize) {
    if msg.byte_len() != size {
        eprintln!("message of incorrect size received");
        exit(1);
    }
}

async fn bound(kind: SocketType, ctx: &Context, endpoint: &str) -> Socket {
    let s = ctx.socket(kind, Options::default());
    s.bind(endpoint).await.unwrap_or_else(|e| die("bind", e));
    s
}

async fn connected(kind: SocketType, ctx: &Context, endpoint: &str) -> Socket {
    let s = ctx.socket(kind, Options::default());
    s.connect(endpoint)
        .await
        .unwrap_or_else(|e| die("connect", e));
    s
}

async fn close_flushed(s: Socket) {
    s.close_with_linger(None)
        .await
        .unwrap_or_else(|e| die("close", e));
}

/// PULL: receive `count` messages, timed from the first one on.
async fn local_thr(ctx: Context, a: Args) {
    let s = bound(SocketType::Pull, &ctx, &a.endpoint).await;
    let mut start = None;
    for _ in 0..a.count {
        let msg = s.recv().await.unwrap_or_else(|e| die("recv", e));
        check_size(&msg, a.size);
        start.get_or_insert_with(Instant::now);
    }
    let elapsed = start.map_or(1, |t| t.elapsed().as_micros().max(1)) as f64;
    let throughput = (a.count - 1) as f64 / elapsed * 1_000_000.0;
    println!("message size: {} [B]", a.size);
    println!("message count: {}", a.count);
    println!("mean throughput: {} [msg/s]", throughput as u64);
    println!(
        "mean throughput: {:.3} [Mb/s]",
        throughput * a.size as f64 * 8.0 / 1_000_000.0
    );
    s.close().await.unwrap_or_else(|e| die("close", e));
}

/// PUSH: send `count` messages of `size` bytes.
async fn remote_thr(ctx: Context, a: Args) {
    let s = connected(SocketType::Push, &ctx, &a.endpoint).await;
    let payload = vec![0u8; a.size];
    for _ in 0..a.count {
        let msg = Message::from_slice(&payload);
        s.send(msg).await.unwrap_or_else(|e| die("send", e));
    }
    close_flushed(s).await;
}

/// REP: echo `count` messages.
async fn local_lat(ctx: Context, a: Args) {
    let s = bound(SocketType::Rep, &ctx, &a.endpoint).await;
    for _ in 0..a.count {
        let msg = s.recv().await.unwrap_or_else(|e| die("recv", e));
        check_size(&msg, a.size);
        s.send(msg).await.unwrap_or_else(|e| die("send", e));
    }
    close_flushed(s).await;
}

/// REQ: `count` round trips; reports half the mean round-trip time.
async fn remote_lat(ctx: Context, a: Args) {
    let s = connected(SocketType::Req, &ctx, &a.endpoint).await;
    let mut msg = Message::from_slice(&vec![0u8; a.size]);
    let start = Instant::now();
    for _ in 0..a.count {
        s.send(msg).await.unwrap_or_else(|e| die("send", e));
        msg = s.recv().await.unwrap_or_else(|e| die("recv", e));
        check_size(&msg, a.size);
    }
    let elapsed = start.elapsed().as_micros() as f64;
    println!("message size: {} [B]", a.size);
    println!("roundtrip count: {}", a.count);
    println!(
        "average latency: {:.3} [us]",
        elapsed / (a.count * 2) as f64
    );
    s.close().await.unwrap_or_else(|e| die("close", e));
}

fn main() {
    let argv0 = std::env::args().next().unwrap_or_default();
    let name = argv0.rsplit('/').next().unwrap_or_default();
    let program = name.strip_suffix("_omq").unwrap_or(name).to_string();
    let ctx = Context::new();
    match program.as_str() {
        "local_thr" => ctx.block_on(local_thr(
            ctx.clone(),
            parse_args(&program, "message-count"),
        )),
        "remote_thr" => ctx.block_on(remote_thr(
            ctx.clone(),
            parse_args(&program, "message-count"),
        )),
        "local_lat" => ctx.block_on(local_lat(
            ctx.clone(),
            parse_args(&program, "roundtrip-count"),
        )),
        "remote_lat" => ctx.block_on(remote_lat(
            ctx.clone(),
            parse_args(&program, "roundtrip-count"),
        )),
        _ => {
            eprintln!("run as local_thr_omq, remote_thr_omq, local_lat_omq or remote_lat_omq");
            exit(2);
        }
    }
}
