#!/usr/bin/env python3
"""Chaos driver of the soak test; scripts/soak.sh builds the programs, makes
the network namespaces and runs this. Environment (set by soak.sh):

  SOAK_SECONDS  chaos phase length     SOAK_SEED  random seed (printed)
  SOAK_NODE     the soak-node binary   SOAK_RUN   run directory (logs, ipc)
  SOAK_NS_C, SOAK_NS_B, SOAK_NS_W      the clients', broker's, workers' hosts
  SOAK_LINK_CB, SOAK_LINK_BW           the broker host's ends of its two links

Topology (B is the only host with a link to both others):

  C 10.77.1.2 fd00:77:1::2      B 10.77.1.1 fd00:77:1::1       W 10.77.2.2 fd00:77:2::2
                                  10.77.2.1 fd00:77:2::1
  client0 --(v4)------------------> broker ROUTER:5555 (CURVE) ... DEALER:5556 <-(v4)-- worker0
  client1 --(v4)--> relay front  (garble) -^                         ^-(v6)-------- worker1
  client2 --(v6)--> relay front6 (garble) -^          relay back (no garble) <-(v4)-- worker2
  sub ------(v6)------------------> pub :5560
  sub2 -----(v4, no heartbeats)---> pub :5561 (same feed, no heartbeats)
  sink :5570 (CURVE) <------------- relay pipe (garble) <-------------(v4)------------ vent

Chaos (seeded): SIGKILL and restart of client1/2, worker1/2 and the broker
(the broker only in the first third, so its last life is long enough to
judge its RSS); a link of B down for longer than the heartbeat timeout and
up again (observed by sub and worker0: a disconnect while down, a new
handshake after); the subscriber stops reading for 3-8 s (NAP: the PUB
drops at its HWM); the relay's faults (soak-relay.py). client0, worker0, pub,
sub, vent, sink and the relay live through the run; their RSS and fd counts
must stay flat after warm-up.
"""
import heapq
import os
import random
import re
import signal
import subprocess
import sys
import time

DUR = float(os.environ.get("SOAK_SECONDS", "600"))
SEED = int(os.environ["SOAK_SEED"])
NODE = os.environ["SOAK_NODE"]
RUN = os.environ["SOAK_RUN"]
NS = {"C": os.environ["SOAK_NS_C"], "B": os.environ["SOAK_NS_B"], "W": os.environ["SOAK_NS_W"]}
LINKS = {"C-B": os.environ["SOAK_LINK_CB"], "B-W": os.environ["SOAK_LINK_BW"]}
HERE = os.path.dirname(os.path.abspath(__file__))
LINGER_MS, TERM_SLACK_MS = 500, 1500
CTL_DEADLINE_MS = 10000     # a loaded machine answers in milliseconds; a hang never
HB_TIMEOUT = 1.5            # soak_node.c's ZMQ_HEARTBEAT_TIMEOUT
RECONNECT_DEADLINE = 20.0   # after a link comes back
RSS_SLACK_KB, FD_SLACK = 8192, 4

rng = random.Random(SEED)
T0 = time.monotonic()


def now():
    return time.monotonic() - T0


def log(msg):
    print(f"[{now():7.1f}] {msg}", flush=True)


PROCS = {
    "broker": ("B", ["broker", "broker",
                     "tcp://10.77.1.1:5555,tcp://[fd00:77:1::1]:5555,tcp://127.0.0.1:5555",
                     "tcp://10.77.2.1:5556,tcp://[fd00:77:2::1]:5556,tcp://127.0.0.1:5556"]),
    "relay": ("B", [sys.executable, os.path.join(HERE, "soak-relay.py"), str(SEED),
                    os.path.join(RUN, "faults.log"),
                    "front=10.77.1.1:7001>127.0.0.1:5555/1",
                    "front6=[fd00:77:1::1]:7011>127.0.0.1:5555/1",
                    "back=10.77.2.1:7002>127.0.0.1:5556/0",
                    "pipe=10.77.2.1:7003>10.77.1.2:5570/1"]),
    "pub": ("B", ["pub", "pub", "tcp://[fd00:77:1::1]:5560|tcp://10.77.1.1:5561", "300"]),
    "sub": ("C", ["sub", "sub", "tcp://[fd00:77:1::1]:5560"]),
    # no heartbeats on either side: a reader that naps stays connected (a
    # heartbeating peer would time it out: a full pipe stops its reading), so
    # the PUB drops at its HWM
    "sub2": ("C", ["sub", "sub2", "tcp://10.77.1.1:5561", "nohb"]),
    "sink": ("C", ["sink", "sink", "tcp://10.77.1.2:5570"]),
    "vent": ("W", ["vent", "vent", "tcp://10.77.2.1:7003", "200"]),
    "client0": ("C", ["client", "client0", "tcp://10.77.1.1:5555"]),
    "client1": ("C", ["client", "client1", "tcp://10.77.1.1:7001"]),
    "client2": ("C", ["client", "client2", "tcp://[fd00:77:1::1]:7011"]),
    "worker0": ("W", ["worker", "worker0", "tcp://10.77.2.1:5556"]),
    "worker1": ("W", ["worker", "worker1", "tcp://[fd00:77:2::1]:5556"]),
    "worker2": ("W", ["worker", "worker2", "tcp://10.77.2.1:7002"]),
}
LONG_LIVED = ["client0", "worker0", "pub", "sub", "sub2", "vent", "sink", "relay", "broker"]
SUBS = ["sub", "sub2"]
KILLABLE = {"client": ["client1", "client2"], "worker": ["worker1", "worker2"]}

