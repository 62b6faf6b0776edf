"""``./run demo`` works, and works again: its second run replaces the first one's outputs."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys

from .conftest import ROOT


def test_the_demo_runs_twice_in_a_row(tmp_path):
    db = tmp_path / "demo-output" / "news.db"
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-m", "samplesite.demo", "--db", str(db)], cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        assert "crawl finished: pages 107, new 33," in proc.stdout
        assert f"wrote {db.with_suffix('.warc.gz')}: 33 articles, 38 captures" in proc.stdout + proc.stderr
        _assert_counts_are_explained(proc.stdout)


def _assert_counts_are_explained(out: str) -> None:
    """After the summary, the crawl line's failed and unchanged counts are explained, the
    failures broken down by reason (numbers that add up to the count)."""
    counts = dict(re.findall(r"(\w+) (\d+)", re.search(r"crawl finished: (.*)", out)[1]))
    lines = out[out.index("(the sample portals hold deliberate traps"):].splitlines()
    failed = next(i for i, line in enumerate(lines) if line.startswith(f"  failed {counts['failed']} (the run's errors)"))
    reasons = list(itertools.takewhile(lambda line: line.startswith("    "), lines[failed + 1:]))
    assert sum(int(line.split()[0]) for line in reasons) == int(counts["failed"]) > 0
    assert any(line.startswith("    14 http_404: dead links") for line in reasons)
    assert any(line.startswith(f"  unchanged {counts['unchanged']}: article pages whose text this run had archived")
               for line in lines)
