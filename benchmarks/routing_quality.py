#!/usr/bin/env python3
"""Routing quality on RouteLLM's labelled prompts: APGR and CPT(x %) for GSM8K and MMLU.

Rank the prompts by the router's difficulty score (RoutingDecision.difficulty: complexity, and at least COMPLEX
for requests past the reasoning threshold), send the top k % to the strong model and the rest to the weak one,
and sweep k from 0 to 100 %:

    PGR(k)   = (accuracy(k) - weak accuracy) / (strong accuracy - weak accuracy)
    APGR     = area under PGR against the strong-call share (random routing gives ~0.5)
    CPT(x %) = the smallest strong-call share whose PGR reaches x %

Ties are broken randomly and the metrics averaged over 5 seeds. The stored baselines (random, prompt length,
ClawRouter's score, LiteLLM's heuristics) are computed the same way on the same rows.

    python benchmarks/routing_quality.py [--data PATH] [--json]

Default data: <repo>/../shared/routellm-labels/prompts_labeled_dev.jsonl.gz. Run by hand; not part of CI.

With ``--labels FILE...`` it scores our own labelled tier sets instead (``tests/data/tier_labels*.jsonl``: one
``{"tier", "lang", "prompt"}`` per line, optionally ``"kind"``): the share of prompts routed to the labelled
tier, bare and wrapped in OpenClaw's request shape (first turn with its Runtime trailer, and a later turn), with
the accuracy per tier, per language and per kind, and the prompts it missed bare (``--misses``).

    python benchmarks/routing_quality.py --labels tests/data/tier_labels_reasoning_wording.jsonl [--misses]
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pyclawrouter.router import route

REPO = Path(__file__).resolve().parent.parent
OPENCLAW_TRAFFIC = REPO / "tests" / "data" / "openclaw"
SHAPES = ("bare", "openclaw-first-turn", "openclaw-later-turn")
DEFAULT_DATA = REPO.parent / "shared" / "routellm-labels" / "prompts_labeled_dev.jsonl.gz"
SEEDS = (0, 1, 2, 3, 4)
TIER_RANK = {"SIMPLE": 0, "AMBIGUOUS": 1, "MEDIUM": 1, "COMPLEX": 2, "REASONING": 3}

Row = dict[str, Any]


def metrics(rows: Sequence[Row], scores: Sequence[float]) -> tuple[float, float, float]:
    """Mean APGR, CPT(50 %) and CPT(80 %) over the tie-breaking seeds."""
    n = len(rows)
    weak = [1.0 if r["weak_correct"] else 0.0 for r in rows]
    strong = [1.0 if r["strong_correct"] else 0.0 for r in rows]
    weak_acc, strong_acc = sum(weak) / n, sum(strong) / n
    gap = strong_acc - weak_acc
    results = []
    for seed in SEEDS:
        rng = random.Random(seed)
        tiebreak = [rng.random() for _ in range(n)]
        order = sorted(range(n), key=lambda i: (-scores[i], tiebreak[i]))
        correct = sum(weak)
        pgr = [0.0]
        for i in order:  # move prompts to the strong model, hardest first
            correct += strong[i] - weak[i]
            pgr.append((correct / n - weak_acc) / gap)
        apgr = sum((pgr[k] + pgr[k + 1]) / 2 for k in range(n)) / n
        cpt = [next(k for k, p in enumerate(pgr) if p >= x) / n for x in (0.5, 0.8)]
        results.append((apgr, *cpt))
    return tuple(sum(col) / len(col) for col in zip(*results, strict=True))  # type: ignore[return-value]


def our_scores(rows: Sequence[Row]) -> tuple[list[float], collections.Counter[str], float]:
    scores, tiers = [], collections.Counter[str]()
    started = time.perf_counter()
    for row in rows:
        decision = route({"model": "auto", "messages": [{"role": "user", "content": row["prompt"]}]})
        scores.append(decision.difficulty)
        tiers[decision.tier] += 1
    return scores, tiers, (time.perf_counter() - started) / len(rows)


BASELINES: dict[str, Callable[[Row], float]] = {
    "random": lambda r: 0.0,
    "prompt length (chars)": lambda r: float(len(r["prompt"])),
    "ClawRouter rules score": lambda r: float(r["clawrouter_score"]),
    "LiteLLM heuristic v1 score": lambda r: float(r["litellm_v1_score"]),
    "LiteLLM heuristic v2 tier": lambda r: float(TIER_RANK[r["litellm_v2_tier"]]),
}


def shaped(prompt: str, shape: str) -> dict[str, Any]:
    """``prompt`` as a client sends it: bare, or inside a recorded OpenClaw request (47 KB system prompt, 11
    tools, timestamp prefix, Runtime trailer on the first turn, internal-context block as the last message)."""
    if shape == "bare":
        return {"model": "auto", "messages": [{"role": "user", "content": prompt}]}
    first = shape == "openclaw-first-turn"
    body: dict[str, Any] = json.loads((OPENCLAW_TRAFFIC / f"openclaw-chat-{1 if first else 2}.json").read_text())
    if first:
        original: str = body["messages"][1]["content"]
        trailer = original[original.index("\n\nRuntime: ") :]
        body["messages"][1]["content"] = f"[Thu 2026-11-26 01:32 UTC] {prompt}{trailer}"
    else:
        body["messages"][3]["content"] = f"[Thu 2026-11-26 01:32 UTC] {prompt}"
    return body


def label_report(rows: Sequence[Row]) -> dict[str, Any]:
    """Accuracy on a labelled tier set per request shape, and broken down (bare) by tier, language and kind."""
    report: dict[str, Any] = {"prompts": len(rows)}
    got: dict[str, list[str]] = {shape: [route(shaped(r["prompt"], shape)).tier for r in rows] for shape in SHAPES}
    for shape in SHAPES:
        report[shape] = round(sum(g == r["tier"] for g, r in zip(got[shape], rows, strict=True)) / len(rows), 3)
    for field in ("tier", "lang", "kind"):
        groups: dict[str, list[bool]] = collections.defaultdict(list)
        for g, r in zip(got["bare"], rows, strict=True):
            if field in r:
                groups[str(r[field])].append(g == r["tier"])
        report[f"by_{field}"] = {k: f"{sum(v)}/{len(v)}" for k, v in sorted(groups.items())}
    report["misses"] = [f"{r['tier']}->{g} [{r['lang']}] {r['prompt'][:90]}"
                        for g, r in zip(got["bare"], rows, strict=True) if g != r["tier"]]
    return report


def labels_main(paths: Sequence[Path], *, as_json: bool, misses: bool) -> int:
    reports = {}
    for path in paths:
        with path.open(encoding="utf-8") as f:
            reports[path.name] = label_report([json.loads(line) for line in f if line.strip()])
    if as_json:
        print(json.dumps(reports, indent=2, ensure_ascii=False))
        return 0
    for name, rep in reports.items():
        print(f"\n{name} ({rep['prompts']} prompts): " + ", ".join(f"{shape} {rep[shape]:.1%}" for shape in SHAPES))
        for field in ("tier", "lang", "kind"):
            if rep[f"by_{field}"]:
                print(f"  by {field}: " + ", ".join(f"{k} {v}" for k, v in rep[f"by_{field}"].items()))
        if misses:
            print("\n".join(f"    {line}" for line in rep["misses"]))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"labelled prompts (default {DEFAULT_DATA})")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--labels", type=Path, nargs="+", help="score these labelled tier sets (.jsonl) instead")
    parser.add_argument("--misses", action="store_true", help="with --labels: list the prompts routed elsewhere")
    args = parser.parse_args(argv)
    if args.labels:
        return labels_main(args.labels, as_json=args.json, misses=args.misses)
    if not args.data.exists():
        print(f"error: {args.data} not found; pass --data PATH", file=sys.stderr)
        return 2
    with gzip.open(args.data, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]

    report: dict[str, Any] = {}
    for src in ("gsm8k", "mmlu"):
        subset = [r for r in rows if r["src"] == src]
        scores, tiers, per_call = our_scores(subset)
        table = {"pyclawrouter difficulty": metrics(subset, scores)}
        for name, baseline in BASELINES.items():
            table[name] = metrics(subset, [baseline(r) for r in subset])
        mix = {t: round(100 * tiers[t] / len(subset), 1) for t in TIER_RANK if t != "AMBIGUOUS"}
        report[src] = {"rows": len(subset), "tier_mix_pct": mix, "route_us": round(per_call * 1e6, 1), "table": table}

    # MT-Bench (first turns, judged 1-10): how much better the strong model scored, by the tier we picked.
    gaps: dict[str, list[float]] = collections.defaultdict(list)
    for row in (r for r in rows if r["src"] == "mtbench"):
        decision = route({"model": "auto", "messages": [{"role": "user", "content": row["prompt"]}]})
        gaps[decision.tier].append(row["strong_score"] - row["weak_score"])
    report["mtbench_strong_minus_weak_by_tier"] = {
        tier: {"prompts": len(gaps[tier]), "mean_gap": round(sum(gaps[tier]) / len(gaps[tier]), 2)}
        for tier in TIER_RANK
        if gaps.get(tier)
    }

    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    for src in ("gsm8k", "mmlu"):
        part = report[src]
        print(
            f"\n{src.upper()} ({part['rows']} prompts; our tier mix S/M/C/R % = {part['tier_mix_pct']}; "
            f"route() {part['route_us']} us/prompt)"
        )
        print(f"  {'router':28} {'APGR':>6} {'CPT(50%)':>9} {'CPT(80%)':>9}")
        for name, (apgr, cpt50, cpt80) in part["table"].items():
            print(f"  {name:28} {apgr:6.3f} {cpt50:9.1%} {cpt80:9.1%}")
    mt = report["mtbench_strong_minus_weak_by_tier"]
    print(
        "\nMT-Bench judge-score lead of the strong model, by our tier: "
        + ", ".join(f"{tier} {v['mean_gap']:+.2f} (n={v['prompts']})" for tier, v in mt.items())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
