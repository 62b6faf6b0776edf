"""``python -m crawler.realpages [DIR] [--per-page] [--json] [--no-baselines]``: extraction
scored on real pages, with baselines.

DIR (default ``../shared/realpages`` beside the project) holds ``ground_truth.jsonl`` (one gold
record per page: id, set, page, url, lang, encoding, title, date, author, body) and the pages'
bytes gzipped under ``pages/``. Each page is extracted by the project from its bytes, as
``python -m crawler.extract`` does, at the record's URL (a neutral ``file:`` URL when it has none,
see :func:`load`), and,
on the same pages with the same metric, by two baselines: trafilatura (``extract(...,
output_format="json", with_metadata=True)``) and GNE 0.4 (``GeneralNewsExtractor().extract``,
from the optional ``eval`` extra). The baselines are given the text the project decodes
(``redecode(HtmlResponse(...)).text``), so all three see the same characters, and trafilatura
the record's URL (None when null); their time does not include that decoding, the project's
does (decoding is part of its job). Each extractor runs once, untimed, before the timed pass.

Scores per group -- ``zh`` (Chinese pages), ``zh_gb`` (those GB2312/GBK/GB18030-encoded),
``zyte`` (the Zyte benchmark pages) -- in percent with one decimal, each over the group's pages
that have that gold field (None when none has):

- ``body_f1``: mean per-page F1 of body tokens (:func:`tokens`, :func:`f1`); a refused or empty
  page scores 0;
- ``date``: the extracted day (:func:`day`) equals the gold ``YYYY-MM-DD``;
- ``title``: equal after :func:`norm_ws`;
- ``author``: one contains the other after :func:`norm_ws` (a missing author is a miss);

plus ``pages``, ``refused`` (pages without a body, for any reason) and ``ms_median`` /
``ms_mean`` (wall time of one page's extraction, milliseconds). Exit codes: 0, or 2 when DIR has
no ground_truth.jsonl (one line on stderr).
"""

from __future__ import annotations

import collections
import gzip
import json
import re
import statistics
import sys
import time
import unicodedata
from pathlib import Path
from typing import Callable

import click
from scrapy.http import HtmlResponse
from scrapy.settings import Settings

from archive.cliutil import run_one_line_errors
from crawler import settings as project_settings
from crawler.cleaning import BadArticle
from crawler.encoding import redecode
from crawler.extract import extract_bytes
from crawler.pages import NotArticle, RuleBook

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "realpages"
EXTRACTORS = ("project", "trafilatura", "gne")
LABELS = {"project": "project", "trafilatura": "trafilatura", "gne": "GNE"}
GROUPS: dict[str, Callable[[dict], bool]] = {
    "zh": lambda g: g["lang"] == "zh",
    "zh_gb": lambda g: g["lang"] == "zh" and "gb" in (g.get("encoding") or ""),
    "zyte": lambda g: g["set"] == "zyte_aeb",
}
FIELDS = ("pages", "body_f1", "date", "title", "author", "refused", "ms_median", "ms_mean")
_GOLD = {"body_f1": "body", "date": "date", "title": "title", "author": "author"}  # field -> gold key
_CJK = ("zh", "ja")


# -- the metric (the set's README defines it) ---------------------------------------------------

def norm(text: str | None) -> str:
    """``text`` NFKC-normalised and case-folded ("" for None)."""
    return unicodedata.normalize("NFKC", str(text) if text else "").casefold()


def norm_ws(text: str | None) -> str:
    """:func:`norm` with runs of white space collapsed to one space and the ends trimmed."""
    return " ".join(norm(text).split())


def tokens(text: str | None, lang: str) -> list[str]:
    """Body tokens: for ``zh``/``ja`` every letter or digit character (Unicode L*/N*), punctuation
    and space dropped; otherwise white-space separated words with leading/trailing punctuation
    stripped (empty words dropped). Text is :func:`norm`-ed first."""
    text = norm(text)
    if lang in _CJK:
        return [c for c in text if unicodedata.category(c)[0] in "LN"]
    return [w for w in (re.sub(r"^[\W_]+|[\W_]+$", "", w) for w in text.split()) if w]


