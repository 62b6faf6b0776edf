"""A small, quiet, threaded HTTP server that serves bundled fake news portals.

Every :class:`Site` is served on its own port of 127.0.0.1.  Bodies are plain
bytes; the ASCII placeholders ``__BASE__`` and ``__BASE_<name>__`` are replaced
at serve time with the base URL of the site itself or of another served site.
Paths ending in ``.gz`` are stored uncompressed and gzip-compressed on the fly
(after placeholder replacement).
"""
from __future__ import annotations

import gzip
import hashlib
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import unquote

__all__ = ["Resource", "Site", "SiteServer", "NOT_FOUND_HTML"]


@dataclass
class Resource:
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"  # None -> no header
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    fail_first: int = 0      # answer 503 to the first N requests of this path
    delay: float = 0.0       # seconds to wait before answering

    def __post_init__(self) -> None:
        if isinstance(self.body, str):
            self.body = self.body.encode("utf-8")


@dataclass
class Site:
    name: str
    resources: dict[str, Resource]
    dynamic: list[tuple[str, Callable[[re.Match], Resource]]] = field(default_factory=list)
    expected: list[dict] = field(default_factory=list)
    never_articles: list[str] = field(default_factory=list)
    disallowed: list[str] = field(default_factory=list)
    gzip_html: bool = False  # send HTML with Content-Encoding: gzip when the client accepts it


