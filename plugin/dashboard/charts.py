"""Server-side SVG charts: pure functions from numbers to an ``<svg>`` string, no JavaScript, no CDN.

Drawn 320 units wide, about a phone's width inside the page's margins, so text stays readable when the page
scales them down to a phone and up to a desktop (``viewBox`` + ``width: 100%`` in the stylesheet). Colours
come from CSS classes, never ``style`` attributes: the page's Content-Security-Policy forbids inline styles.
Every bar has a ``<title>`` with its exact numbers (a tooltip, and what a screen reader says).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from pyclawrouter.dashboard.fmt import money

WIDTH = 320
_LEFT = 50  # room for the y-axis money labels
_RIGHT = 6
_TOP = 10
_BOTTOM = 20
_MAX_X_LABELS = 7


@dataclass(frozen=True)
class DayPoint:
    day: str  # YYYY-MM-DD
    spent: float
    saved: float


@dataclass(frozen=True)
class BarRow:
    label: str
    value: float
    value_text: str
    css_class: str = "bar"


def _svg(height: float, label: str, body: list[str], kind: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:g}" role="img" '
            f'aria-label="{escape(label)}" class="chart {kind}">' + "".join(body) + "</svg>")


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above ``value`` (axis tops people can read)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        top = step * 10.0**exponent
        if top >= value * (1 - 1e-9):
            return top
    return 10.0 ** (exponent + 1)


def daily_chart(points: Sequence[DayPoint], *, height: float = 180) -> str:
    """Spend and savings per day as paired bars (spend left, savings right)."""
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    top = nice_ceiling(max([p.spent for p in points] + [max(p.saved, 0.0) for p in points] + [0.0]))
    body = []
    for fraction in (0.0, 0.5, 1.0):
        y = _TOP + plot_h * (1 - fraction)
        body.append(f'<line class="grid" x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        body.append(f'<text class="axis" x="{_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">'
                    f"{escape(money(top * fraction))}</text>")
    n = max(len(points), 1)
    group = plot_w / n
    bar = max(group * 0.38, 0.5)
    every = math.ceil(n / _MAX_X_LABELS)
    for i, point in enumerate(points):
        x0 = _LEFT + i * group + group * 0.1
        for j, (kind, value) in enumerate((("spent", point.spent), ("saved", point.saved))):
            h = plot_h * max(value, 0.0) / top
            body.append(f'<rect class="{kind}" x="{x0 + j * bar:.1f}" y="{_TOP + plot_h - h:.1f}" '
                        f'width="{bar:.1f}" height="{h:.1f}"><title>{escape(point.day)} {kind} '
                        f"{escape(money(value))}</title></rect>")
        if (n - 1 - i) % every == 0:
            body.append(f'<text class="axis" x="{_LEFT + (i + 0.5) * group:.1f}" y="{height - 5:g}" '
                        f'text-anchor="middle">{escape(point.day[5:])}</text>')
    total_spent, total_saved = sum(p.spent for p in points), sum(p.saved for p in points)
    label = f"Spend and savings per day: spent {money(total_spent)}, saved {money(total_saved)}"
    return _svg(height, label, body, "daily")


def bar_chart(rows: Sequence[BarRow], *, label: str, scale_to: float | None = None,
              marker: float | None = None, marker_text: str = "") -> str:
    """Horizontal bars, one per row: the label, the bar, the value under it (own lines, so a long model name
    never runs into its numbers on a narrow screen).

    ``scale_to`` fixes the full width (e.g. the spend cap), else the largest value fills it; ``marker`` draws a
    vertical line at that value (the cap).
    """
    row_h, bar_h = 46, 10
    height = max(len(rows), 1) * row_h + 6
    full = max([scale_to or 0.0, marker or 0.0] + [r.value for r in rows])
    full = full if full > 0 else 1.0
    plot_w = WIDTH - 2 * _RIGHT
    body = []
    if not rows:
        body.append(f'<text class="empty" x="{WIDTH / 2:g}" y="22" text-anchor="middle">nothing yet</text>')
    for i, row in enumerate(rows):
        y = i * row_h + 4
        width = plot_w * max(row.value, 0.0) / full
        body.append(f'<text class="label" x="{_RIGHT}" y="{y + 12}">{escape(row.label)}</text>')
        body.append(f'<text class="value" x="{_RIGHT}" y="{y + 40}">{escape(row.value_text)}</text>')
        body.append(f'<rect class="track" x="{_RIGHT}" y="{y + 17}" width="{plot_w}" height="{bar_h}"/>')
        body.append(f'<rect class="{escape(row.css_class)}" x="{_RIGHT}" y="{y + 17}" width="{width:.1f}" '
                    f'height="{bar_h}"><title>{escape(row.label)}: {escape(row.value_text)}</title></rect>')
    if marker is not None and rows:
        x = _RIGHT + plot_w * marker / full
        body.append(f'<line class="marker" x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{height}">'
                    f"<title>{escape(marker_text)}</title></line>")
    return _svg(height, label, body, "bars")
