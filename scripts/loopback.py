"""What the benchmark and soak scripts share: a `regimecast serve` on a free loopback port.

    from loopback import serve
    with serve(binary, data_dir, env) as server:      # waits for /health; SIGTERM at the end
        requests.get(server.base + "/health")
"""
from __future__ import annotations

import contextlib
import os
import pathlib
import signal
import socket
import subprocess
import time

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serve:
    def __init__(self, proc: subprocess.Popen, port: int, log_path: pathlib.Path | None):
        self.proc, self.port, self.log_path = proc, port, log_path
        self.base = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}/ws"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_tail(self, chars: int = 2000) -> str:
        return self.log_path.read_text()[-chars:] if self.log_path else "(log on the terminal)"


@contextlib.contextmanager
def serve(binary, data_dir, env: dict, log_path=None, timeout: float = 60.0):
    """Starts `binary serve` on 127.0.0.1 with `env` over this process's environment, yields once it
    answers /health, and stops it (SIGTERM, then SIGKILL after 60 s) however the block ends. A server
    that exits or never answers raises SystemExit with the end of its log."""
    port = free_port()
    log = open(log_path, "w") if log_path else None
    proc = subprocess.Popen([str(binary), "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--data-dir", str(data_dir)],
                            env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT if log else None)
    server = Serve(proc, port, pathlib.Path(log_path) if log_path else None)
    try:
        deadline = time.time() + timeout
        while True:
            if proc.poll() is not None:
                if log:
                    log.flush()
                raise SystemExit(f"serve exited with {proc.returncode}:\n{server.log_tail()}")
            try:
                requests.get(server.base + "/health", timeout=1)
                break
            except requests.RequestException:
                if time.time() > deadline:
                    raise SystemExit(f"serve did not answer /health within {timeout} s:\n{server.log_tail()}")
                time.sleep(0.1)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if log:
            log.close()
