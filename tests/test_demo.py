"""``./run demo`` works, and works again: its second run replaces the first one's outputs."""

from __future__ import annotations

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
