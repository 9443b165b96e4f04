from __future__ import annotations

import pytest

from .replay_server import ReplayServer


@pytest.fixture
def replay():
    server = ReplayServer()
    yield server
    server.close()
