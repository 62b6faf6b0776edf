"""Small charts drawn in SVG (no script, no chart library): their data, and their markup
(:func:`bars_svg`, :func:`coverage_svg`, written here rather than in a template: a site of
fifteen years has thousands of cells, and the template engine takes ten times as long).

* :func:`bars`: articles per day over time, in days, weeks or months so that a chart has at
  most :data:`MAX_BARS` bars; days without articles are bars of height 0, so a site that
  stopped publishing (or a crawl that stopped finding it) shows as a gap.
* :func:`coverage_strip`: per month the share of articles with a date, an author and a
  source, as cells whose colour darkens with the share: a template change on a site shows
  as a pale column.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from markupsafe import Markup

MAX_BARS = 120
WIDTH, HEIGHT = 600, 80  # px of a bar chart's plot area
CELL = 14  # px: the height of a field's row in a coverage strip, and a month's widest width
STRIP_WIDTH = 840  # px: a coverage strip's widest width (months are narrower when there are many)


def _bin_start(day: dt.date, size: str) -> dt.date:
    if size == "day":
        return day
    if size == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def _next(day: dt.date, size: str) -> dt.date:
    if size == "day":
        return day + dt.timedelta(days=1)
    if size == "week":
        return day + dt.timedelta(days=7)
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def bars(per_day: list[tuple[str, int]]) -> dict:
    """Bars of ``per_day`` ((``YYYY-MM-DD``, articles), days in order): ``unit`` (day, week
    or month), ``bars`` (label: the first day of the bin, count, x, y, width, height in px
    of a :data:`WIDTH` x :data:`HEIGHT` plot), ``peak`` (the largest bin), ``first``/``last``
    day shown. Days that are no date are left out; over more than twenty years of months,
    the latest twenty are shown."""
    days = []
    for day, n in per_day:
        try:
            days.append((dt.date.fromisoformat(day), n))
        except (TypeError, ValueError):
            continue
    if not days:
        return {"unit": "day", "bars": [], "peak": 0, "first": None, "last": None, "width": WIDTH, "height": HEIGHT}
    first, last = days[0][0], days[-1][0]
    span = (last - first).days + 1
    size = "day" if span <= MAX_BARS else "week" if span <= MAX_BARS * 7 else "month"
    counts: dict[dt.date, int] = {}
    for day, n in days:
        key = _bin_start(day, size)
        counts[key] = counts.get(key, 0) + n
    keys, at = [], _bin_start(first, size)
    while at <= last:
        keys.append(at)
        try:
            at = _next(at, size)
        except (OverflowError, ValueError):  # the last bin of the calendar
            break
    if len(keys) > MAX_BARS * 2:  # months over more than 20 years: show the latest
        keys = keys[-MAX_BARS * 2:]
        first = keys[0]
    peak = max(counts.get(key, 0) for key in keys)
    step = WIDTH / len(keys)
    out = []
    for i, key in enumerate(keys):
        n = counts.get(key, 0)
        h = round(HEIGHT * n / peak, 1) if peak else 0
        out.append({"label": key.isoformat(), "count": n, "x": round(i * step, 2), "y": round(HEIGHT - h, 1),
                    "width": round(max(step - (1 if step > 3 else 0), 0.5), 2), "height": h})
    return {"unit": size, "bars": out, "peak": peak, "first": first.isoformat(), "last": last.isoformat(),
            "width": WIDTH, "height": HEIGHT}


FIELDS = ("date", "author", "source")


def coverage_strip(per_month: list[tuple[str, list[int]]]) -> dict:
    """Cells of ``per_month`` ((``YYYY-MM``, [articles, with date, with author, with
    source]), months in order): ``months`` (each with ``month``, ``articles`` and per field
    of :data:`FIELDS` a ``share`` 0-1), ``cells`` (x, y, field, share, shade 0-100: the
    lightness of the cell's colour), ``width``/``height`` of the strip and
    ``cell_width``/``cell_height`` of a cell in px, and ``overall`` shares."""
    months, cells = [], []
    totals = [0, 0, 0, 0]
    width = max(3, min(CELL, STRIP_WIDTH // max(len(per_month), 1)))
    for i, (month, counts) in enumerate(per_month):
        n = counts[0]
        shares = {f: (counts[k + 1] / n if n else 0.0) for k, f in enumerate(FIELDS)}
        months.append({"month": month, "articles": n, **shares})
        for k, f in enumerate(FIELDS):
            cells.append({"x": i * width, "y": k * CELL, "field": f, "share": shares[f], "month": month,
                          "articles": n, "shade": round(95 - 65 * shares[f])})
        totals = [t + c for t, c in zip(totals, counts)]
    overall = {f: (totals[k + 1] / totals[0] if totals[0] else 0.0) for k, f in enumerate(FIELDS)}
    return {"months": months, "cells": cells, "width": max(len(months), 1) * width, "cell_width": width,
            "cell_height": CELL, "height": len(FIELDS) * CELL, "overall": overall}


def bars_svg(chart: dict, label: str) -> Markup:
    """:func:`bars` as an SVG image (``label``: what it shows, for screen readers); each bar
    says its period and count as a tooltip."""
    unit = chart["unit"]
    rects = "".join(
        f'<rect class="bar" x="{b["x"]}" y="{b["y"]}" width="{b["width"]}" height="{b["height"]}">'
        f'<title>{unit} of {b["label"]}: {b["count"]}</title></rect>' for b in chart["bars"])
    return Markup(f'<svg class="rr-bars" width="{chart["width"]}" height="{chart["height"]}" '
                  f'viewBox="0 0 {chart["width"]} {chart["height"]}" role="img" aria-label="{escape(label)}">'
                  f"{rects}</svg>")


LEGEND_WIDTH = 50  # px left of a coverage strip for the field names


def coverage_svg(strip: dict, label: str) -> Markup:
    """:func:`coverage_strip` as an SVG image: a row per field, a cell per month, whose
    tooltip gives the month, the field's share and the month's articles."""
    w, h = strip["cell_width"], strip["cell_height"]
    names = "".join(f'<text x="0" y="{i * h + h - 3}" font-size="11">{f}</text>' for i, f in enumerate(FIELDS))
    cells = "".join(
        f'<rect x="{c["x"] + LEGEND_WIDTH}" y="{c["y"]}" width="{max(w - 1, 2)}" height="{h - 1}" '
        f'fill="hsl(210, 60%, {c["shade"]}%)"><title>{escape(c["month"] or "")} {c["field"]}: {100 * c["share"]:.0f} % '
        f'of {c["articles"]}</title></rect>' for c in strip["cells"])
    width = strip["width"] + LEGEND_WIDTH
    return Markup(f'<svg class="rr-coverage" width="{width}" height="{strip["height"]}" '
                  f'viewBox="0 0 {width} {strip["height"]}" role="img" aria-label="{escape(label)}">'
                  f"{names}{cells}</svg>")


def coverage_table(strip: dict) -> Markup:
    """:func:`coverage_strip` as an HTML table, newest month first."""
    rows = "".join(
        f'<tr><td>{escape(m["month"] or "")}</td><td class="num">{m["articles"]}</td>'
        + "".join(f'<td class="num">{100 * m[f]:.0f} %</td>' for f in FIELDS) + "</tr>"
        for m in reversed(strip["months"]))
    return Markup('<table class="rr-table"><tr><th>month</th><th>articles</th>'
                  + "".join(f"<th>{f}</th>" for f in FIELDS) + f"</tr>{rows}</table>")
