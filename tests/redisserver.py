"""A real ``redis-server`` for the tests, on a free port of 127.0.0.1, its files in a
temporary folder (Debian's package: ``./run test`` installs it). Without the server the
tests that need it are skipped, unless ``NEWS_REDIS_TESTS=required`` (``./run test`` sets
it): then they fail."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_redis_server() -> str:
    """The path of redis-server; skips (or fails, when required) without it."""
    path = shutil.which("redis-server")
    if path is None:
        message = "redis-server is not installed (./run test installs Debian's redis-server)"
        if os.environ.get("NEWS_REDIS_TESTS") == "required":
            pytest.fail(message)
        pytest.skip(message)
    return path


class RedisServer:
    """``redis-server`` on 127.0.0.1:``port``, appending every write to its AOF with fsync
    (as the README's deployment runs it), never evicting; :meth:`stop` kills it,
    :meth:`start` starts it again on the same port and files."""

    def __init__(self, folder: Path, port: int | None = None):
        self.folder = folder
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [require_redis_server(), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--maxmemory-policy", "noeviction"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)
