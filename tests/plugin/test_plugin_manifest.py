"""The files OpenClaw reads match the one config schema, and the CLI answers --help and bad input cleanly."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pyclawrouter.cli import main
from pyclawrouter.config_schema import schema
from pyclawrouter.openclaw.manifest import manifest, package_json, write_plugin_dir

ROOT = Path(__file__).resolve().parents[2]


def test_repo_root_plugin_files_are_the_generated_ones() -> None:
    assert json.loads((ROOT / "openclaw.plugin.json").read_text()) == manifest()
    assert json.loads((ROOT / "package.json").read_text()) == package_json()


def test_manifest_schema_is_the_config_schema_and_strict() -> None:
    data = manifest()
    config_schema = data["configSchema"]
    assert config_schema["additionalProperties"] is False
    assert config_schema["properties"] == schema()["properties"]
    assert data["id"] == "pyclawrouter" and data["providers"] == ["blockrun"]
    assert data["activation"] == {"onStartup": True}
    assert data["contracts"] == {"usageProviders": ["blockrun"]}  # with usage.js's hooks: status --usage
    assert data["uiHints"]["walletKey"]["sensitive"] is True
    assert set(data["uiHints"]) <= set(config_schema["properties"])


def test_package_json_points_openclaw_at_the_entry_and_has_no_dependencies() -> None:
    pkg = package_json()
    assert pkg["openclaw"]["extensions"] == ["./plugin/index.js"]
    assert (ROOT / "plugin" / "index.js").is_file()
    assert "dependencies" not in pkg


def test_staged_plugin_dir_has_what_openclaw_needs(tmp_path: Path) -> None:
    write_plugin_dir(tmp_path)
    # index.js imports the other modules (service.js, usage.js, ...): every one of them must be there.
    for module in sorted(p.name for p in (ROOT / "plugin").glob("*.js")):
        assert (tmp_path / "plugin" / module).read_text() == (ROOT / "plugin" / module).read_text()
    assert {f"plugin/{p.name}" for p in (tmp_path / "plugin").iterdir()} <= set(package_json()["files"])
    assert json.loads((tmp_path / "openclaw.plugin.json").read_text())["id"] == "pyclawrouter"


def test_the_staged_entry_loads_with_only_the_staged_files(tmp_path: Path, node: str) -> None:
    # What OpenClaw does with the installed copy: import the entry; a module it imports that was not staged fails.
    entry = write_plugin_dir(tmp_path) / "plugin" / "index.js"
    script = "const m = await import(process.argv[1]); console.log(typeof m.default.register);"
    done = subprocess.run([node, "--input-type=module", "-e", script, entry.as_uri()],
                          capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, "function"), done.stderr


@pytest.mark.parametrize("argv", [["openclaw", "--help"], ["openclaw", "install", "--help"]])
def test_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    assert "usage: pyclawrouter openclaw" in capsys.readouterr().out


def test_missing_action_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["openclaw"])
    assert info.value.code == 2
    assert "ACTION" in capsys.readouterr().err


def test_missing_openclaw_binary_exits_1_with_a_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("OPENCLAW_BIN", raising=False)
    assert main(["openclaw", "install"]) == 1
    assert "`openclaw` command was not found" in capsys.readouterr().err
