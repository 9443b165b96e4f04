"""The built front end served at / from FRONTEND_DIR: content types, caching of hashed
bundles, the SPA fallback for client routes, the service's own paths untouched, no path
traversal, and nothing of it in /openapi.json."""
from __future__ import annotations

import gzip
import socket
import subprocess

import pytest
import requests



@pytest.fixture
def site(tmp_path):
    """A miniature `npm run generate` output."""
    root = tmp_path / "public"
    (root / "_nuxt").mkdir(parents=True)
    (root / "models").mkdir()
    (root / "index.html").write_text("<!doctype html><title>Regimecast index</title>")
    (root / "200.html").write_text("<!doctype html><title>Regimecast shell</title>")
    (root / "models" / "index.html").write_text("<!doctype html><title>models page</title>")
    (root / "_nuxt" / "entry.AbC123.js").write_text("console.log('regimecast')")
    (root / "_nuxt" / "entry.AbC123.css").write_text("body{color:red}")
    (tmp_path / "secret.txt").write_text("outside the build")
    return root


def raw_get(port: int, target: str) -> bytes:
    """A request with the target exactly as given (requests would normalise '..')."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    return data


def test_files_client_routes_and_caching(server_factory, site):
    srv = server_factory(extra_env={"FRONTEND_DIR": str(site)})
    home = requests.get(srv.url("/"), timeout=5)
    assert home.status_code == 200
    assert home.headers["content-type"] == "text/html; charset=utf-8"
    assert home.headers["cache-control"] == "no-cache"
    assert "Regimecast index" in home.text

    js = requests.get(srv.url("/_nuxt/entry.AbC123.js"), timeout=5)
    assert js.status_code == 200 and js.text == "console.log('regimecast')"
    assert js.headers["content-type"] == "text/javascript; charset=utf-8"
    assert js.headers["cache-control"] == "public, max-age=31536000, immutable"
    css = requests.get(srv.url("/_nuxt/entry.AbC123.css"), timeout=5)
    assert css.headers["content-type"] == "text/css; charset=utf-8"

    # Prerendered page directories and client-side routes.
    assert "models page" in requests.get(srv.url("/models"), timeout=5).text
    for route in ("/operations", "/market/TCS.NS", "/operations?tab=health"):
        page = requests.get(srv.url(route), timeout=5)
        assert page.status_code == 200, route
        assert "Regimecast shell" in page.text, route
        assert page.headers["cache-control"] == "no-cache"

    # A stale bundle is a 404 in the JSON envelope, never the HTML shell.
    missing = requests.get(srv.url("/_nuxt/old.Zz9.js"), timeout=5)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"

    head = requests.head(srv.url("/_nuxt/entry.AbC123.js"), timeout=5)
    assert head.status_code == 200 and head.content == b""

    metrics = requests.get(srv.url("/metrics"), timeout=5).text
    assert 'http_requests_total{route="static",method="GET",code="200"}' in metrics


def test_precompressed_assets_for_gzip_clients(server_factory, site):
    bundle = site / "_nuxt" / "entry.AbC123.js"
    (site / "_nuxt" / "entry.AbC123.js.gz").write_bytes(gzip.compress(bundle.read_bytes()))
    srv = server_factory(extra_env={"FRONTEND_DIR": str(site)})
    compressed = requests.get(srv.url("/_nuxt/entry.AbC123.js"), headers={"Accept-Encoding": "gzip"}, timeout=5)
    assert compressed.headers["content-encoding"] == "gzip"
    assert compressed.headers["vary"] == "Accept-Encoding, Origin"
    assert compressed.text == "console.log('regimecast')"  # requests decodes it: the bytes are real gzip
    assert compressed.headers["cache-control"] == "public, max-age=31536000, immutable"
    plain = requests.get(srv.url("/_nuxt/entry.AbC123.js"), headers={"Accept-Encoding": "identity"}, timeout=5)
    assert "content-encoding" not in plain.headers
    assert plain.content == bundle.read_bytes()


def test_service_paths_are_not_shadowed(server_factory, site):
    srv = server_factory(extra_env={"FRONTEND_DIR": str(site)})
    assert requests.get(srv.url("/health"), timeout=5).json()["status"] in ("ok", "down")
    for path in ("/api/nothing", "/api", "/openapi.json/x", "/metrics/x", "/health/deep"):
        r = requests.get(srv.url(path), timeout=5)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("application/json"), path
    # Wrong method on a real route stays 405; writes to pages are not static hits.
    assert requests.get(srv.url("/api/prediction/trigger"), timeout=5).status_code == 405
    assert requests.post(srv.url("/models"), json={}, timeout=5).status_code == 404
    # The static fallback is not documented as an API route.
    doc = requests.get(srv.url("/openapi.json"), timeout=5).json()
    assert "/" not in doc["paths"]
    assert all(p.startswith(("/api", "/health", "/metrics", "/openapi.json", "/ws")) for p in doc["paths"])


def test_path_traversal_is_refused(server_factory, site):
    srv = server_factory(extra_env={"FRONTEND_DIR": str(site)})
    for target in ("/../secret.txt", "/_nuxt/../../secret.txt", "/%2e%2e/secret.txt", "/_nuxt/%2e%2e/%2e%2e/secret.txt",
                   "/..%2fsecret.txt", "/%2e%2e%5csecret.txt"):
        response = raw_get(srv.port, target)
        assert b"outside the build" not in response, target
        status = int(response.split(b" ", 2)[1])
        assert status in (400, 404), (target, response[:200])


def test_invalid_frontend_dir_stops_the_start_naming_the_setting(rc_binary, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    for value in (str(tmp_path / "missing"), str(empty)):
        proc = subprocess.run([str(rc_binary), "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir",
                               str(tmp_path / "data")], env={"FRONTEND_DIR": value, "SCHEDULER_ENABLED": "false",
                                                             "PATH": "/usr/bin:/bin"},
                              capture_output=True, text=True, timeout=30)
        assert proc.returncode != 0
        assert "FRONTEND_DIR" in proc.stdout + proc.stderr


def test_without_frontend_dir_root_is_a_json_404(server):
    r = requests.get(server.url("/"), timeout=5)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
