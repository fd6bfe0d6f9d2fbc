"""The gateway's health rows move slow or failing models to the back of a chain, never out of it."""

from __future__ import annotations

import pytest

from pyclawrouter.routing.health import (
    FAILING_ERROR_RATE,
    MIN_CALLS_24H,
    SLOW_P95_FLOOR_MS,
    ModelHealth,
    order_by_health,
    parse_health,
)


def row(model: str, *, p95: float = 2000, rate: float = 0.01, calls: int = 1000, **extra: object) -> dict[str, object]:
    return {"model": model, "latency": {"avg": p95 / 2, "p95": p95}, "errorRate24h": rate, "callCount24h": calls,
            "synthetic": False, **extra}


def health(*rows: dict[str, object]) -> dict[str, ModelHealth]:
    return parse_health({"models": list(rows)})


def test_a_failing_model_goes_to_the_back_and_stays_a_last_resort() -> None:
    rows = health(row("a", rate=0.4), row("b"), row("c"))
    result = order_by_health(["a", "b", "c"], rows)
    assert result.chain == ["b", "c", "a"] and result.demoted == ("a",)


def test_the_unhealthy_keep_their_order_behind_the_healthy() -> None:
    rows = health(row("a", rate=0.5), row("b"), row("c", rate=0.9), row("d"))
    assert order_by_health(["a", "b", "c", "d"], rows).chain == ["b", "d", "a", "c"]


def test_a_few_failed_calls_do_not_judge_a_model() -> None:
    rows = health(row("a", rate=1.0, calls=MIN_CALLS_24H - 1), row("b"))
    assert order_by_health(["a", "b"], rows).demoted == ()
    rows = health(row("a", rate=FAILING_ERROR_RATE, calls=MIN_CALLS_24H), row("b"))
    assert order_by_health(["a", "b"], rows).demoted == ("a",)


def test_a_model_far_slower_than_its_chain_goes_back_but_a_chain_of_fast_ones_is_kept() -> None:
    slow = SLOW_P95_FLOOR_MS * 2
    rows = health(row("a", p95=slow), row("b", p95=slow / 4), row("c", p95=slow / 5))
    assert order_by_health(["a", "b", "c"], rows).chain == ["b", "c", "a"]
    # slower than the others, but under the floor: not slow
    rows = health(row("a", p95=SLOW_P95_FLOOR_MS - 1), row("b", p95=100), row("c", p95=100))
    assert order_by_health(["a", "b", "c"], rows).demoted == ()
    # slow, but so is the rest of its chain (reasoning models): nothing to prefer
    rows = health(row("a", p95=slow), row("b", p95=slow * 0.9))
    assert order_by_health(["a", "b"], rows).demoted == ()


def test_synthetic_rows_and_unknown_models_change_nothing() -> None:
    rows = health(row("a", rate=0.9, synthetic=True), row("b"))
    assert "a" not in rows
    assert order_by_health(["a", "b", "z"], rows).chain == ["a", "b", "z"]


@pytest.mark.parametrize("chain", [["a"], ["a", "b"]])
def test_a_chain_with_nowhere_better_to_go_is_left_as_it_is(chain: list[str]) -> None:
    rows = health(row("a", rate=0.9), row("b", rate=0.9))
    result = order_by_health(chain, rows)
    assert result.chain == chain and result.demoted == ()


def test_bad_numbers_read_as_unknown_and_a_bad_document_is_an_error() -> None:
    rows = health({"model": "A", "latency": "fast", "errorRate24h": "high", "callCount24h": True}, {"id": ""}, 7)
    assert rows == {"a": ModelHealth("a", None, None, None)}
    assert health(row("a", rate=3.0))["a"].error_rate is None  # not a share
    with pytest.raises(ValueError):
        parse_health({"status": "ok"})