def f1(extracted: str | None, gold: str, lang: str) -> float:
    """Bag-of-tokens F1 in [0, 1]: P = overlap / extracted tokens, R = overlap / gold tokens."""
    got, want = collections.Counter(tokens(extracted, lang)), collections.Counter(tokens(gold, lang))
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    p, r = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * p * r / (p + r)


_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def day(value: str | None) -> str | None:
    """The ``YYYY-MM-DD`` of a date an extractor gives (ISO 8601 ``2021-01-25T17:30:00+08:00``,
    ``2021-01-25 17:30:00``, ``2021/1/25``, ``2021年1月25日``), else its first 10 characters;
    None when empty."""
    text = str(value or "").strip()
    if not text:
        return None
    m = _DAY.match(text)
    return f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}" if m else text[:10]


def author_ok(extracted: str | None, gold: str) -> bool:
    """The gold author in the extracted one or the other way round (after :func:`norm_ws`); a
    missing or blank extracted author is a miss."""
    got, want = norm_ws(extracted), norm_ws(gold)
    return bool(got) and (want in got or got in want)


# -- the extractors: each maps a page to {body, title, date, author} or raises -------------------

class Refused(Exception):
    """An extractor gave no article for the page; the message is the reason."""


def project_extractor(settings: Settings | None = None) -> Callable[[dict], dict]:
    """The project's extraction from bytes, as ``crawler.extract.extract_file`` does it."""
    if settings is None:
        settings = Settings()
        settings.setmodule(project_settings)
    rulebook, max_size = RuleBook.from_settings(settings), settings.getint("DOWNLOAD_MAXSIZE")

    def extract(page: dict) -> dict:
        try:
            record = extract_bytes(page["raw"], page["page_url"], rulebook, max_size)
        except NotArticle as exc:
            raise Refused(f"not an article: {exc}") from None
        except BadArticle as exc:
            raise Refused(f"bad article: {exc}") from None
        return {"body": record["body"], "title": record["title"], "date": record["published_at"],
                "author": record["author"]}

    return extract


def trafilatura_extractor() -> Callable[[dict], dict]:
    import trafilatura

    def extract(page: dict) -> dict:
        out = trafilatura.extract(page["text"], url=page["url"], output_format="json", with_metadata=True)
        if out is None:
            raise Refused("no result")
        doc = json.loads(out)
        return {"body": doc.get("text"), "title": doc.get("title"), "date": doc.get("date"),
                "author": doc.get("author")}

    return extract


def gne_extractor() -> Callable[[dict], dict]:
    from gne import GeneralNewsExtractor  # ImportError: not installed (the `eval` extra)

    gne = GeneralNewsExtractor()

    def extract(page: dict) -> dict:
        doc = gne.extract(page["text"])
        return {"body": doc.get("content"), "title": doc.get("title"), "date": doc.get("publish_time"),
                "author": doc.get("author")}

    return extract


_FACTORIES = {"project": project_extractor, "trafilatura": trafilatura_extractor, "gne": gne_extractor}


# -- running and scoring ------------------------------------------------------------------------

