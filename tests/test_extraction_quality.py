"""The extraction quality gate: per-field scores over saved pages must not drop below the
floors pinned in tests/fixtures/quality_floors.json."""

import json
from pathlib import Path

import pytest

from crawler.quality import score_corpus

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def scores():
    return score_corpus(FIXTURES / "pages")


def test_corpus_is_not_empty(scores):
    assert scores.cases >= 30


@pytest.mark.parametrize(
    "field",
    ["url", "title", "published_at", "author", "source", "body", "related_urls", "language", "body_similarity"],
)
def test_field_score_at_or_above_floor(scores, field):
    floor = json.loads((FIXTURES / "quality_floors.json").read_text())[field]
    misses = [m for m in scores.misses if f".{field}:" in m or "not extracted" in m]
    assert scores.as_dict()[field] >= floor, "\n".join(misses)
