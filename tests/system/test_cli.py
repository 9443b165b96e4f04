"""The CLI contract: --help everywhere, usage errors exit 2, settings precedence and validation."""
from __future__ import annotations

import re

from conftest import run_cli


def test_help_lists_subcommands(rc_binary):
    out = run_cli(rc_binary, "--help").stdout
    for sub in ("serve", "version", "config"):
        assert re.search(rf"^\s+{sub}\s", out, re.M), sub


def test_every_subcommand_has_help(rc_binary):
    out = run_cli(rc_binary, "--help").stdout
    subs = re.findall(r"^  ([a-z][a-z-]*)\s", out.split("Subcommands:")[1], re.M)
    assert subs
    for sub in subs:
        proc = run_cli(rc_binary, sub, "--help")
        assert "Usage" in proc.stdout, sub


def test_version_is_semantic(rc_binary):
    out = run_cli(rc_binary, "version").stdout
    assert re.match(r"^regimecast \d+\.\d+\.\d+ \(commit .+\)$", out.strip()), out


def test_unknown_subcommand_exits_2_with_usage(rc_binary):
    proc = run_cli(rc_binary, "frobnicate", check=False)
    assert proc.returncode == 2
    assert "frobnicate" in proc.stderr
    assert "Usage" in proc.stderr


def test_bad_flag_exits_2(rc_binary):
    proc = run_cli(rc_binary, "serve", "--no-such-flag", check=False)
    assert proc.returncode == 2
    assert "no-such-flag" in proc.stderr


def test_a_bad_symbol_or_timeframe_is_a_usage_error_named_by_its_flag_in_every_command(rc_binary, tmp_path):
    """fetch, sim, ingest and import-csv: exit 2, the flag named, nothing written to the lake."""
    csv = tmp_path / "bars.csv"
    csv.write_text("datetime,open,high,low,close,volume\n2024-01-02 09:15:00,1,1,1,1,10\n")
    commands = {
        "fetch": ["fetch", "--provider", "sim"],
        "sim": ["sim", "--days", "1"],
        "ingest": ["ingest", "--provider", "sim"],
        "import-csv": ["import-csv", str(csv)],
    }
    env = {"DATA_DIR": str(tmp_path / "data")}
    for name, argv in commands.items():
        for flag, bad in (("--symbol", "not a symbol"), ("--timeframe", "7q")):
            values = {"--symbol": "TCS.NS", "--timeframe": "5m", flag: bad}
            proc = run_cli(rc_binary, *argv, "--symbol", values["--symbol"], "--timeframe", values["--timeframe"],
                           env=env, check=False)
            assert proc.returncode == 2, (name, flag, proc.stderr)
            assert flag in proc.stderr, (name, flag, proc.stderr)
    assert not (tmp_path / "data" / "raw").exists()


def test_a_bad_time_or_an_empty_window_is_a_usage_error_named_by_its_flag_in_every_command(rc_binary, tmp_path):
    """Every time flag of every command: a time that does not parse, and a --from not before --to, exit 2 with
    the flag named, before anything is fetched, simulated or written."""
    series = ["--symbol", "TCS.NS", "--timeframe", "5m"]
    horizon = ["--horizon-minutes", "15"]
    good, later = "2024-03-01T00:00:00Z", "2024-03-05T00:00:00Z"
    bad_time = {
        ("fetch", "--from"): ["fetch", "--provider", "sim", *series, "--to", later],
        ("fetch", "--to"): ["fetch", "--provider", "sim", *series],
        ("ingest", "--from"): ["ingest", "--provider", "sim", *series, "--to", later],
        ("ingest", "--to"): ["ingest", "--provider", "sim", *series],
        ("sim", "--end"): ["sim", "--days", "1", *series],
        ("backtest", "--from"): ["backtest", *series, *horizon, "--to", later],
        ("backtest", "--to"): ["backtest", *series, *horizon, "--from", good],
        ("train", "--until"): ["train", *series, *horizon],
        ("predict", "--as-of"): ["predict", *series, *horizon],
    }
    env = {"DATA_DIR": str(tmp_path / "data")}
    for (name, flag), argv in bad_time.items():
        proc = run_cli(rc_binary, *argv, flag, "2024-13-01", env=env, check=False)
        assert proc.returncode == 2, (name, flag, proc.stderr)
        assert f"{flag}: '2024-13-01' is not a valid time" in proc.stderr, (name, flag, proc.stderr)
    for name in ("fetch", "ingest", "backtest"):
        argv = bad_time[(name, "--from")][:-2]  # without its --to
        for to in (good, "2024-02-29T23:55:00Z"):  # an empty window, then a reversed one
            proc = run_cli(rc_binary, *argv, "--from", good, "--to", to, env=env, check=False)
            assert proc.returncode == 2, (name, to, proc.stderr)
            assert "--from: must be before --to" in proc.stderr, (name, to, proc.stderr)
    assert not (tmp_path / "data" / "raw").exists()