def load(folder: Path, groups: tuple[str, ...] | None = None) -> list[dict]:
    """The gold records of ``folder`` (those in one of ``groups`` when given), each with ``raw``
    (the page's bytes), ``page_url`` and ``text`` (the bytes decoded as the project decodes them).

    ``page_url`` is the record's URL or, without one, the same ``file:`` URL for every page
    (``DIR/pages/page.html``): a name made from the page id would feed its digits to the
    URL-based article and date heuristics."""
    pages = []
    neutral_url = (folder / "pages" / "page.html").resolve().as_uri()
    with open(folder / "ground_truth.jsonl", encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            gold = json.loads(line)
            if groups and not any(GROUPS[g](gold) for g in groups):
                continue
            path = folder / gold["page"]
            raw = gzip.decompress(path.read_bytes())
            page_url = gold["url"] or neutral_url
            text = redecode(HtmlResponse(url=page_url, body=raw)).text
            pages.append({**gold, "raw": raw, "page_url": page_url, "text": text})
    return pages


def run(extract: Callable[[dict], dict], page: dict) -> dict:
    """One page through one extractor: what it gave, judged against the gold record.

    ``body_f1``: percent (unrounded); ``date_ok``/``title_ok``/``author_ok``: None without a gold value;
    ``refused``: the reason, or None; ``ms``: wall time of the call."""
    start = time.perf_counter()
    try:
        got, refused = extract(page), None
    except Refused as exc:
        got, refused = {}, str(exc)
    except Exception as exc:  # noqa: BLE001 - a crash is scored as a refusal, with its reason
        got, refused = {}, f"error: {type(exc).__name__}: {exc}"
    ms = (time.perf_counter() - start) * 1000
    body = got.get("body") or ""
    if not refused and not body.strip():
        refused = "empty body"
    return {
        "body_f1": 100 * f1(body, page["body"], page["lang"]) if page.get("body") else None,
        "date_ok": day(got.get("date")) == page["date"] if page.get("date") else None,
        "title_ok": norm_ws(got.get("title")) == norm_ws(page["title"]) if page.get("title") else None,
        "author_ok": author_ok(got.get("author"), page["author"]) if page.get("author") else None,
        "refused": refused,
        "ms": round(ms, 2),
        "date": day(got.get("date")),
        "title": got.get("title") or None,
        "author": got.get("author") or None,
        "body_chars": len(body),
    }


def _rounded(result: dict) -> dict:
    f1_ = result["body_f1"]
    return {**result, "body_f1": None if f1_ is None else round(f1_, 1)}


def _pct(values: list) -> float | None:
    return round(100 * sum(values) / len(values), 1) if values else None


def score(pages: list[dict], results: list[dict], group: str) -> dict:
    """``{field: value}`` of one extractor over the pages of ``group`` (see the module doc)."""
    chosen = [(p, r) for p, r in zip(pages, results) if GROUPS[group](p)]
    ms = [r["ms"] for _, r in chosen]
    out = {"pages": len(chosen)}
    for field, gold in _GOLD.items():
        if field == "body_f1":
            values = [r["body_f1"] / 100 for p, r in chosen if p.get(gold)]
        else:
            values = [r[f"{field}_ok"] for p, r in chosen if p.get(gold)]
        out[field] = _pct(values)
        out[f"{field}_n"] = len(values)
    out["refused"] = sum(1 for _, r in chosen if r["refused"])
    out["ms_median"] = round(statistics.median(ms), 1) if ms else None
    out["ms_mean"] = round(statistics.fmean(ms), 1) if ms else None
    return out


def evaluate(folder: Path, extractors: tuple[str, ...] = ("project",), groups: tuple[str, ...] | None = None) -> dict:
    """Extract every page of ``folder`` (only those of ``groups`` when given) once with each of
    ``extractors`` (names from EXTRACTORS) and score them.

    Returns ``{"scores": {extractor: {group: {field: value}}}, "pages": [{id, set, lang,
    encoding, gold date/title/author, "results": {extractor: run(...)}}], "unavailable":
    {extractor: reason}, "speed_ratio_zh": trafilatura ms / project ms (means, Chinese pages) or
    None}``. An extractor that cannot be imported is listed in ``unavailable`` only."""
    folder = Path(folder)
    pages = load(folder, groups)
    scores, unavailable, per_extractor = {}, {}, {}
    for name in extractors:
        try:
            extract = _FACTORIES[name]()
        except ImportError:
            unavailable[name] = f"{LABELS[name]} not installed"
            continue
        if pages:
            run(extract, pages[0])  # warm-up (lazy imports, caches): not timed
        per_extractor[name] = [run(extract, page) for page in pages]
        scores[name] = {g: score(pages, per_extractor[name], g) for g in (groups or GROUPS)}
    details = [
        {"id": p["id"], "set": p["set"], "lang": p["lang"], "encoding": p["encoding"], "gold_date": p["date"],
         "gold_title": p["title"], "gold_author": p["author"],
         "results": {name: _rounded(results[i]) for name, results in per_extractor.items()}}
        for i, p in enumerate(pages)
    ]
    ratio = None
    zh = {name: scores.get(name, {}).get("zh", {}).get("ms_mean") for name in ("project", "trafilatura")}
    if zh["project"] and zh["trafilatura"]:
        ratio = round(zh["trafilatura"] / zh["project"], 1)
    return {"scores": scores, "pages": details, "unavailable": unavailable, "speed_ratio_zh": ratio}


# -- output -------------------------------------------------------------------------------------

_ROW_NAMES = {"pages": "pages", "body_f1": "body F1", "date": "date", "title": "title", "author": "author",
              "refused": "refused", "ms_median": "ms median", "ms_mean": "ms mean"}


def table(result: dict, extractors: tuple[str, ...]) -> list[str]:
    """The scores as aligned text lines: one row per group x field, one column per extractor.
    Rows of fields no page of the group has a gold value for are left out."""
    scores, unavailable = result["scores"], result["unavailable"]
    header = ["group", "field"] + [unavailable.get(n, LABELS[n]) for n in extractors]
    rows = []
    groups = next((list(s) for s in scores.values()), [])
    for group in groups:
        first = next(iter(scores.values()))[group]
        for field in FIELDS:
            label = _ROW_NAMES[field]
            if field in _GOLD:
                if not first[f"{field}_n"]:
                    continue
                if first[f"{field}_n"] != first["pages"]:
                    label += f" ({first[f'{field}_n']} pages)"
            cells = [scores[n][group][field] if n in scores else None for n in extractors]
            rows.append([group, label] + ["-" if c is None else str(c) for c in cells])
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    fmt = lambda r: "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
    return [fmt(header)] + [fmt(r) for r in rows]


def speed_line(result: dict, extractors: tuple[str, ...]) -> str | None:
    zh = {n: s["zh"] for n, s in result["scores"].items() if "zh" in s}
    if not zh:
        return None
    parts = [f"{LABELS[n]} {zh[n]['ms_median']} median / {zh[n]['ms_mean']} mean" for n in extractors if n in zh]
    line = f"ms per page on the {next(iter(zh.values()))['pages']} Chinese pages: " + ", ".join(parts)
    if result["speed_ratio_zh"] is not None:
        line += f"; trafilatura/project {result['speed_ratio_zh']}x (means)"
    return line


def _yn(value: bool | None) -> str:
    return "-" if value is None else "y" if value else "n"


def per_page_lines(result: dict, extractors: tuple[str, ...]) -> list[str]:
    """One line per page: id, set, body F1 / date ok / title ok of each extractor (in column
    order; y/n, "-" without gold or extractor)."""
    names = [n for n in extractors if n not in result["unavailable"]]
    lines = [f"per page (body F1, date ok, title ok of {' / '.join(LABELS[n] for n in names)}):"]
    width = max((len(p["id"]) for p in result["pages"]), default=0)
    for p in result["pages"]:
        rs = [p["results"][n] for n in names]
        f1s = " ".join(f"{r['body_f1']:5.1f}" if r["body_f1"] is not None else "    -" for r in rs)
        dates = "".join(_yn(r["date_ok"]) for r in rs)
        titles = "".join(_yn(r["title_ok"]) for r in rs)
        lines.append(f"  {p['id']:<{width}}  {p['set']:<20} F1 {f1s}  date {dates}  title {titles}")
    return lines


@click.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--per-page", is_flag=True, help="Also print one line per page.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores and per-page details as JSON.")
@click.option("--no-baselines", is_flag=True, help="Run the project only (no trafilatura, no GNE).")
def cli(folder, per_page, as_json, no_baselines):
    """Score extraction on the real-page development set (default ../shared/realpages).

    Example: python -m crawler.realpages --per-page
    """
    folder = folder or DEFAULT_DIR
    if not (folder / "ground_truth.jsonl").is_file():
        click.echo(f"python -m crawler.realpages: {folder} not found (no ground_truth.jsonl there)", err=True)
        sys.exit(2)
    extractors = ("project",) if no_baselines else EXTRACTORS
    result = evaluate(folder, extractors)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
        return
    click.echo("\n".join(table(result, extractors)))
    line = speed_line(result, extractors)
    if line:
        click.echo(line)
    refused = [(p["id"], p["results"]["project"]["refused"]) for p in result["pages"]
               if p["results"]["project"]["refused"]]
    click.echo(f"refused by the project: {len(refused)}")
    for page_id, reason in refused:
        click.echo(f"  {page_id}: {reason}")
    if per_page:
        click.echo("\n".join(per_page_lines(result, extractors)))


def main(argv=None):
    run_one_line_errors(cli, "python -m crawler.realpages", argv)


if __name__ == "__main__":
    main()
