"""Helper for openclaw_e2e.sh: what OpenClaw's own surfaces say about pyclawrouter, checked against the state dir.

    python usage_check.py snapshot STATUS_JSON STATE_DIR   # `openclaw status --usage --json`: balance and spend
    python usage_check.py budget STATUS_JSON STATE_DIR CAP # ... and what is left of maxCostPerRun (= CAP)
    python usage_check.py cost USAGE_COST_JSON LOGS_DIR    # `openclaw gateway usage-cost --json`: the turns' price
    python usage_check.py chart HISTORY_JSON MEDIA_DIR     # chat.history of /stats: the attached image is a PNG

Exit 0 and print one line when the check holds; exit 1 with the reason on stderr.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def blockrun_snapshot(path: str) -> dict[str, Any]:
    doc = json.loads(Path(path).read_text())
    found = [n for n in walk(doc) if isinstance(n, dict) and n.get("provider") == "blockrun" and "windows" in n]
    if not found:
        raise AssertionError(f"no blockrun snapshot in {path}: {json.dumps(doc)[:800]}")
    snapshot: dict[str, Any] = found[0]
    if snapshot.get("error"):
        raise AssertionError(f"the blockrun snapshot is an error: {snapshot['error']}")
    return snapshot


def ledger_total(state: str) -> float:
    db = sqlite3.connect(f"file:{Path(state) / 'spend-ledger.sqlite3'}?mode=ro", uri=True)
    try:
        return float(db.execute("SELECT COALESCE(SUM(amount_usd), 0) FROM payments WHERE state != 'void'")
                     .fetchone()[0])
    finally:
        db.close()


def check_snapshot(path: str, state: str) -> str:
    snapshot = blockrun_snapshot(path)
    billing = {entry["label"]: entry for entry in snapshot.get("billing", [])}
    balance = billing.get("Wallet on Base (USDC)")
    assert balance and balance["type"] == "balance" and balance["unit"] == "USD", snapshot
    assert 0 < balance["amount"] < 100, balance  # funded with 100 USDC, some of it spent
    total = ledger_total(state)
    today = billing.get("Spent today (UTC)")
    assert total > 0 and today and abs(today["amount"] - total) < 1e-9, (today, total)
    run = billing.get("Spent this run")
    assert run and 0 < run["amount"] <= total, (run, total)
    return f"status --usage: {snapshot['displayName']}: {snapshot['summary']}"


def check_budget(path: str, state: str, cap: str) -> str:
    snapshot = blockrun_snapshot(path)
    budgets = [entry for entry in snapshot.get("billing", []) if entry["type"] == "budget"]
    assert budgets and budgets[0]["limit"] == float(cap) and budgets[0]["unit"] == "USD", snapshot
    assert 0 <= budgets[0]["used"] <= ledger_total(state), budgets
    assert "left)" in snapshot["summary"], snapshot["summary"]
    return f"status --usage: {snapshot['summary']}"


def check_cost(path: str, logs: str) -> str:
    doc = json.loads(Path(path).read_text())
    totals = doc.get("totals") if isinstance(doc, dict) else None
    recorded = float(totals.get("totalCost", 0)) if isinstance(totals, dict) else 0.0
    lines = [json.loads(line) for f in Path(logs).glob("usage-*.jsonl") for line in f.read_text().splitlines() if line]
    paid = sum(float(line.get("paid", 0)) for line in lines
               if line.get("tier") != "IMAGE" and line.get("status", 200) == 200)
    if not recorded > 0:
        raise AssertionError(f"OpenClaw recorded no cost yet (totals {totals}); the agent turns paid ${paid:.6f}")
    assert recorded <= paid + 1e-9, (recorded, paid)
    same = "exactly" if abs(recorded - paid) < 1e-9 else f"of ${paid:.6f}"
    return f"usage-cost: OpenClaw recorded ${recorded:.6f} for the agent turns, {same} what the wallet paid"


def check_chart(path: str, media: str) -> str:
    doc = json.loads(Path(path).read_text())
    messages = [m for m in doc.get("messages", []) if isinstance(m, dict) and m.get("role") == "assistant"]
    assert messages, f"no assistant message in {path}"
    content = messages[-1].get("content")
    images = [part for part in content if isinstance(part, dict) and part.get("type") == "image"] \
        if isinstance(content, list) else []
    assert images, f"the /stats reply has no image part: {json.dumps(messages[-1])[:600]}"
    image = images[0]
    assert image.get("mimeType") == "image/png", image
    # OpenClaw keeps the attachment under its media directory and serves it by URL: find the file it describes.
    for file in Path(media).rglob("*.png"):
        raw = file.read_bytes()
        if len(raw) != image.get("sizeBytes") or not raw.startswith(PNG_MAGIC):
            continue
        width, height = int.from_bytes(raw[16:20], "big"), int.from_bytes(raw[20:24], "big")  # IHDR
        assert (width, height) == (image.get("width"), image.get("height")), (width, height, image)
        return f"/stats chart: a {width}x{height} PNG of {len(raw)} bytes attached to the reply ({file.name})"
    raise AssertionError(f"no PNG of {image.get('sizeBytes')} bytes under {media}: {json.dumps(image)[:400]}")


def main(argv: list[str]) -> int:
    checks = {"snapshot": check_snapshot, "budget": check_budget, "cost": check_cost, "chart": check_chart}
    try:
        print("   " + checks[argv[1]](*argv[2:]))
    except (AssertionError, KeyError, OSError, ValueError, sqlite3.Error) as exc:
        print(f"usage_check {argv[1:2]}: {exc!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