running = {}        # name -> (Popen, start time)
expected_dead = set()
samples = {}        # (name, pid) -> [(t, rss_kb, fds)]
failures = {}       # check -> [messages]
stats = {"restarts": 0, "flaps": 0, "naps": 0, "pings": 0, "crashes": 0}
nap_end = [0.0]  # when the last subscriber nap ends (see the settle step)


def fail(check, msg):
    failures.setdefault(check, []).append(msg)
    log(f"FAIL {check}: {msg}")


def start(name):
    ns, args = PROCS[name]
    cmd = ["ip", "netns", "exec", NS[ns]] + (args if name == "relay" else [NODE] + args)
    out = open(os.path.join(RUN, name + ".err"), "a")
    p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ, SOAK_RUN=RUN))
    running[name] = (p, now())


def kill(name):
    p, _ = running.pop(name)
    expected_dead.add(p.pid)
    p.kill()
    p.wait()


def ctl(name, cmd, deadline_ms=CTL_DEADLINE_MS):
    """The reply, or None after the deadline."""
    ep = f"ipc://{RUN}/ctl-{name}.ipc"
    try:
        r = subprocess.run([NODE, "ctl", ep, cmd, str(deadline_ms)], capture_output=True,
                           text=True, timeout=deadline_ms / 1000 + 10)
    except subprocess.TimeoutExpired:
        return None
    return r.stdout.strip() if r.returncode == 0 else None


def kv(reply):
    return {k: int(v) for k, v in re.findall(r"(\w+)=(-?\d+)", reply or "")}


def sample(name):
    p, _ = running[name]
    try:
        with open(f"/proc/{p.pid}/status") as f:
            rss = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
        fds = len(os.listdir(f"/proc/{p.pid}/fd"))
    except (OSError, AttributeError):
        return
    samples.setdefault((name, p.pid), []).append((now(), rss, fds))


def check_exits():
    for name, (p, _) in list(running.items()):
        if p.poll() is not None:
            running.pop(name)
            stats["crashes"] += 1
            fail("no crash", f"{name} exited with {p.returncode} unasked")
            start(name)


def sweep():
    """Every process old enough to have bound its control socket must answer."""
    for name, (p, t) in list(running.items()):
        sample(name)
        if name == "relay" or now() - t < 3:
            continue
        cmd = "STATISTICS" if name == "broker" else "STAT"
        stats["pings"] += 1
        if ctl(name, cmd) is None and running.get(name, (None,))[0] is p and p.poll() is None:
            fail("no hang", f"{name} (pid {p.pid}) did not answer {cmd} in {CTL_DEADLINE_MS} ms")


# ---- chaos ------------------------------------------------------------------
events = []  # (time, seq, fn, args)
evseq = 0


def at(t, fn, *args):
    global evseq
    evseq += 1
    heapq.heappush(events, (t, evseq, fn, args))


def restart(name):
    if name not in running:
        start(name)
        stats["restarts"] += 1


def chaos_kill(name):
    if name in running:
        log(f"SIGKILL {name}")
        kill(name)
        at(now() + rng.uniform(0.2, 2.0), restart, name)


links_down = set()
OBSERVER = {"C-B": "sub", "B-W": "worker0"}


def link(name, up):
    r = subprocess.run(["ip", "netns", "exec", NS["B"], "ip", "link", "set", LINKS[name],
                        "up" if up else "down"], capture_output=True, text=True)
    if r.returncode != 0:
        fail("heartbeats detect a dead link", f"ip link set {LINKS[name]}: {r.stderr.strip()}")


