#!/usr/bin/env python3
"""WebSocket and HTTP load on loopback (issue 13 item 2), in three phases against one `regimecast serve`.

1. fanout: --clients WebSocket clients (scripts/ws_fanout_client.cc, compiled on first use: one epoll thread
   in C, so the measurement is the server's and not an interpreter's) subscribe to predictions:TCS.NS:5m;
   --rounds times the driver POSTs the trigger and every client records when the numbered message arrives.
   Latency = receipt - the moment before the POST (both CLOCK_MONOTONIC). /health is sampled meanwhile.
2. abuse (--flooders/--stalled > 0): the same, with another process running --flooders clients that send
   as fast as they can (must be closed by the inbound rate limit, 1008) and --stalled clients that never
   read (must be evicted by the bounded send queue, 1008 "send queue full") while the readers' latency is
   measured again; --abuse-rounds broadcasts fill the stalled clients' queues.
3. health (--health-seconds > 0): wrk drives POST /api/prediction/trigger with --wrk-connections for that
   long, once alone and once while training jobs (every series and horizon, on the training pool) run back to
   back; a second wrk (one connection) measures /health latency percentiles.

Prints one JSON object and exits non-zero when a reader lost a message or got one out of order, a flooder
was not closed or a stalled client not evicted. Latency goals (P99 <= 50 ms fan-out, /health P99 < 10 ms)
are reported, not enforced: they are benchmarks, recorded in docs/benchmarks.md with the machine's load.
Bounded: every wait has a timeout; the server is stopped at the end. Loopback only.

  .venv/bin/python scripts/bench_ws_fanout.py build/ci/bin/regimecast   # the recorded run: 10,000 clients,
      # 20 rounds, 1,000 flooders, 100 stalled, 10 s of wrk (also what `make bench` runs)
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from loopback import serve

REPO = Path(__file__).resolve().parent.parent
CLIENT_SOURCE = REPO / "scripts" / "ws_fanout_client.cc"
CHANNEL = "predictions:TCS.NS:5m"
TRIGGER = {"symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": 60}


def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def rounded(value, digits=2):
    return None if value is None else round(value, digits)


def load_average() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def raise_fd_limit(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < need:
        try:  # root may raise the hard limit too
            resource.setrlimit(resource.RLIMIT_NOFILE, (need, need))
            return
        except (ValueError, OSError):
            pass
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, need)) if hard != resource.RLIM_INFINITY else need,
                                                hard))


def build_client(out_dir: Path) -> Path:
    """Compiles the C load client once per source change (a few seconds)."""
    binary = out_dir / "ws_fanout_client"
    if not binary.exists() or binary.stat().st_mtime < CLIENT_SOURCE.stat().st_mtime:
        out_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run([os.environ.get("CXX", "c++"), "-O2", "-std=c++20", "-o", str(binary), str(CLIENT_SOURCE)],
                       check=True)
    return binary


class Api:
    """A keep-alive HTTP connection to the server (one per thread)."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        self.conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        response = self.conn.getresponse()
        return response.status, response.read()


class HealthSampler(threading.Thread):
    """GET /health every `period` seconds until stopped; keeps the latencies in ms."""

    def __init__(self, port, period=0.02):
        super().__init__(daemon=True)
        self.port, self.period, self.ms, self.stop = port, period, [], threading.Event()

    def run(self):
        api = Api(self.port)
        while not self.stop.is_set():
            t0 = time.perf_counter()
            status, _ = api.call("GET", "/health")
            if status == 200:
                self.ms.append((time.perf_counter() - t0) * 1000)
            time.sleep(self.period)


