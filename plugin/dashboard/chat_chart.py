"""The picture ``/stats`` attaches in chat: spend and savings per day over the period, as a PNG.

Same reading as the dashboard's daily chart (paired bars, spend left, savings right, a round axis top), drawn
on :class:`~pyclawrouter.dashboard.png.Canvas` so it needs no imaging library.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from pyclawrouter.dashboard.charts import DayPoint, nice_ceiling
from pyclawrouter.dashboard.fmt import money
from pyclawrouter.dashboard.png import Canvas, Color
from pyclawrouter.usage.stats import num

WIDTH, HEIGHT = 640, 320
BACKGROUND: Color = (255, 255, 255)
INK: Color = (15, 23, 42)
MUTED: Color = (100, 116, 139)
GRID: Color = (226, 232, 240)
SPENT: Color = (37, 99, 235)
SAVED: Color = (22, 163, 74)
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 130, WIDTH - 16, 76, HEIGHT - 40
_MAX_X_LABELS = 7


def points_for_period(daily: Sequence[Mapping[str, Any]], days: int, today: date) -> list[DayPoint]:
    """Every day of the period from ``Stats.to_json()["dailyBreakdown"]``, days without requests as zeros."""
    by_day = {str(d.get("date")): d for d in daily}
    points = []
    for offset in range(days - 1, -1, -1):
        day = (today - timedelta(days=offset)).isoformat()
        entry = by_day.get(day, {})
        points.append(DayPoint(day, num(entry.get("totalCost")), num(entry.get("totalSavings"))))
    return points


def spend_chart_png(points: Sequence[DayPoint], period: str) -> bytes:
    canvas = Canvas(WIDTH, HEIGHT, BACKGROUND)
    canvas.text(16, 14, f"Spend and savings, {period}", INK)
    x = 16.0
    for label, color, total in (("spent", SPENT, sum(p.spent for p in points)),
                                ("saved", SAVED, sum(p.saved for p in points))):
        canvas.fill_rect(x, 42, 14, 14, color)
        x = canvas.text(x + 20, 42, f"{label} {money(total)}", INK) + 24
    top = nice_ceiling(max([p.spent for p in points] + [max(p.saved, 0.0) for p in points] + [0.0]))
    plot_h = PLOT_BOTTOM - PLOT_TOP
    for fraction in (0.0, 0.5, 1.0):
        y = PLOT_BOTTOM - plot_h * fraction
        canvas.fill_rect(PLOT_LEFT, y, PLOT_RIGHT - PLOT_LEFT, 1, GRID)
        label = money(top * fraction)
        canvas.text(PLOT_LEFT - 10 - Canvas.text_width(label), y - 7, label, MUTED)
    n = max(len(points), 1)
    group = (PLOT_RIGHT - PLOT_LEFT) / n
    bar = max(group * 0.38, 1.0)
    every = math.ceil(n / _MAX_X_LABELS)
    for i, point in enumerate(points):
        x0 = PLOT_LEFT + i * group + group * 0.1
        for j, (value, color) in enumerate(((point.spent, SPENT), (max(point.saved, 0.0), SAVED))):
            h = plot_h * value / top
            if value > 0:
                h = max(h, 1.0)  # a tiny amount still shows as a line, not as nothing
            canvas.fill_rect(x0 + j * bar, PLOT_BOTTOM - h, bar, h, color)
        if (n - 1 - i) % every == 0:
            label = point.day[5:]
            centre = PLOT_LEFT + (i + 0.5) * group
            canvas.text(centre - Canvas.text_width(label) / 2, PLOT_BOTTOM + 12, label, MUTED)
    return canvas.to_png()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