def flap(name, secs, tries=20):
    """Only once the observer is connected (it may still be reconnecting after
    the last flap, or its peer, the broker, may be restarting): else it has
    no connection for the heartbeats to find dead."""
    if name in links_down:
        return
    before = kv(ctl(OBSERVER[name], "STAT"))
    if before.get("up") != 1:
        if tries > 0:
            at(now() + 1.0, flap, name, secs, tries - 1)
        return
    log(f"link {name} down for {secs:.1f} s")
    link(name, False)
    links_down.add(name)
    stats["flaps"] += 1
    at(now() + secs, flap_up, name, before)


def flap_up(name, before):
    during = kv(ctl(OBSERVER[name], "STAT"))
    link(name, True)
    links_down.discard(name)
    log(f"link {name} up")
    if during.get("disconnects", 0) <= before.get("disconnects", 0):
        fail("heartbeats detect a dead link",
             f"{OBSERVER[name]} saw no disconnect while {name} was down ({before} -> {during})")
    at(now() + 0.5, flap_reconnected, name, during, now() + RECONNECT_DEADLINE)


def flap_reconnected(name, during, deadline):
    cur = kv(ctl(OBSERVER[name], "STAT"))
    if cur.get("handshakes", 0) > during.get("handshakes", 0):
        log(f"{OBSERVER[name]} reconnected across {name}")
    elif now() > deadline:
        fail("heartbeats detect a dead link",
             f"{OBSERVER[name]} did not reconnect within {RECONNECT_DEADLINE} s of {name} coming up")
    else:
        at(now() + 0.5, flap_reconnected, name, during, deadline)


def chaos_step():
    t = now()
    choices = [("client", 3), ("worker", 3), ("flap", 1), ("nap", 1)]
    if t < DUR / 3:
        choices.append(("broker", 1))
    kind = rng.choices([c for c, _ in choices], [w for _, w in choices])[0]
    if kind in KILLABLE:
        chaos_kill(rng.choice(KILLABLE[kind]))
    elif kind == "broker":
        chaos_kill("broker")
    elif kind == "nap":
        ms, who = rng.randrange(3000, 8000), rng.choice(["sub", "sub2", "sub2"])
        log(f"{who} stops reading for {ms} ms")
        stats["naps"] += 1
        ctl(who, f"NAP {ms}")
        nap_end[0] = max(nap_end[0], now() + ms / 1000)
    else:
        flap(rng.choice(list(LINKS)), rng.uniform(HB_TIMEOUT + 1.5, HB_TIMEOUT + 4.5))
    at(now() + rng.uniform(1.5, 4.0), chaos_step)


