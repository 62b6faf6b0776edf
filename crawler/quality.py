"""Extraction quality over a corpus of saved pages with expected fields.

A corpus is a folder of cases, each a folder holding ``page.html`` (the raw response bytes)
and ``expected.json`` (the URL, the HTTP ``content_type`` it was served with, and the
expected value of each field). ``python -m crawler.quality tests/fixtures/pages`` prints the
share of cases where each field is exactly right and the body's mean similarity; the test
suite fails when a score drops below the floors pinned in ``tests/fixtures/quality_floors.json``.
"""

from __future__ import annotations

import difflib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from crawler.cleaning import BadArticle
from crawler.extract import extract_bytes
from crawler.pages import NotArticle, RuleBook

SCORED_FIELDS = ("url", "title", "published_at", "author", "source", "body", "related_urls", "language")


@dataclass
class Scores:
    cases: int = 0
    exact: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SCORED_FIELDS, 0))
    body_similarity: float = 0.0
    misses: list[str] = field(default_factory=list)

    def share(self, name: str) -> float:
        return self.exact[name] / self.cases if self.cases else 0.0

    def as_dict(self) -> dict[str, float]:
        out = {name: round(self.share(name), 3) for name in SCORED_FIELDS}
        out["body_similarity"] = round(self.body_similarity / self.cases, 3) if self.cases else 0.0
        return out


def extract_case(case: Path, rulebook: RuleBook) -> dict:
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    headers = {"Content-Type": expected["content_type"]} if expected.get("content_type") else {}
    return extract_bytes((case / "page.html").read_bytes(), expected["url"], rulebook, headers=headers)


def score_corpus(folder: Path, rulebook: RuleBook | None = None) -> Scores:
    rulebook = rulebook or RuleBook()
    scores = Scores()
    for case in sorted(p for p in folder.iterdir() if (p / "expected.json").exists()):
        expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
        scores.cases += 1
        try:
            got = extract_case(case, rulebook)
        except (NotArticle, BadArticle) as exc:
            scores.misses.append(f"{case.name}: not extracted ({exc})")
            continue
        for name in SCORED_FIELDS:
            if got.get(name) == expected.get(name):
                scores.exact[name] += 1
            else:
                scores.misses.append(f"{case.name}.{name}: {got.get(name)!r:.120} != {expected.get(name)!r:.120}")
        scores.body_similarity += difflib.SequenceMatcher(None, got["body"], expected["body"], autojunk=False).ratio()
    return scores


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1 or not Path(args[0]).is_dir():
        print("usage: python -m crawler.quality CORPUS_DIR", file=sys.stderr)
        return 2
    scores = score_corpus(Path(args[0]))
    for name, value in scores.as_dict().items():
        print(f"{name:16} {value:.3f}")
    print(f"{scores.cases} cases")
    for miss in scores.misses:
        print("  miss:", miss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