def cpu_seconds(pid) -> tuple[float, float]:
    """User and system CPU time of a process so far (from /proc; other load on the machine does not add to it)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def kernel_drop_counters() -> dict:
    """Machine-wide packets the kernel dropped at the per-CPU input backlog (/proc/net/softnet_stat, column 2)
    and TCP segments it retransmitted (/proc/net/snmp). A loopback broadcast to thousands of sockets can
    overflow net.core.netdev_max_backlog (default 1,000); a dropped one-message send is then resent by the
    tail-loss probe ~200 ms later (TCP_DELACK_MAX when one segment is in flight), which sets the P99."""
    drops = sum(int(line.split()[1], 16) for line in Path("/proc/net/softnet_stat").read_text().splitlines())
    tcp = [line.split() for line in Path("/proc/net/snmp").read_text().splitlines() if line.startswith("Tcp:")]
    retrans = int(tcp[1][tcp[0].index("RetransSegs")])
    return {"backlog_drops": drops, "tcp_retransmits": retrans}


def websocket_connections(api) -> float:
    """The server's websocket_connections_active gauge."""
    status, body = api.call("GET", "/metrics")
    for line in body.decode().splitlines():
        if line.startswith("websocket_connections_active"):
            return float(line.split()[-1])
    raise RuntimeError(f"/metrics ({status}) has no websocket_connections_active")


def disconnect_storm(api, server_pid, timeout=60.0) -> dict:
    """Every client closed at once (the load client's exit): how long the server takes until no session is left,
    and its CPU meanwhile. Each session that goes leaves the hub's lists, under the locks a broadcast takes."""
    t0, cpu0 = time.perf_counter(), cpu_seconds(server_pid)
    left = websocket_connections(api)
    while left > 0 and time.perf_counter() - t0 < timeout:
        time.sleep(0.01)
        left = websocket_connections(api)
    cpu1 = cpu_seconds(server_pid)
    return {"disconnect_seconds": round(time.perf_counter() - t0, 3),
            "disconnect_server_cpu_seconds": round(cpu1[0] + cpu1[1] - cpu0[0] - cpu0[1], 2),
            "sessions_left": left}