# ---- the run ------------------------------------------------------------------
def wait_until(pred, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        check_exits()
        if pred():
            return True
        time.sleep(0.5)
    return False


def main():
    log(f"soak: seed {SEED}, {DUR:.0f} s of chaos")
    for name in ["relay", "broker", "pub", "sink", "sub", "sub2", "vent", "worker0", "worker1", "worker2",
                 "client0", "client1", "client2"]:
        start(name)
    at(5.0, chaos_step)
    # each link goes down at least once whatever the dice say
    at(DUR * 0.25, flap, "C-B", HB_TIMEOUT + 2.5)
    at(DUR * 0.55, flap, "B-W", HB_TIMEOUT + 2.5)
    next_sweep = 2.0
    while now() < DUR:
        while events and events[0][0] <= now():
            _, _, fn, args = heapq.heappop(events)
            fn(*args)
        check_exits()
        if now() >= next_sweep:
            sweep()
            next_sweep = now() + 3.0
        time.sleep(0.1)

    # ---- settle: no new chaos, links up, killed processes back, relay calm
    log("chaos over: settling")
    pending = [e for e in events if e[2] in (restart, flap_up, flap_reconnected)]
    events.clear()
    for _, _, fn, args in sorted(pending):
        if fn is restart:
            fn(*args)
        elif fn is flap_up:  # maybe down for less than a heartbeat timeout: no check
            link(args[0], True)
            links_down.discard(args[0])
    running["relay"][0].send_signal(10)  # SIGUSR1
    # A subscriber still napping when the PUB pauses would leave the
    # messages dropped at its HWM as an unexplained tail (no later message
    # shows the gap): let every nap end, and the reader catch up, first.
    time.sleep(max(3.0, nap_end[0] - now() + 2.0))
    sweep()
    end_samples = {n: samples.get((n, running[n][0].pid), [])[-1:] for n in LONG_LIVED if n in running}

    for name in ["pub", "vent", "client0", "client1", "client2"]:
        if ctl(name, "PAUSE") is None:
            fail("no hang", f"{name} did not answer PAUSE")
    if not wait_until(lambda: all(kv(ctl(c, "STAT")).get("idle") == 1
                                  for c in ["client0", "client1", "client2"]), 90):
        fail("every request answered", "clients still waiting for a reply 90 s after the chaos")
    pub, vent = kv(ctl("pub", "STAT")), kv(ctl("vent", "STAT"))
    wait_until(lambda: all(kv(ctl(s, "STAT")).get("last") == pub.get("sent") for s in SUBS)
               and kv(ctl("sink", "STAT")).get("last") == vent.get("sent"), 30)
    for name in SUBS + ["sink"]:  # PAUSE: classify the gaps still pending
        ctl(name, "PAUSE")
    subs, sink = {s: kv(ctl(s, "STAT")) for s in SUBS}, kv(ctl("sink", "STAT"))
    log(f"pub {pub}; vent {vent}; sink {sink}")
    for s in SUBS:
        log(f"{s} {subs[s]}")

    # ---- stop everything; zmq_ctx_term must return within the linger
    # the sink goes before the vent, which then closes with messages pending
    for name in ["client0", "client1", "client2", "worker0", "worker1", "worker2", "sink", "vent",
                 "sub", "sub2", "pub", "broker"]:
        p, _ = running.pop(name)
        ctl(name, "TERMINATE" if name == "broker" else "STOP", 3000)
        try:
            p.wait(timeout=LINGER_MS / 1000 + 15)
            if p.returncode != 0:
                fail("no crash", f"{name} exited with {p.returncode} after STOP")
        except subprocess.TimeoutExpired:
            fail("no hang", f"{name} did not exit after STOP")
            p.kill()
            p.wait()
    relay = running.pop("relay")[0]
    relay.terminate()
    relay.wait()
    report(pub, vent, subs, sink, end_samples)


def logs():
    out = {}
    for f in os.listdir(RUN):
        if f.endswith(".err") or f.endswith(".log"):
            with open(os.path.join(RUN, f), errors="replace") as fh:
                out[f] = fh.read()
    return out


def report(pub, vent, subs, sink, end_samples):
    L = logs()
    errs = "".join(v for k, v in L.items() if k.endswith(".err"))
    corrupt = len(re.findall(r"^CORRUPT", errs, re.M))
    dups = len(re.findall(r"^DUP", errs, re.M))
    for line in re.findall(r"^(?:CORRUPT|DUP|LOST).*", errs, re.M)[:10]:
        log(line)
    for bad in re.findall(r"^.*(?:panick|FATAL|Segmentation|Aborted).*$", errs, re.M)[:10]:
        fail("no crash", bad)

    # REQ/REP: every client's answered sequence is 1..N, each once
    requests = answered = retried = unanswered = 0
    for c in ["client0", "client1", "client2"]:
        text = L.get(c + ".log", "")
        seqs = [int(s) for s in re.findall(r"^A (\d+)$", text, re.M)]
        retried += len(re.findall(r"^R ", text, re.M))
        answered += len(seqs)
        requests += len(seqs)
        if seqs != list(range(1, len(seqs) + 1)):
            dups += len(seqs) - len(set(seqs))
            missing = set(range(1, max(seqs, default=0) + 1)) - set(seqs)
            unanswered += len(missing)
            fail("every request answered", f"{c}: answers out of sequence, {len(missing)} missing")
        if not seqs:
            fail("every request answered", f"{c}: no request answered at all")

    # PUB/SUB: what each subscriber saw from its first message on
    sub_tail, hwm, sub_disc, sub_expected = 0, 0, 0, 0
    for name, sub in subs.items():
        expected = pub.get("sent", 0) - max(sub.get("first", 1), 1) + 1
        sub_expected += expected
        tail = expected - sub.get("recv", 0) - sub.get("gap_disc", 0) - sub.get("gap_hwm", 0)
        sub_tail += abs(tail)
        hwm += sub.get("gap_hwm", 0)
        sub_disc += sub.get("gap_disc", 0)
        if sub.get("recv", 0) == 0 or tail != 0:
            fail("pub/sub losses only at the HWM or across a disconnect",
                 f"pub sent {pub.get('sent')}, {name} {sub}: {tail} unaccounted")
    # PUSH/PULL: nothing may go missing except across a disconnect
    sink_tail = vent.get("sent", 0) - sink.get("recv", 0) - sink.get("gap_disc", 0) - sink.get("gap_lost", 0)
    lost = unanswered + sink.get("gap_lost", 0) + max(sink_tail, 0) + sub_tail
    if sink.get("first", 0) != 1 or sink.get("gap_lost", 0) or sink_tail != 0:
        fail("push/pull losses only across a disconnect",
             f"vent sent {vent.get('sent')}, sink {sink}: {sink_tail} unaccounted")
    if corrupt:
        fail("every delivered message intact", f"{corrupt} corrupted")
    if dups:
        fail("no duplicates", f"{dups} delivered twice")

    # flat RSS and fd count of the long-lived processes after warm-up
    warm = max(20.0, DUR * 0.25)
    peak, peak_name = 0, ""
    for (name, pid), ss in samples.items():
        for _, rss, _ in ss:
            if rss > peak and name != "relay":  # the relay is the harness's
                peak, peak_name = rss, name
        # judged: the last life of a long-lived process (the broker's last one
        # starts within the first third), warmed up from the later of the run's
        # warm-up and 20 s into that life
        if name not in LONG_LIVED or not end_samples.get(name) or ss[-1][0] < DUR:
            continue
        w = max(warm, ss[0][0] + 20)
        base = [s for s in ss if w <= s[0] <= w + 10]
        end = end_samples[name]
        if not base:
            continue
        rss0, fd0 = max(s[1] for s in base), max(s[2] for s in base)
        rss1, fd1 = end[0][1], end[0][2]
        log(f"{name}: RSS {rss0} -> {rss1} KiB, fds {fd0} -> {fd1}")
        if rss1 > rss0 + RSS_SLACK_KB + rss0 // 5:
            fail("RSS flat after warm-up", f"{name}: {rss0} -> {rss1} KiB")
        if fd1 > fd0 + FD_SLACK:
            fail("fd count flat after warm-up", f"{name}: {fd0} -> {fd1}")

    terms = re.findall(r"^(\S+): term_ms=(\d+) linger_ms=(\d+)", errs, re.M)
    for name, ms, linger in terms:
        if int(ms) > int(linger) + TERM_SLACK_MS:
            fail("zmq_ctx_term within the linger", f"{name}: {ms} ms (linger {linger})")
    if len(terms) < len(PROCS) - 1:
        fail("zmq_ctx_term within the linger",
             f"only {len(terms)} of {len(PROCS) - 1} processes reported")

    faults = len(L.get("faults.log", "").splitlines())
    if faults == 0 or stats["restarts"] == 0 or stats["flaps"] < 2:
        fail("chaos happened", f"faults {faults}, restarts {stats['restarts']}, flaps {stats['flaps']}")

    checks = ["no crash", "no hang", "every request answered", "every delivered message intact",
              "no duplicates", "pub/sub losses only at the HWM or across a disconnect",
              "push/pull losses only across a disconnect", "heartbeats detect a dead link",
              "RSS flat after warm-up", "fd count flat after warm-up",
              "zmq_ctx_term within the linger", "chaos happened"]
    kinds = {}
    for line in L.get("faults.log", "").splitlines():
        k = line.split()[-1]
        kinds[k] = kinds.get(k, 0) + 1
    log("faults by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    # sent: requests, the feed once per subscriber (from its first message
    # on), the pipeline; sent = delivered + dropped + lost
    sent = requests + sub_expected + vent.get("sent", 0)
    delivered = answered + sum(s.get("recv", 0) for s in subs.values()) + sink.get("recv", 0)
    for c in checks:
        print(("FAIL " if c in failures else "ok   ") + c)
    print(f"soak (seed {SEED}, {DUR:.0f} s): sent {sent}, delivered {delivered}, retried {retried}, "
          f"dropped at HWM {hwm}, dropped across a disconnect "
          f"{sub_disc + sink.get('gap_disc', 0)}, reordered across a reconnect "
          f"{sink.get('late', 0) + sum(x.get('late', 0) for x in subs.values())}, faults injected {faults}, "
          f"restarts {stats['restarts']}, link flaps {stats['flaps']}, peak RSS {peak / 1024:.1f} MiB "
          f"({peak_name}); {lost} lost, {corrupt} corrupted")
    nfail = sum(1 for c in checks if c in failures)
    print(f"{len(checks) - nfail} passed, {nfail} failed")
    sys.exit(1 if nfail else 0)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        main()
    finally:
        for name, (p, _) in list(running.items()):
            p.kill()
