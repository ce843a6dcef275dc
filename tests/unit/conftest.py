"""Fixtures of the unit tests that need a real server: one redis-server for the session."""

from __future__ import annotations

import pytest

from tests.support import redis_server


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real redis-server on 127.0.0.1 (database 1), shared by the session's tests."""
    if not redis_server.available():
        pytest.skip("redis-server is not installed (make test-deps installs it)")
    with redis_server.redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url
