"""The real-page gate: the project's scores on ../shared/realpages (``python -m crawler.realpages``)
must not drop below tests/fixtures/realpages_floors.json. Skipped when the set is not there."""

import json
from pathlib import Path

import pytest

from crawler.realpages import DEFAULT_DIR, GROUPS, evaluate

CONFIG = json.loads((Path(__file__).parent / "fixtures" / "realpages_floors.json").read_text())
WORST = 10  # pages listed in a failure message


@pytest.fixture(scope="module")
def folder():
    if not (DEFAULT_DIR / "ground_truth.jsonl").is_file():
        pytest.skip(f"{DEFAULT_DIR} not found: real-page gate skipped")
    return DEFAULT_DIR


@pytest.fixture(scope="module")
def project(folder):
    return evaluate(folder, ("project",))


def _pages(result: dict, group: str) -> list[dict]:
    return [p for p in result["pages"] if GROUPS[group](p)]


def _worst(result: dict, group: str, field: str, extractor: str = "project") -> str:
    """The group's worst pages for ``field``: lowest body F1, or the misses with got vs gold."""
    lines = []
    if field == "body_f1":
        for p in sorted(_pages(result, group), key=lambda p: p["results"][extractor]["body_f1"])[:WORST]:
            r = p["results"][extractor]
            lines.append(f"{p['id']}: F1 {r['body_f1']}" + (f" (refused: {r['refused']})" if r["refused"] else ""))
    else:
        for p in _pages(result, group):
            r = p["results"][extractor]
            if r[f"{field}_ok"] is False:
                lines.append(f"{p['id']}: got {r[field]!r}, gold {p[f'gold_{field}']!r}"
                             + (f" (refused: {r['refused']})" if r["refused"] else ""))
    return "\n".join(lines[:WORST])


@pytest.mark.parametrize("group,field", [(g, f) for g, fields in CONFIG["floors"].items() for f in fields])
def test_score_at_or_above_floor(project, group, field):
    value, floor = project["scores"]["project"][group][field], CONFIG["floors"][group][field]
    assert value is not None and value >= floor, (
        f"{group} {field} {value} < floor {floor}; worst pages:\n{_worst(project, group, field)}")


def test_refused_real_articles(project):
    refused = [f"{p['id']}: {p['results']['project']['refused']}" for p in project["pages"]
               if p["results"]["project"]["refused"]]
    assert len(refused) <= CONFIG["max_refused"], (
        f"{len(refused)} real articles refused (max_refused {CONFIG['max_refused']}):\n" + "\n".join(refused))


def test_zyte_body_not_below_trafilatura(project, folder):
    baseline = evaluate(folder, ("trafilatura",), groups=("zyte",))
    ours = project["scores"]["project"]["zyte"]["body_f1"]
    theirs = baseline["scores"]["trafilatura"]["zyte"]["body_f1"]
    if not CONFIG["zyte_vs_trafilatura"]:
        pytest.skip(f"zyte body F1: project {ours}, trafilatura {theirs}; not enforced until "
                    "zyte_vs_trafilatura is true in tests/fixtures/realpages_floors.json")
    gaps = sorted(
        ((b["results"]["trafilatura"]["body_f1"] - p["results"]["project"]["body_f1"], p["id"])
         for p, b in zip(_pages(project, "zyte"), baseline["pages"])), reverse=True)[:WORST]
    assert ours >= theirs, (f"zyte body F1: project {ours} < trafilatura {theirs}; largest gaps:\n"
                            + "\n".join(f"{page_id}: trafilatura ahead by {gap:.1f}" for gap, page_id in gaps))
