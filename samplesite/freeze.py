"""Freeze the expected article pages of the demo portals into fixture folders.

``python -m samplesite.freeze OUTDIR`` writes ``OUTDIR/<site>-<slug>/page.html``
(the raw served bytes, placeholders replaced by fixed bases) and
``expected.json`` (the expected record with absolute URLs).  Multi-page
articles are frozen as their first page only: the expected body then holds
that page's paragraphs and ``next_page`` gives the absolute URL of page 2.
``content_type`` records the Content-Type header the server sends (so charset
detection can be tested without a server).
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from . import texts_dailyqd as DQ
from .portals import MP_PAGES, build_sites
from .server import Site

FIXED_BASES = {"dailyqd": "http://127.0.0.1:8001", "pdnews": "http://127.0.0.1:8002",
               "jiaodong": "http://127.0.0.1:8003"}


def fill(data: bytes, site: str) -> bytes:
    for name, url in FIXED_BASES.items():
        data = data.replace(f"__BASE_{name}__".encode(), url.encode())
    return data.replace(b"__BASE__", FIXED_BASES[site].encode())


def slug(path: str) -> str:
    last = path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9_-]+", "_", last.rsplit(".", 1)[0]) or "index"


def freeze_site(site: Site, outdir: Path) -> list[Path]:
    base = FIXED_BASES[site.name]
    written = []
    for exp in site.expected:
        res = site.resources[exp["url"]]
        rec = dict(exp)
        rec["url"] = base + exp["url"]
        rec["aliases"] = [base + a for a in exp["aliases"]]
        rec["related_urls"] = [base + u for u in exp["related_urls"]]
        if exp["url"] == MP_PAGES[0]:
            first = next(a for a in DQ.ARTICLES if a["key"] == "MP")["pages"][0]
            rec["body"] = "\n\n".join(first)
            rec["next_page"] = base + MP_PAGES[1]
            rec["aliases"] = []
        rec["content_type"] = res.content_type
        d = outdir / f"{site.name}-{slug(exp['url'])}"
        d.mkdir(parents=True, exist_ok=True)
        (d / "page.html").write_bytes(fill(res.body, site.name))
        (d / "expected.json").write_text(json.dumps(rec, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(d)
    return written


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m samplesite.freeze OUTDIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for site in build_sites():
        n += len(freeze_site(site, out))
    print(f"wrote {n} fixture folders to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
