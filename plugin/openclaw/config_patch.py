"""Changing ``openclaw.json`` through ``openclaw config patch`` in writes that OpenClaw accepts.

OpenClaw refuses a CLI config write that leaves less than half of ``openclaw.json`` (its "size-drop" check). A
small config whose largest part is our provider block (a block written before the catalog hooks lists every
model) cannot lose that block in one write: these helpers shorten its model list in steps and merge the rest
into as few writes as the check allows, because every ``openclaw`` run costs seconds.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pyclawrouter.openclaw.cli_runner import Progress, Runner, quiet, run_checked
from pyclawrouter.openclaw.document import dig
from pyclawrouter.openclaw.manifest import PROVIDER_ID

# Over one half: OpenClaw writes the file as JSON indented by 2, which is what _pretty_size measures, and the
# margin covers what it adds.
KEEP_FRACTION = 0.52


def deletion_patch(doc: Mapping[str, Any], dotted: str) -> dict[str, Any]:
    """A ``config patch`` that deletes ``dotted`` and every parent left empty by that (nothing else)."""
    parts = dotted.split(".")
    cut = len(parts)
    while cut > 1:
        parent = dig(doc, ".".join(parts[: cut - 1]))
        if not isinstance(parent, Mapping) or set(parent) != {parts[cut - 1]}:
            break
        cut -= 1
    patch: dict[str, Any] = {}
    node = patch
    for part in parts[: cut - 1]:
        node = node.setdefault(part, {})
    node[parts[cut - 1]] = None
    return patch


def _pretty_size(doc: Mapping[str, Any]) -> int:
    return len(json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8"))


def shrink_provider_models(
    run: Runner, doc: dict[str, Any], patch: Mapping[str, Any], progress: Progress = quiet
) -> None:
    """Shorten our provider's model list in steps until ``patch`` can be applied in one write.

    Only a block written before the catalog hooks needs this (every model in its list, most of a small config):
    removing or replacing that list takes a few writes that each keep over half of ``openclaw.json``."""
    provider = dig(doc, f"models.providers.{PROVIDER_ID}")
    if not isinstance(provider, dict) or not isinstance(provider.get("models"), list):
        return

    def final_size() -> int:
        after = json.loads(json.dumps(doc))
        apply_patch(after, patch)
        return _pretty_size(after)

    while provider["models"] and final_size() < _pretty_size(doc) * KEEP_FRACTION:
        models = provider["models"]
        size = _pretty_size(doc)
        keep = len(models) - 1
        for candidate in range(len(models)):
            provider["models"] = models[:candidate]
            if _pretty_size(doc) >= size * KEEP_FRACTION:
                keep = candidate
                break
        provider["models"] = models[:keep]
        progress(f"  shortening the provider's model list to {keep} models...")
        value = json.dumps(provider["models"])
        run_checked(
            run,
            ["config", "set", f"models.providers.{PROVIDER_ID}.models", value, "--strict-json", "--replace"],
            "shrinking the provider's model list",
        )


def apply_patch(doc: dict[str, Any], patch: Mapping[str, Any]) -> None:
    """``patch`` applied to ``doc`` in place, as a JSON merge patch (null deletes)."""
    for key, value in patch.items():
        if value is None:
            doc.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(doc.get(key), dict):
            apply_patch(doc[key], value)
        else:
            doc[key] = value


def _merge_patches(first: Mapping[str, Any], second: Mapping[str, Any]) -> dict[str, Any]:
    """``first`` and ``second`` as one merge patch (``batches`` keeps it only when it does what the two do)."""
    merged = dict(first)
    for key, value in second.items():
        before = merged.get(key)
        if isinstance(before, Mapping) and isinstance(value, Mapping):
            merged[key] = _merge_patches(before, value)
        elif before is None and key in merged and isinstance(value, Mapping):
            continue  # deleted as a whole by ``first``: what ``second`` deletes below it is gone already
        else:
            merged[key] = value
    return merged


def _applied(doc: Mapping[str, Any], *patches: Mapping[str, Any]) -> dict[str, Any]:
    after: dict[str, Any] = json.loads(json.dumps(doc))
    for patch in patches:
        apply_patch(after, patch)
    return after


def _fits(state: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    return _pretty_size(after) >= _pretty_size(state) * KEEP_FRACTION


def batches(doc: Mapping[str, Any], patches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``patches`` turned, in order, into as few writes as OpenClaw accepts (each keeps over half the file).

    Every ``openclaw`` run costs seconds, so each write does as much as the size check allows: whole patches
    merged while they fit, then our provider's model list shortened as far as still fits. One write for a config
    our block is a small part of; a fresh, small config takes a few."""
    state = _applied(doc)
    queue = list(patches)
    writes: list[dict[str, Any]] = []
    while queue:
        pending: dict[str, Any] = {}
        while queue:
            merged = _merge_patches(pending, queue[0])
            after = _applied(state, merged)
            if after != _applied(state, pending, queue[0]) or not _fits(state, after):
                break
            pending = merged
            queue.pop(0)
        models = dig(_applied(state, pending), f"models.providers.{PROVIDER_ID}.models")
        if queue and isinstance(models, list) and models:
            for keep in range(len(models)):
                shorter = _merge_patches(pending, {"models": {"providers": {PROVIDER_ID: {"models": models[:keep]}}}})
                if _fits(state, _applied(state, shorter)):
                    pending = shorter
                    break
        if not pending:  # nothing fits: send the next patch as it is and let OpenClaw say why it refuses
            pending = queue.pop(0)
        writes.append(pending)
        apply_patch(state, pending)
    return writes


def write_patch(run: Runner, patch: Mapping[str, Any]) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".json5", prefix="pyclawrouter-", delete=False) as handle:
        json.dump(patch, handle)
    models_path = f"models.providers.{PROVIDER_ID}.models"
    # OpenClaw refuses a patch whose list drops entries unless told the list is replaced on purpose.
    replace = ["--replace-path", models_path] if isinstance(dig(patch, models_path), list) else []
    try:
        run_checked(run, ["config", "patch", "--file", handle.name, *replace], "updating the OpenClaw config")
    finally:
        Path(handle.name).unlink(missing_ok=True)
