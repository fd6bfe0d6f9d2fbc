"""Number formats shared by the page, the charts and the chat picture, so each shows a value the same way."""

from __future__ import annotations


def money(value: float) -> str:
    """USD: micropayments keep six decimals (``$0.000312``), cents four, dollars two."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value == 0:
        return "$0"
    if value >= 100:
        return f"{sign}${value:,.2f}"
    if value >= 0.01:
        return f"{sign}${value:.4f}"
    return f"{sign}${value:.6f}"


def latency(ms: float) -> str:
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def percent(fraction: float) -> str:
    return f"{100 * fraction:.1f}%"