NOT_FOUND_HTML = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>404 - 页面不存在</title>
<style>body{font-family:"Microsoft YaHei",sans-serif;background:#f5f5f5;color:#333}
.box{width:560px;margin:120px auto;background:#fff;padding:40px;text-align:center;border:1px solid #e5e5e5}
.box h1{font-size:64px;color:#c00;margin:0}.box a{color:#1a5fb4}</style>
</head>
<body>
<div class="box">
<h1>404</h1>
<p>抱歉，您访问的页面不存在或已被删除。</p>
<p><span id="sec">5</span> 秒后自动返回 <a href="/">网站首页</a></p>
</div>
</body>
</html>
""".encode("utf-8")

SERVICE_UNAVAILABLE_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>503 Service Temporarily Unavailable</title></head>
<body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>
""".encode("utf-8")


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def handle_error(self, request, client_address):  # noqa: D401 - silence tracebacks
        pass


class SiteServer:
    """Serve several :class:`Site` objects, one port each, on ``host``."""

    def __init__(self, sites: list[Site], host: str = "127.0.0.1", ports: list[int] | None = None):
        if ports is not None and len(ports) != len(sites):
            raise ValueError("ports must have one entry per site")
        names = [s.name for s in sites]
        if len(set(names)) != len(names):
            raise ValueError("site names must be unique")
        self.sites = list(sites)
        self.host = host
        self.ports = list(ports) if ports is not None else [0] * len(sites)
        self.base_urls: dict[str, str] = {}
        self.requests: dict[str, list[str]] = {s.name: [] for s in sites}
        self.user_agents: list[str] = []  # User-Agent header of every request, in order
        self.not_modified: dict[str, list[str]] = {s.name: [] for s in sites}  # paths answered 304
        self._servers: list[_QuietServer] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._hits: dict[tuple[str, str], int] = {}
        self._stopping = threading.Event()
        self._replacements: list[tuple[bytes, bytes]] = []

    # -- lifecycle -----------------------------------------------------
    def start(self) -> "SiteServer":
        if self._servers:
            return self
        self._stopping.clear()
        try:
            for site, port in zip(self.sites, self.ports):
                srv = _QuietServer((self.host, port), self._make_handler(site))
                self._servers.append(srv)
                self.base_urls[site.name] = f"http://{self.host}:{srv.server_address[1]}"
        except Exception:
            for srv in self._servers:
                srv.server_close()
            self._servers = []
            raise
        # longest names first so that no placeholder is a prefix of another
        reps = [(f"__BASE_{n}__".encode(), u.encode()) for n, u in self.base_urls.items()]
        reps.sort(key=lambda r: -len(r[0]))
        self._replacements = reps
        for srv in self._servers:
            t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stopping.set()
        for srv in self._servers:
            srv.shutdown()
            srv.server_close()
        for t in self._threads:
            t.join(timeout=2)
        self._servers = []
        self._threads = []

    def __enter__(self) -> "SiteServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- helpers ---------------------------------------------------------
    def _fill(self, data: bytes, base: bytes) -> bytes:
        if b"__BASE" not in data:
            return data
        for ph, url in self._replacements:
            data = data.replace(ph, url)
        return data.replace(b"__BASE__", base)

    def hits(self, site: str, path: str) -> int:
        """How many times ``path`` was requested on ``site``."""
        return self.requests.get(site, []).count(path)

    def _resolve(self, site: Site, raw_path: str) -> Resource | None:
        candidates = [raw_path]
        decoded = unquote(raw_path)
        if decoded != raw_path:
            candidates.append(decoded)
        for cand in candidates:
            res = site.resources.get(cand)
            if res is not None:
                return res
        for cand in candidates:
            for pattern, factory in site.dynamic:
                m = re.fullmatch(pattern, cand)
                if m is None and "?" in cand:
                    m = re.fullmatch(pattern, cand.split("?", 1)[0])
                if m is not None:
                    try:
                        return factory(m)
                    except Exception:
                        return None
        # static pages ignore unknown query strings, as a real web server does
        for cand in candidates:
            if "?" in cand:
                res = site.resources.get(cand.split("?", 1)[0])
                if res is not None:
                    return res
        return None

    def _make_handler(self, site: Site):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; without TCP_NODELAY every keep-alive
            # response waits ~40 ms for the client's delayed ACK (Nagle's algorithm).
            disable_nagle_algorithm = True
            timeout = 15  # idle keep-alive connections are closed after this
            server_version = "nginx"
            sys_version = ""

            def log_message(self, format, *args):  # noqa: A002 - quiet
                pass

            def log_request(self, code="-", size="-"):
                pass

            def _answer(self, head_only: bool) -> None:
                path = self.path
                if path.startswith("http://") or path.startswith("https://"):
                    path = "/" + path.split("/", 3)[-1] if path.count("/") >= 3 else "/"
                with server._lock:
                    server.requests[site.name].append(path)
                    server.user_agents.append(self.headers.get("User-Agent", ""))
                    key = (site.name, path)
                    n = server._hits.get(key, 0) + 1
                    server._hits[key] = n
                base = server.base_urls[site.name].encode()
                res = server._resolve(site, path)
                if res is None:
                    self._send(404, "text/html; charset=utf-8", {}, NOT_FOUND_HTML, head_only)
                    return
                if res.delay > 0:
                    if server._stopping.wait(res.delay):
                        return
                if n <= res.fail_first:
                    self._send(503, "text/html; charset=utf-8", {"Retry-After": "1"},
                               SERVICE_UNAVAILABLE_HTML, head_only)
                    return
                body = server._fill(res.body, base)
                ctype = res.content_type
                if path.split("?", 1)[0].endswith(".gz"):
                    body = gzip.compress(body, mtime=0)
                    ctype = "application/x-gzip"
                headers = {k: server._fill(v.encode("latin-1"), base).decode("latin-1")
                           for k, v in res.headers.items()}
                if res.status == 200:
                    # validators, as nginx sends them for static pages: a conditional request
                    # for an unchanged page gets "304 Not Modified" and no body
                    etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
                    headers.setdefault("ETag", etag)
                    if self.headers.get("If-None-Match") == headers["ETag"]:
                        with server._lock:
                            server.not_modified[site.name].append(path)
                        self._send(304, None, {"ETag": headers["ETag"]}, b"", True)
                        return
                if (site.gzip_html and (ctype or "").startswith("text/html")
                        and "gzip" in self.headers.get("Accept-Encoding", "")):
                    body = gzip.compress(body, mtime=0)  # as nginx's gzip module does
                    headers["Content-Encoding"] = "gzip"
                    headers["Vary"] = "Accept-Encoding"
                self._send(res.status, ctype, headers, body, head_only)

            def _send(self, status, ctype, headers, body, head_only):
                try:
                    self.send_response(status)
                    if ctype is not None:
                        self.send_header("Content-Type", ctype)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if not head_only:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                    self.close_connection = True

            def do_GET(self):
                self._answer(False)

            def do_HEAD(self):
                self._answer(True)

            def do_POST(self):
                self._send(405, "text/html; charset=utf-8", {"Allow": "GET, HEAD"},
                           b"<html><body><h1>405 Not Allowed</h1></body></html>", False)

        return Handler


def serve_forever(sites: list[Site], port: int = 8000, host: str = "127.0.0.1") -> None:
    """Serve ``sites`` on consecutive ports starting at ``port`` until Ctrl-C."""
    ports = [port + i if port else 0 for i in range(len(sites))]
    srv = SiteServer(sites, host=host, ports=ports)
    srv.start()
    try:
        for s in sites:
            print(f"{s.name:<12} {srv.base_urls[s.name]}/", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
    finally:
        srv.stop()
