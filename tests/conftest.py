"""Shared fixtures for the black-box tests of the running system.

The binary under test is $RC_BINARY (set by `make test`), else build/ci/bin/regimecast.
Nothing here builds anything.
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import time

import pytest
import requests

REPO = pathlib.Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


def binary_path() -> pathlib.Path:
    env = os.environ.get("RC_BINARY")
    path = pathlib.Path(env) if env else REPO / "build" / "ci" / "bin" / "regimecast"
    if not path.exists():
        pytest.fail(f"regimecast binary not found at {path}; run `make build` (or `make test`) first")
    return path


@pytest.fixture(scope="session")
def rc_binary() -> pathlib.Path:
    return binary_path()


@pytest.fixture
def shared_data():
    """Path of ../shared/data, or skip: the project's own suite must not need it."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present on this machine")
    return SHARED_DATA


def duckdb_delta_connection():
    """A DuckDB connection with the delta extension loaded from its PyPI package (duckdb-ext-delta): DuckDB's
    own extension server is out of reach here."""
    import duckdb
    import duckdb_ext  # noqa: F401  (the package that ships the extension)
    ext = next(pathlib.Path(list(duckdb_ext.__path__)[0]).glob("extensions/v*/linux_amd64/delta.duckdb_extension"))
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{ext}'")
    return con


def ws_messages(ws, count, types, timeout=20.0):
    """The next `count` websocket messages whose "type" is in `types`, as dicts (heartbeats and other
    types skipped); fails when they do not all arrive within `timeout` seconds."""
    import json
    got, deadline = [], time.time() + timeout
    while len(got) < count:
        remaining = deadline - time.time()
        if remaining <= 0:
            raise TimeoutError(f"only {len(got)} of {count} {sorted(types)} messages within {timeout}s: {got[-3:]}")
        msg = json.loads(ws.recv(timeout=remaining))
        if msg["type"] in types:
            got.append(msg)
    return got


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(binary, *args, env=None, check=True, timeout=120, cwd=None):
    """Runs `regimecast args...`, returns CompletedProcess (text)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True, env=full_env,
                          timeout=timeout, cwd=cwd)
    if check and proc.returncode != 0:
        raise AssertionError(f"regimecast {' '.join(map(str, args))} exited {proc.returncode}\n"
                             f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def simulated_market(binary, data_dir, *, days, seed, end="2024-06-01T00:00:00Z", symbol="TCS.NS", timeframe="5m"):
    """`sim` then `pipeline` into data_dir: raw, bronze and silver of one simulated series."""
    env = {"DATA_DIR": str(data_dir)}
    run_cli(binary, "sim", "--symbol", symbol, "--timeframe", timeframe, "--days", str(days), "--seed", str(seed),
            "--end", end, env=env)
    run_cli(binary, "pipeline", env=env)
    return data_dir


class Server:
    """A `regimecast serve` process on a free loopback port with its own data dir."""

    def __init__(self, binary, data_dir, extra_env=None, extra_args=(), host="127.0.0.1"):
        self.port = free_port()
        self.data_dir = pathlib.Path(data_dir)
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.update({"SCHEDULER_ENABLED": "false", "LOG_LEVEL": "info"})
        env.update(extra_env or {})
        self.log_path = self.data_dir.parent / f"server-{self.port}.log"
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [str(binary), "serve", "--host", host, "--port", str(self.port), "--data-dir", str(self.data_dir),
             *extra_args],
            stdout=self._log, stderr=subprocess.STDOUT, env=env)
        self.wait_healthy()

    def wait_healthy(self, timeout=30.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                requests.get(self.base + "/health", timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.05)
        raise AssertionError(f"server did not answer /health within {timeout}s:\n{self.log()}")

    def url(self, path: str) -> str:
        return self.base + path

    def log(self) -> str:
        if not self._log.closed:  # still running; after stop() the file is complete
            self._log.flush()
        return self.log_path.read_text()

    def stop(self, sig=signal.SIGTERM, timeout=20.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


@pytest.fixture
def server_factory(rc_binary, tmp_path):
    servers = []

    def make(extra_env=None, extra_args=(), data_dir=None, host="127.0.0.1"):
        d = data_dir or tmp_path / f"data{len(servers)}"
        d.mkdir(parents=True, exist_ok=True)
        s = Server(rc_binary, d, extra_env, extra_args, host)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.stop()


@pytest.fixture
def server(server_factory):
    return server_factory()


def assert_plain_json_numbers(text: str):
    """Parses JSON `text` and checks every number is printed in the plain shortest
    form (`1`, `3456.05`, `0.00025`): no exponent in the plain range, no digits
    beyond those that round-trip. Returns the parsed value."""
    from decimal import Decimal

    def check_float(raw: str) -> float:
        value = float(raw)
        if 1e-7 <= abs(value) < 1e21:
            assert "e" not in raw.lower(), f"exponent form {raw!r} in {text[:300]}"
        assert Decimal(raw) == Decimal(repr(value)), f"{raw!r} is not the shortest form of {value!r}"
        return value

    return json.loads(text, parse_float=check_float)


def openapi_validator(doc: dict, schema: dict):
    """A JSON Schema validator of `schema`, taken from the OpenAPI document `doc`
    (/openapi.json). Its $refs ("#/components/schemas/Job") are relative to the
    document's root, so it is validated with the document's components beside it,
    where they resolve (an unknown keyword to JSON Schema otherwise)."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator({**schema, "components": doc["components"]})


@pytest.fixture(scope="session")
def promtool():
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool not found: scripts/install-deps installs the prometheus package")
    return path
