"""The SVG charts are valid XML and carry the numbers they draw."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from pyclawrouter.dashboard import charts
from pyclawrouter.dashboard.fmt import money

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert "style" not in svg  # the page's CSP forbids inline styles: colours come from classes
    return root


def titles(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}title")]


def test_daily_chart_has_a_bar_pair_per_day_with_exact_values() -> None:
    points = [charts.DayPoint("2026-12-01", 0.0012, 0.034), charts.DayPoint("2026-12-02", 0.5, 1.25)]
    root = parse(charts.daily_chart(points))
    rects = list(root.iter(f"{SVG}rect"))
    assert [r.get("class") for r in rects] == ["spent", "saved", "spent", "saved"]
    assert "2026-12-01 spent $0.001200" in titles(root)
    assert "2026-12-02 saved $1.2500" in titles(root)
    # The axis tops out at $2 (the round value above 1.25): the tallest bar is 1.25/2 of the plot height.
    heights = [float(r.get("height", "0")) for r in rects]
    assert max(heights) == pytest.approx((180 - 10 - 20) * 1.25 / 2, abs=0.1)
    axis = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "axis"]
    assert "$2.0000" in axis and "12-02" in axis
    assert "spent $0.5012" in (root.get("aria-label") or "")


def test_daily_chart_labels_a_month_without_crowding() -> None:
    points = [charts.DayPoint(f"2026-11-{d:02d}", 0.0, 0.0) for d in range(1, 31)]
    root = parse(charts.daily_chart(points))
    dates = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "axis" and "-" in (t.text or "")]
    assert 1 < len(dates) <= 8 and dates[-1] == "11-30"  # the newest day is always labelled


def test_bar_chart_escapes_labels_and_draws_the_cap() -> None:
    rows = [charts.BarRow("<script>", 0.25, "$0.2500 of $0.5000"), charts.BarRow("b&c", 0.5, "full", "over")]
    svg = charts.bar_chart(rows, label="sessions", scale_to=0.5, marker=0.5, marker_text="cap $0.50")
    root = parse(svg)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "<script>: $0.2500 of $0.5000" in titles(root)
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") in ("bar", "over")]
    assert float(bars[1].get("width", "0")) == pytest.approx(2 * float(bars[0].get("width", "0")), abs=0.2)
    (line,) = root.iter(f"{SVG}line")
    assert line.get("class") == "marker"


def test_empty_bar_chart_says_so() -> None:
    root = parse(charts.bar_chart([], label="nothing"))
    assert [t.text for t in root.iter(f"{SVG}text")] == ["nothing yet"]


@pytest.mark.parametrize(("value", "top"), [(0, 1.0), (0.0012, 0.002), (0.003, 0.005), (0.02, 0.02), (7, 10)])
def test_axis_tops_are_round(value: float, top: float) -> None:
    assert charts.nice_ceiling(value) == pytest.approx(top)


@pytest.mark.parametrize(("value", "text"), [(0, "$0"), (0.000312, "$0.000312"), (0.0123, "$0.0123"),
                                             (12.5, "$12.5000"), (1234.5, "$1,234.50"), (-0.02, "-$0.0200")])
def test_money(value: float, text: str) -> None:
    assert money(value) == text
