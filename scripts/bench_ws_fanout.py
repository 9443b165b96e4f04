#!/usr/bin/env python3
"""WebSocket load on loopback: N clients subscribed to one channel, broadcasts timed end to end.

Starts `regimecast serve` (the binary given) on a free 127.0.0.1 port with a simulated market, connects
--clients websocket clients subscribed to predictions:TCS.NS:5m, then --rounds times: POSTs the trigger
and records when each client receives the numbered message. Optionally --flooders clients send messages
as fast as they can (they must be rate-limited without slowing the others) and --stalled clients never
read (they must be evicted by the bounded send queue). Prints one JSON line: delivery latency percentiles
(from the POST to each client's receipt), messages lost (must be 0 for readers), flooders closed,
stalled clients evicted, /health latency during the load.

Bounded: every wait has a timeout; the server is stopped at the end. Loopback only.

  .venv/bin/python scripts/bench_ws_fanout.py build/release/bin/regimecast --clients 10000 --rounds 20
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import websockets


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read()


def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def reader(url, channel, received, ready, stop):
    async with websockets.connect(url, max_queue=None, open_timeout=60, ping_interval=None) as ws:
        await ws.send(json.dumps({"op": "subscribe", "channels": [channel]}))
        while json.loads(await ws.recv())["type"] != "subscribed":
            pass
        ready.release()
        while not stop.is_set():
            try:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 1.0))
            except asyncio.TimeoutError:
                continue
            if msg.get("type") == "prediction":
                received.append((msg["seq"], time.perf_counter()))


async def flooder(url, stats, stop):
    try:
        async with websockets.connect(url, open_timeout=60, ping_interval=None) as ws:
            while not stop.is_set():
                await ws.send('{"op":"ping"}')
                await asyncio.sleep(0)
    except websockets.ConnectionClosed as closed:
        stats["flooders_closed"] += 1 if closed.rcvd and closed.rcvd.code == 1008 else 0


async def stalled(url, channel, stats, stop):
    # Subscribes, then never reads: the server must drop it, not queue without bound.
    reader_, writer = await asyncio.open_connection("127.0.0.1", int(url.split(":")[2].split("/")[0]))
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    writer.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    payload = json.dumps({"op": "subscribe", "channels": [channel]}).encode()
    mask = b"\x01\x02\x03\x04"
    frame = bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    writer.write(frame)
    await writer.drain()
    # Shrink the receive buffer so the server's queue fills quickly.
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    while not stop.is_set():
        await asyncio.sleep(0.2)
        if reader_.at_eof():
            stats["stalled_evicted"] += 1
            break
    writer.close()


async def main_async(args, base, ws_url):
    channel = "predictions:TCS.NS:5m"
    stop = asyncio.Event()
    received = [[] for _ in range(args.clients)]
    ready = asyncio.Semaphore(0)
    stats = {"flooders_closed": 0, "stalled_evicted": 0}
    tasks = []
    started = time.perf_counter()
    for idx in range(args.clients):
        tasks.append(asyncio.create_task(reader(ws_url, channel, received[idx], ready, stop)))
        if idx % 200 == 199:
            await asyncio.sleep(0.05)  # let the accept queue drain
    for _ in range(args.clients):
        await asyncio.wait_for(ready.acquire(), 120)
    connect_seconds = time.perf_counter() - started
    for _ in range(args.flooders):
        tasks.append(asyncio.create_task(flooder(ws_url, stats, stop)))
    for _ in range(args.stalled):
        tasks.append(asyncio.create_task(stalled(ws_url, channel, stats, stop)))
    loop = asyncio.get_running_loop()
    sent_at, health_ms = {}, []
    for seq in range(1, args.rounds + 1):
        t0 = time.perf_counter()
        status, _ = await loop.run_in_executor(None, http, "POST", base + "/api/prediction/trigger",
                                               {"symbol": "TCS.NS", "timeframe": "5m", "horizon_minutes": 60})
        assert status == 200
        sent_at[seq] = t0
        h0 = time.perf_counter()
        await loop.run_in_executor(None, http, "GET", base + "/health")
        health_ms.append((time.perf_counter() - h0) * 1000)
        await asyncio.sleep(args.interval)
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline and any(len(r) < args.rounds for r in received):
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    latencies = [(t - sent_at[seq]) * 1000 for r in received for seq, t in r if seq in sent_at]
    in_order = all([seq for seq, _ in r] == sorted(seq for seq, _ in r) for r in received)
    lost = sum(args.rounds - len({seq for seq, _ in r}) for r in received)
    return {"clients": args.clients, "rounds": args.rounds, "connect_seconds": round(connect_seconds, 2),
            "delivered": len(latencies), "lost": lost, "in_order": in_order,
            "latency_ms_p50": round(percentile(latencies, 50), 2), "latency_ms_p99": round(percentile(latencies, 99), 2),
            "latency_ms_max": round(max(latencies), 2), "health_ms_p99": round(percentile(health_ms, 99), 2),
            **stats, "flooders": args.flooders, "stalled": args.stalled}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--interval", type=float, default=0.2, help="seconds between broadcasts")
    ap.add_argument("--flooders", type=int, default=0)
    ap.add_argument("--stalled", type=int, default=0)
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 2 * (args.clients + args.flooders + args.stalled) + 512
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, need)), hard))
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, DATA_DIR=os.path.join(tmp, "data"), LOG_LEVEL="warn", SCHEDULER_ENABLED="false")
        subprocess.run([args.binary, "sim", "--symbol", "TCS.NS", "--timeframe", "5m", "--days", "20", "--seed", "4",
                        "--end", "2024-06-01T00:00:00Z"], env=env, check=True, capture_output=True)
        subprocess.run([args.binary, "pipeline"], env=env, check=True, capture_output=True)
        port = free_port()
        env.update(WS_MAX_CONNECTIONS=str(need), WS_SEND_QUEUE_LIMIT="64", WS_RATE_LIMIT_PER_SECOND="20")
        server = subprocess.Popen([args.binary, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                                  preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard)))
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    http("GET", base + "/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.05)
            result = asyncio.run(main_async(args, base, f"ws://127.0.0.1:{port}/ws"))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    print(json.dumps(result))
    return 0 if result["lost"] == 0 and result["in_order"] else 1


if __name__ == "__main__":
    sys.exit(main())
