"""The files OpenClaw loads are what ``python -m pyclawrouter.openclaw.generate`` writes from the Python sources:
the manifest from the config schema, constants.js's shared constants and command table from the registry, and
catalog.js's static model rows from the routing catalog."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pyclawrouter import paths
from pyclawrouter.commands import registry
from pyclawrouter.openclaw import generate
from pyclawrouter.openclaw.manifest import ENTRY

ROOT = Path(__file__).resolve().parents[2]


def test_the_checkout_is_up_to_date() -> None:
    # If this fails: run `python -m pyclawrouter.openclaw.generate` and commit what it wrote.
    assert generate.stale(generate.expected(ROOT)) == []


def test_a_changed_command_makes_constants_js_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    wallet = registry.COMMANDS["wallet"]
    monkeypatch.setitem(registry.COMMANDS, "wallet", dataclasses.replace(wallet, reply_timeout_s=45.0))
    assert generate.stale(generate.expected(ROOT)) == [ROOT / generate.CONSTANTS_MODULE]
    assert '"timeoutMs": 45000' in generate.shim_constants()


def test_constants_js_commands_are_the_registry() -> None:
    block = generate.shim_constants()
    table = block[block.index("export const COMMANDS = ") + len("export const COMMANDS = ") : block.index("};") + 1]
    commands = json.loads(re.sub(r",\n}$", "\n}", table))  # the table is JSON but for a trailing comma
    assert list(commands) == list(registry.COMMANDS)
    for name, spec in registry.COMMANDS.items():
        assert commands[name] == {
            "description": spec.description,
            "acceptsArgs": spec.accepts_args,
            "requireAuth": spec.require_auth,
            "exposeSenderIsOwner": spec.exposes_owner,
            "timeoutMs": round(spec.reply_timeout_s * 1000),
        }
    assert commands["wallet"]["exposeSenderIsOwner"] and not commands["stats"]["requireAuth"]
    assert f"export const COMMAND_TOKEN_FILE = {json.dumps(paths.COMMAND_TOKEN_FILE)};" in block


def _copy_checkout(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    (root / "plugin").mkdir(parents=True)
    for name in ("pyproject.toml", "openclaw.plugin.json", "package.json", ENTRY, generate.CONSTANTS_MODULE,
                 generate.CATALOG_MODULE):
        shutil.copy(ROOT / name, root / name)
    return root


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pyclawrouter.openclaw.generate", *args],
                          capture_output=True, text=True, check=False)


def test_check_names_a_hand_edit_and_the_command_repairs_it(tmp_path: Path) -> None:
    root = _copy_checkout(tmp_path)
    constants = root / generate.CONSTANTS_MODULE
    constants.write_text(constants.read_text().replace('"timeoutMs": 30000', '"timeoutMs": 5'), encoding="utf-8")
    (root / "openclaw.plugin.json").write_text("{}\n", encoding="utf-8")

    check = _run("--check", "--root", str(root))
    assert check.returncode == 1
    assert "plugin/constants.js is out of date" in check.stderr
    assert "openclaw.plugin.json is out of date" in check.stderr
    assert '"timeoutMs": 5' in constants.read_text()  # --check changes nothing

    fix = _run("--root", str(root))
    assert fix.returncode == 0 and "wrote plugin/constants.js" in fix.stdout
    assert constants.read_text() == (ROOT / generate.CONSTANTS_MODULE).read_text()
    assert (root / "openclaw.plugin.json").read_text() == (ROOT / "openclaw.plugin.json").read_text()
    assert _run("--check", "--root", str(root)).returncode == 0


def test_lost_markers_and_a_wrong_root_are_clear_errors(tmp_path: Path) -> None:
    root = _copy_checkout(tmp_path)
    constants = root / generate.CONSTANTS_MODULE
    constants.write_text(constants.read_text().replace(generate.END, "// the end"), encoding="utf-8")
    lost = _run("--check", "--root", str(root))
    assert lost.returncode == 1 and "lost the lines that mark its generated block" in lost.stderr
    assert "Traceback" not in lost.stderr

    nowhere = _run("--root", str(tmp_path / "nothing-here"))
    assert nowhere.returncode == 1 and "is not a pyclawrouter checkout" in nowhere.stderr


def test_catalog_js_static_rows_are_the_shipped_catalog() -> None:
    from pyclawrouter.openclaw.provider_block import model_rows
    from pyclawrouter.routing.catalog import default_catalog

    block = generate.static_models()
    rows = [json.loads(line.strip().rstrip(",")) for line in block.splitlines() if line.startswith("  {")]
    assert rows == model_rows()
    assert [r["id"] for r in rows[:4]] == ["auto", "eco", "premium", "free"]
    assert {r["id"] for r in rows[4:]} == set(default_catalog().models)