def settings_of(rc_binary, *args, env=None):
    out = run_cli(rc_binary, *args, "config", env=env).stdout
    return dict(line.split(None, 1) if len(line.split(None, 1)) == 2 else (line.strip(), "")
                for line in out.splitlines() if line.strip())


def test_settings_precedence_flag_over_env_over_file_over_default(rc_binary, tmp_path):
    cfg = tmp_path / "rc.toml"
    cfg.write_text('port = 9001\nws_heartbeat_interval = 7\nlog_level = "warn"\n')
    s = settings_of(rc_binary, "--config", cfg)
    assert s["PORT"] == "9001" and s["WS_HEARTBEAT_INTERVAL"] == "7" and s["LOG_LEVEL"] == "warn"
    s = settings_of(rc_binary, "--config", cfg, env={"PORT": "9002"})
    assert s["PORT"] == "9002" and s["WS_HEARTBEAT_INTERVAL"] == "7"
    s = settings_of(rc_binary, "--config", cfg, "--data-dir", "/tmp/flagdir", env={"PORT": "9002", "DATA_DIR": "/tmp/envdir"})
    assert s["DATA_DIR"] == "/tmp/flagdir"
    assert settings_of(rc_binary)["PORT"] == "8182"


def test_secrets_are_masked(rc_binary):
    s = settings_of(rc_binary, env={"TWELVEDATA_API_KEY": "sekrit-123", "API_TOKEN": "tok-456"})
    assert s["TWELVEDATA_API_KEY"] == "***" and s["API_TOKEN"] == "***"
    out = run_cli(rc_binary, "config", env={"TWELVEDATA_API_KEY": "sekrit-123"}).stdout
    assert "sekrit" not in out


def test_invalid_env_setting_names_the_variable(rc_binary):
    proc = run_cli(rc_binary, "config", env={"WS_HEARTBEAT_INTERVAL": "soon"}, check=False)
    assert proc.returncode == 1
    assert "WS_HEARTBEAT_INTERVAL" in proc.stderr
    proc = run_cli(rc_binary, "config", env={"PRIMARY_DATA_PROVIDER": "bloomberg"}, check=False)
    assert proc.returncode == 1 and "PRIMARY_DATA_PROVIDER" in proc.stderr and "twelvedata" in proc.stderr


def test_invalid_file_setting_names_file_and_key(rc_binary, tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("prot = 80\n")
    proc = run_cli(rc_binary, "--config", cfg, "config", check=False)
    assert proc.returncode == 1 and "prot" in proc.stderr and "unknown setting" in proc.stderr
    cfg.write_text("port = [\n")
    proc = run_cli(rc_binary, "--config", cfg, "config", check=False)
    assert proc.returncode == 1 and "cannot parse" in proc.stderr


def test_serve_rejects_invalid_port_before_binding(rc_binary):
    proc = run_cli(rc_binary, "serve", "--port", "70000", check=False, timeout=20)
    assert proc.returncode == 1 and "--port" in proc.stderr
