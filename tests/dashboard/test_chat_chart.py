"""The PNG /stats attaches: a valid image whose bars have the heights of the numbers."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date

import pytest

from pyclawrouter.dashboard import chat_chart
from pyclawrouter.dashboard.charts import DayPoint
from pyclawrouter.dashboard.png import Canvas
from tests.dashboard.png_reader import read_png
from tests.support.browser import BrowserPage


def bar_height(rows: list[bytes], color: tuple[int, int, int], x_from: int, x_to: int) -> int:
    """How many rows have ``color`` somewhere between columns x_from..x_to."""
    pixel = bytes(color)
    return sum(1 for row in rows if any(row[3 * x:3 * x + 3] == pixel for x in range(x_from, x_to)))


def test_bars_are_proportional_to_spend_and_savings() -> None:
    points = [DayPoint("2026-12-01", 0.01, 0.04), DayPoint("2026-12-02", 0.005, 0.0)]
    width, height, rows = read_png(chat_chart.spend_chart_png(points, "last 2 days"))
    assert (width, height) == (chat_chart.WIDTH, chat_chart.HEIGHT)
    middle = (chat_chart.PLOT_LEFT + chat_chart.PLOT_RIGHT) // 2
    plot_h = chat_chart.PLOT_BOTTOM - chat_chart.PLOT_TOP  # the axis tops out at $0.05 (round, above 0.04)
    first_spent = bar_height(rows[chat_chart.PLOT_TOP:], chat_chart.SPENT, chat_chart.PLOT_LEFT, middle)
    second_spent = bar_height(rows[chat_chart.PLOT_TOP:], chat_chart.SPENT, middle, chat_chart.PLOT_RIGHT)
    first_saved = bar_height(rows[chat_chart.PLOT_TOP:], chat_chart.SAVED, chat_chart.PLOT_LEFT, middle)
    assert first_spent == pytest.approx(plot_h * 0.01 / 0.05, abs=1)
    assert second_spent == pytest.approx(plot_h * 0.005 / 0.05, abs=1)
    assert first_saved == pytest.approx(plot_h * 0.04 / 0.05, abs=1)
    assert bar_height(rows[chat_chart.PLOT_TOP:], chat_chart.SAVED, middle, chat_chart.PLOT_RIGHT) == 0


def test_points_fill_the_days_without_requests() -> None:
    daily = [{"date": "2026-11-30", "totalCost": 0.5, "totalSavings": 1.5}]
    points = chat_chart.points_for_period(daily, 3, date(2026, 12, 1))
    assert points == [DayPoint("2026-11-29", 0, 0), DayPoint("2026-11-30", 0.5, 1.5), DayPoint("2026-12-01", 0, 0)]


def test_canvas_clips_and_rejects_empty_sizes() -> None:
    canvas = Canvas(4, 3, (0, 0, 0))
    canvas.fill_rect(-5, -5, 7, 7, (255, 0, 0))  # only the top-left 2x2 is inside
    assert canvas.pixel(1, 1) == (255, 0, 0) and canvas.pixel(2, 2) == (0, 0, 0)
    _, _, rows = read_png(canvas.to_png())
    assert rows[0][:6] == bytes((255, 0, 0, 255, 0, 0)) and rows[2] == bytes(12)
    with pytest.raises(ValueError, match="positive size"):
        Canvas(0, 10, (0, 0, 0))


def test_chromium_decodes_the_chart(open_browser_page: Callable[..., BrowserPage]) -> None:
    points = [DayPoint("2026-12-01", 0.02, 0.03), DayPoint("2026-12-02", 0.01, 0.0)]
    uri = chat_chart.data_uri(chat_chart.spend_chart_png(points, "last 2 days"))
    assert base64.b64decode(uri.split(",", 1)[1]).startswith(b"\x89PNG")
    browser = open_browser_page()
    browser.page.set_content(f'<img id="chart" src="{uri}">')
    # A pixel just above the baseline inside the first day's spend bar (the group is half the plot wide).
    x = round(chat_chart.PLOT_LEFT + (chat_chart.PLOT_RIGHT - chat_chart.PLOT_LEFT) / 2 * 0.1 + 2)
    y = chat_chart.PLOT_BOTTOM - 2
    size = browser.page.evaluate("""async ([x, y]) => {
        const img = document.getElementById('chart');
        await img.decode();
        const c = document.createElement('canvas');
        c.width = img.naturalWidth; c.height = img.naturalHeight;
        const g = c.getContext('2d'); g.drawImage(img, 0, 0);
        return [img.naturalWidth, img.naturalHeight, Array.from(g.getImageData(x, y, 1, 1).data.slice(0, 3))];
    }""", [x, y])
    assert size == [chat_chart.WIDTH, chat_chart.HEIGHT, list(chat_chart.SPENT)]
    browser.assert_no_console_errors()