def fanout(client_bin, port, server_pid, clients, rounds, interval, timeout=180.0):
    """One fan-out measurement: connect `clients`, broadcast `rounds` times, collect receipt times."""
    proc = subprocess.Popen([str(client_bin), str(port), str(clients), CHANNEL, str(rounds), str(timeout)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    ready = proc.stdout.readline().split()
    if not ready or ready[0] != "ready":
        proc.kill()
        raise RuntimeError(f"load client failed to start: {ready}")
    connected, failed, connect_seconds = int(ready[1]), int(ready[2]), float(ready[3])
    api = Api(port)
    sampler = HealthSampler(port)
    sampler.start()
    cpu_before = cpu_seconds(server_pid)
    kernel_before = kernel_drop_counters()
    sent_at = {}
    for idx in range(rounds):
        t0 = time.perf_counter()
        status, body = api.call("POST", "/api/prediction/trigger", TRIGGER)
        if status != 200:
            raise RuntimeError(f"trigger answered {status}: {body[:200]!r}")
        sent_at[idx] = t0
        time.sleep(interval)
    sampler.stop.set()
    out = proc.stdout.read()  # the client ends once every connection has every round (or at its timeout)
    cpu_after = cpu_seconds(server_pid)
    kernel_after = kernel_drop_counters()
    proc.wait(timeout=60)
    storm = disconnect_storm(api, server_pid)
    user_cpu, system_cpu = cpu_after[0] - cpu_before[0], cpu_after[1] - cpu_before[1]
    server_cpu = user_cpu + system_cpu
    sampler.join(5)
    per_client: dict[int, list[tuple[int, float]]] = {}
    done = None
    for line in out.splitlines():
        parts = line.split()
        if parts[0] == "recv":
            per_client.setdefault(int(parts[1]), []).append((int(parts[2]), int(parts[3]) / 1e9))
        elif parts[0] == "done":
            done = [int(p) for p in parts[1:]]
    # The channel's seq numbers continue across phases: the first one seen this phase is round 0.
    all_seqs = sorted({seq for got in per_client.values() for seq, _ in got})
    first_seq = all_seqs[0] if all_seqs else 0
    latencies, lost, clients_with_loss, out_of_order = [], 0, 0, 0
    missing_rounds: dict[int, int] = {}  # round -> clients that did not get it
    for idx in range(connected):
        got = per_client.get(idx, [])
        seqs = [seq for seq, _ in got]
        out_of_order += seqs != sorted(seqs) or len(seqs) != len(set(seqs))
        got_rounds = {s - first_seq for s in seqs if first_seq <= s < first_seq + rounds}
        for r in set(range(rounds)) - got_rounds:
            missing_rounds[r] = missing_rounds.get(r, 0) + 1
        missing = rounds - len(got_rounds)
        lost += missing
        clients_with_loss += missing > 0
        latencies += [(t - sent_at[seq - first_seq]) * 1000 for seq, t in got if 0 <= seq - first_seq < rounds]
    return {"clients": clients, "connected": connected, "connect_failed": failed,
            "connect_seconds": round(connect_seconds, 2), "rounds": rounds, "delivered": len(latencies),
            "lost": lost, "clients_with_loss": clients_with_loss,
            "missing_by_round": dict(sorted(missing_rounds.items())), "out_of_order_clients": out_of_order,
            "closed_by_server": done[0] if done else None,
            "stopped_at_timeout": bool(done and done[2] < done[3]),
            "latency_ms_p50": rounded(percentile(latencies, 50)), "latency_ms_p99": rounded(percentile(latencies, 99)),
            "latency_ms_max": rounded(max(latencies) if latencies else None),
            "server_cpu_seconds": round(server_cpu, 2), "server_cpu_user_seconds": round(user_cpu, 2),
            "server_cpu_system_seconds": round(system_cpu, 2),
            "server_cpu_us_per_delivery": rounded(server_cpu * 1e6 / len(latencies)) if latencies else None,
            "health_samples": len(sampler.ms), "health_ms_p50": rounded(percentile(sampler.ms, 50)),
            "health_ms_p99": rounded(percentile(sampler.ms, 99)),
            **{f"kernel_{name}": kernel_after[name] - kernel_before[name] for name in kernel_after}, **storm}


# --- abusers (run as a child process: --role abusers) ---------------------------------------------

async def flooder(url, stats, stop):
    import websockets
    try:
        async with websockets.connect(url, open_timeout=60, ping_interval=None, max_queue=None) as ws:
            stats["flooders_connected"] += 1
            while not stop.is_set():
                await ws.send('{"op":"ping"}')
                await asyncio.sleep(0)
    except websockets.ConnectionClosed as closed:
        if closed.rcvd and closed.rcvd.code == 1008:
            stats["flooders_closed"] += 1
    except OSError:
        stats["flooder_errors"] += 1


def stalled_socket(port):
    """A websocket that subscribes and then never reads; a small receive buffer (set before connecting, so
    the window is small from the start) makes the server's send queue the thing that fills."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    response = b""
    while b"\r\n\r\n" not in response:  # RFC 6455 4.1: a client sends frames only after the 101
        chunk = sock.recv(1024)
        if not chunk:
            raise RuntimeError("the server closed a stalled client's upgrade")
        response += chunk
    if not response.startswith(b"HTTP/1.1 101"):
        raise RuntimeError(f"upgrade refused: {response[:80]!r}")
    payload = json.dumps({"op": "subscribe", "channels": [CHANNEL]}).encode()
    mask = b"\x01\x02\x03\x04"
    sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
    return sock


def count_evicted(socks, timeout=5.0) -> int:
    """Drains what the stalled clients never read (all at once, bounded); counts those the server closed for
    a full send queue: its close frame says "send queue full", or, when that frame could not get through
    (the client was not reading), the server closed the socket itself 1 s after the eviction (EOF or reset
    before any close frame). Nothing else closes a stalled client within the benchmark (idle timeout 60 s)."""
    import selectors
    selector = selectors.DefaultSelector()
    tails = {}
    for sock in socks:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        tails[sock] = b""
    evicted = 0
    deadline = time.time() + timeout
    while tails and time.time() < deadline:
        for key, _ in selector.select(timeout=0.1):
            sock = key.fileobj
            try:
                chunk = sock.recv(1 << 16)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            tails[sock] = tails[sock][-64:] + chunk
            if b"send queue full" in tails[sock] or not chunk:
                evicted += 1
                selector.unregister(sock)
                del tails[sock]
    for sock in socks:
        sock.close()
    return evicted


async def abusers_main(args):
    stop = asyncio.Event()
    stats = {"flooders_connected": 0, "flooders_closed": 0, "flooder_errors": 0}
    stalled = [stalled_socket(args.port) for _ in range(args.stalled)]
    tasks = [asyncio.create_task(flooder(f"ws://127.0.0.1:{args.port}/ws", stats, stop)) for _ in range(args.flooders)]
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # "stop" from the driver
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)
    stats["stalled"] = len(stalled)
    stats["stalled_evicted"] = count_evicted(stalled)
    print(json.dumps(stats), flush=True)


# --- health under trigger load and training -------------------------------------------------------

def wrk_percentiles(output: str) -> dict:
    out = {}
    for label, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M):
        out[f"p{label}_ms"] = float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
    if m := re.search(r"Requests/sec:\s+([\d.]+)", output):
        out["requests_per_second"] = float(m.group(1))
    if m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        out["non_2xx"] = int(m.group(1))
    return out


def health_under_load(port, seconds, connections, tmp, train):
    script = Path(tmp) / "trigger.lua"
    script.write_text(f'wrk.method = "POST"\nwrk.body = {json.dumps(json.dumps(TRIGGER))}\n'
                      'wrk.headers["Content-Type"] = "application/json"\n')
    api = Api(port)
    jobs = []
    stop = threading.Event()

    def keep_training():
        # Back to back, so a training job runs for the whole window.
        trainer = Api(port)
        while not stop.is_set():
            status, body = trainer.call("POST", "/api/prediction/train",
                                        {"bot_name": "orchestrator", "series": "all", "folds": 5})
            if status != 202:
                time.sleep(0.2)
                continue
            job = json.loads(body)
            jobs.append(job["id"])
            while not stop.is_set():
                state = json.loads(trainer.call("GET", f"/api/jobs/{job['id']}")[1])
                if state["state"] in ("succeeded", "failed"):
                    break
                time.sleep(0.1)

    trainer = threading.Thread(target=keep_training, daemon=True)
    if train:
        trainer.start()
        time.sleep(0.5)  # the first job is running
    base = f"http://127.0.0.1:{port}"
    load = subprocess.Popen(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(script),
                             base + "/api/prediction/trigger"], stdout=subprocess.PIPE, text=True)
    health = subprocess.run(["wrk", "-t1", "-c1", f"-d{seconds}s", "--latency", base + "/health"],
                            capture_output=True, text=True, timeout=seconds + 60)
    load_out, _ = load.communicate(timeout=seconds + 60)
    stop.set()
    if train:
        trainer.join(120)
    states = [json.loads(api.call("GET", f"/api/jobs/{job_id}")[1])["state"] for job_id in jobs]
    return {"seconds": seconds, "trigger_connections": connections, "trigger": wrk_percentiles(load_out),
            "health": wrk_percentiles(health.stdout), "training_jobs": len(jobs),
            "training_jobs_succeeded": states.count("succeeded")}


# --- driver ----------------------------------------------------------------------------------------

def prepare_lake(binary, data_dir, days):
    """Simulated history in a lake of its own, enough that a training job takes a while (the health phase
    trains while it measures)."""
    env = dict(os.environ, DATA_DIR=data_dir, LOG_LEVEL="warn", HORIZONS_MINUTES="30,60,120,180")
    subprocess.run([binary, "sim", "--symbol", "TCS.NS", "--timeframe", "5m", "--days", str(days), "--seed", "4",
                    "--end", "2024-06-01T00:00:00Z"], env=env, check=True, capture_output=True)
    subprocess.run([binary, "pipeline"], env=env, check=True, capture_output=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary", nargs="?", help="default: $RC_BINARY, $RC_BENCH_BIN/regimecast (make bench), "
                                               "build/release or build/ci")
    ap.add_argument("--clients", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--interval", type=float, default=0.25, help="seconds between broadcasts")
    ap.add_argument("--flooders", type=int, default=1000)
    ap.add_argument("--stalled", type=int, default=100)
    ap.add_argument("--abuse-rounds", type=int, default=120,
                    help="broadcasts while flooders and stalled run (a stalled client is evicted after its kernel "
                         "buffers and WS_SEND_QUEUE_LIMIT messages)")
    ap.add_argument("--abuse-interval", type=float, default=None, help="default: --interval (compare like with like)")
    ap.add_argument("--health-seconds", type=int, default=10)
    ap.add_argument("--wrk-connections", type=int, default=32)
    ap.add_argument("--send-queue-limit", type=int, default=32, help="WS_SEND_QUEUE_LIMIT of the server")
    ap.add_argument("--days", type=int, default=60, help="simulated trading days of history (training time)")
    ap.add_argument("--role", choices=["driver", "abusers"], default="driver", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    need = args.clients + args.flooders + args.stalled + 512
    raise_fd_limit(need + 64)
    if args.role == "abusers":
        asyncio.run(abusers_main(args))
        return 0
    if not args.binary:
        candidates = [os.environ.get("RC_BINARY"),
                      os.environ.get("RC_BENCH_BIN") and os.path.join(os.environ["RC_BENCH_BIN"], "regimecast"),
                      str(REPO / "build/release/bin/regimecast"), str(REPO / "build/ci/bin/regimecast")]
        args.binary = next((c for c in candidates if c and os.path.exists(c)), None)
        if not args.binary:
            ap.error("no regimecast binary: pass its path or build one")
    result = {"load_average_before": load_average(), "cpus": os.cpu_count()}
    client_bin = build_client(REPO / "build" / "bench-tools")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = os.path.join(tmp, "data")
        prepare_lake(args.binary, data_dir, args.days)
        env = {"LOG_LEVEL": "warn", "SCHEDULER_ENABLED": "false", "WATCHLIST": "TCS.NS:5m",
               "HORIZONS_MINUTES": "30,60,120,180", "WS_MAX_CONNECTIONS": str(need),
               "WS_SEND_QUEUE_LIMIT": str(args.send_queue_limit), "WS_RATE_LIMIT_PER_SECOND": "20",
               "HTTP_THREADS": os.environ.get("HTTP_THREADS", "2")}
        with serve(args.binary, data_dir, env, log_path=os.path.join(tmp, "server.log")) as server:
            port = server.port
            result["fanout"] = fanout(client_bin, port, server.pid, args.clients, args.rounds, args.interval)
            if args.flooders or args.stalled:
                abusers = subprocess.Popen([sys.executable, __file__, "--role", "abusers", "--port", str(port),
                                            "--flooders", str(args.flooders), "--stalled", str(args.stalled)],
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                if abusers.stdout.readline().strip() != "ready":
                    raise RuntimeError("abusers failed to start")
                result["abuse"] = fanout(client_bin, port, server.pid, args.clients, args.abuse_rounds,
                                         args.abuse_interval if args.abuse_interval is not None else args.interval)
                abusers.stdin.write("stop\n")
                abusers.stdin.flush()
                result["abuse"].update(json.loads(abusers.stdout.readline()))
                abusers.wait(30)
            if args.health_seconds and not shutil.which("wrk"):
                result["health_under_load"] = "skipped: wrk is not installed (scripts/install-deps installs it)"
            elif args.health_seconds:
                # The same load without and with training, so what training costs /health shows on a busy machine.
                result["health_under_load"] = health_under_load(port, args.health_seconds, args.wrk_connections, tmp,
                                                                train=False)
                result["health_under_load_training"] = health_under_load(port, args.health_seconds,
                                                                         args.wrk_connections, tmp, train=True)
    result["load_average_after"] = load_average()
    print(json.dumps(result))
    ok = all(result[p]["lost"] == 0 and result[p]["out_of_order_clients"] == 0 and result[p]["connect_failed"] == 0
             for p in ("fanout", "abuse") if p in result)
    if "abuse" in result:
        ok = ok and result["abuse"]["flooders_closed"] == args.flooders and \
            result["abuse"]["stalled_evicted"] == args.stalled
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
