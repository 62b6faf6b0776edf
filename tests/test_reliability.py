"""The short form of the reliability suite (bench/reliability.py): three SIGKILLs of a crawl of
a 300-article portal while a reader queries the archive, and the cheap fault cases.

Each fault case runs as a user would (``scrapy crawl news`` / ``python -m archive`` in a
subprocess) and its verdict carries the one-line why; a failing case shows it.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def reliability():
    spec = importlib.util.spec_from_file_location("bench_reliability", ROOT / "bench" / "reliability.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


@pytest.fixture(scope="module")
def harness(reliability, tmp_path_factory):
    """The fault cases' 300-article portal (also the kill test's), served for this module."""
    with reliability.Harness(tmp_path_factory.mktemp("reliability")) as h:
        yield h


def failures(verdicts) -> str:
    return "\n".join(f"{v.case}: {v.why}" for v in verdicts if not v.passed)


def test_three_kills_lose_nothing(reliability, harness):
    result = reliability.kill_test(harness, kills=3, seed=7)
    assert result["kills_done"] == 3, f"only {result['kills_done']} kills in {result['runs']} runs"
    assert result["integrity_failures"] == 0, [d["integrity"] for d in result["details"]]
    assert result["urls_lost"] == 0, result["lost_examples"]
    assert result["duplicates"] == 0, [d["duplicates"] for d in result["details"]] + result["final_duplicates"]
    assert result["reader"]["rounds"] > 0, result["reader"]
    assert result["reader_errors"] == 0, result["reader"]["errors"]
    assert result["failed_runs"] == [], "runs that ended with an error by themselves"
    assert result["final_exit"] == 0
    assert result["final_articles"] == 300
    assert result["missing"] == [] and result["extra"] == []
    assert result["differ"] == []
    assert result["survived"] == 3, [reliability.kill_problems(d) for d in result["details"]]


# Each needs the fix named: the crawl's one-line exit 2 for a LOG_FILE in a missing folder and
# for a misspelt argument; export refusing its own archive; one writer per archive file
# whatever its name; no listening console; dead runs closed as killed; rejected paths leaving
# nothing behind; exports written to FILE.part first; a crawl whose archive file is replaced
# stops with exit 74 and leaves the file put in its place intact (no stale -wal).
@pytest.mark.parametrize("case", [
    "log_file_missing", "unknown_argument", "export_onto_archive", "second_writer", "no_listener",
    "killed_run_row", "rejected_paths", "killed_export", "replaced_file",
])
def test_fault_case(reliability, harness, case):
    verdicts = getattr(reliability, case)(harness)
    assert verdicts and all(v.passed for v in verdicts), failures(verdicts)


def test_damaged_archive_is_one_line_exit_1(reliability, harness):
    verdicts = reliability.flipped_bytes(harness, commands=("export jsonl", "summary", "check"), damages=("header",))
    assert len(verdicts) == 4  # three commands, then check on an archive with a damaged capture
    assert all(v.passed for v in verdicts), failures(verdicts)


def test_a_stalled_crawl_commits_what_it_fetched_after_archive_batch_seconds(reliability, harness):
    """The portal stops answering after 60 articles: far fewer than a batch, but the batch is
    written once its first entry has waited ARCHIVE_BATCH_SECONDS; a kill then loses none."""
    archive = harness.scratch("stalled") / "news.db"
    started = reliability.time.monotonic()
    with harness.held(archive, ARCHIVE_BATCH_SIZE="1000", ARCHIVE_BATCH_SECONDS="2") as job:
        waited = reliability.time.monotonic() - started
        job.kill()
    assert waited < 60
    assert reliability.committed_articles(archive) >= reliability.HOLD_AFTER - 16  # (in flight: 8 requests)
