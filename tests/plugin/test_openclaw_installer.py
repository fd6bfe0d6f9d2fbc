"""`pyclawrouter openclaw install|uninstall|status` against a fake `openclaw` CLI that edits a real JSON file
the way OpenClaw 2026.9.6 does (including its refusal to shrink the config below half its size)."""

from __future__ import annotations

import json
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pyclawrouter.openclaw import installer, uninstall
from pyclawrouter.openclaw.cli_runner import OpenClawError, RunResult
from pyclawrouter.openclaw.document import dig
from pyclawrouter.openclaw.provider_block import PLACEHOLDER_API_KEY
from pyclawrouter.openclaw.record import RECORD_NAME
from pyclawrouter.openclaw.status import status

USER_CONFIG = {
    "meta": {"lastTouchedVersion": "2026.9.6"},
    "gateway": {"mode": "local"},
    "plugins": {"entries": {"pyclawrouter": {"config": {"maxCostPerRun": 0.5}}}},
}


class FakeOpenClaw:
    def __init__(self, root: Path, version: str = "2026.9.6") -> None:
        self.root = root
        self.config = root / "openclaw.json"
        self.version = version
        self.calls: list[list[str]] = []

    def doc(self) -> dict[str, Any]:
        return json.loads(self.config.read_text()) if self.config.exists() else {}

    def _write(self, doc: dict[str, Any]) -> RunResult:
        text = json.dumps(doc, indent=2)
        before = self.config.stat().st_size if self.config.exists() else 0
        if before >= 512 and len(text) < before // 2:
            return RunResult(1, "", f"Config write rejected: {self.config} (size-drop:{before}->{len(text)})")
        block = doc.get("models", {}).get("providers", {}).get("blockrun")
        if isinstance(block, dict) and "models" not in block:
            return RunResult(1, "", "Config validation failed: models.providers.blockrun.models: custom model "
                             "providers must declare models")
        self.config.write_text(text)
        return RunResult(0, "Updated", "")

    def __call__(self, args: Sequence[str]) -> RunResult:
        args = list(args)
        self.calls.append(args)
        if args == ["--version"]:
            return RunResult(0, f"OpenClaw {self.version} (eb377ac)\n", "")
        doc = self.doc()
        if args[:2] == ["plugins", "install"]:
            stage = Path(args[2])
            assert {"--force", "--accept-capabilities"} <= set(args)
            manifest = json.loads((stage / "openclaw.plugin.json").read_text())
            assert (stage / "plugin" / "index.js").is_file() and (stage / "package.json").is_file()
            (self.root / "extensions" / manifest["id"]).mkdir(parents=True, exist_ok=True)
            (self.root / "extensions" / manifest["id"] / "openclaw.plugin.json").write_text(json.dumps(manifest))
            return RunResult(0, "Installed plugin: pyclawrouter", "")
        if args[:3] == ["config", "set", "--batch-json"]:
            for op in json.loads(args[3]):
                set_path(doc, op["path"], op["value"])
            return self._write(doc)
        if args[:2] == ["config", "set"]:
            assert "--strict-json" in args and "--replace" in args
            set_path(doc, args[2], json.loads(args[3]))
            return self._write(doc)
        if args[:2] == ["config", "patch"]:
            patch = json.loads(Path(args[3]).read_text())
            replaced = {args[i + 1] for i, arg in enumerate(args) if arg == "--replace-path"}
            listed = dig(patch, "models.providers.blockrun")
            if isinstance(listed, dict) and isinstance(listed.get("models"), list):
                before = {m["id"] for m in doc["models"]["providers"]["blockrun"].get("models", [])}
                if before - {m["id"] for m in listed["models"]} and "models.providers.blockrun.models" not in replaced:
                    return RunResult(1, "", "Refusing to replace models.providers.blockrun.models; it would "
                                     "remove existing entries. Use --merge to merge by id or --replace to replace "
                                     "intentionally.")
            merge_patch(doc, patch)
            return self._write(doc)
        if args[:2] == ["plugins", "uninstall"]:
            doc["plugins"]["entries"][args[2]] = {"enabled": False}  # OpenClaw's uninstall marker
            ext = self.root / "extensions" / args[2]
            for f in ext.iterdir():
                f.unlink()
            ext.rmdir()
            self.config.write_text(json.dumps(doc, indent=2))
            return RunResult(0, "Uninstalled", "")
        raise AssertionError(f"unexpected openclaw call {args}")


def set_path(doc: dict[str, Any], dotted: str, value: object) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        doc = doc.setdefault(part, {})
    doc[leaf] = value


def merge_patch(doc: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            doc.pop(key, None)
        elif isinstance(value, dict) and isinstance(doc.get(key), dict):
            merge_patch(doc[key], value)
        else:
            doc[key] = value


@pytest.fixture
def openclaw(tmp_path: Path) -> FakeOpenClaw:
    fake = FakeOpenClaw(tmp_path / ".openclaw")
    fake.root.mkdir()
    fake.config.write_text(json.dumps(USER_CONFIG, indent=2))
    return fake


def do_install(openclaw: FakeOpenClaw, home: Path, **kw: Any) -> installer.InstallResult:
    return installer.install(
        openclaw, home=home, env={}, openclaw_config=openclaw.config, python="/venv/bin/python", **kw
    )


def test_install_writes_plugin_provider_python_and_default_model(openclaw: FakeOpenClaw, tmp_path: Path) -> None:
    result = do_install(openclaw, tmp_path / "state", port=18402)
    doc = openclaw.doc()
    entry = doc["plugins"]["entries"]["pyclawrouter"]
    assert entry == {"enabled": True, "config": {"maxCostPerRun": 0.5, "port": 18402, "python": "/venv/bin/python"}}
    provider = doc["models"]["providers"]["blockrun"]
    assert provider["baseUrl"] == "http://127.0.0.1:18402/v1" and provider["api"] == "openai-completions"
    key_file = tmp_path / "state" / "api-key"
    assert provider["apiKey"] == key_file.read_text().strip() and provider["apiKey"].startswith("pcr-")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    # Only the routing profiles: every other model comes from the plugin's catalog hooks (plugin/catalog.js).
    assert [m["id"] for m in provider["models"]] == ["auto", "eco", "premium", "free"]
    auto = provider["models"][0]
    assert auto["contextWindow"] >= 128000 and auto["maxTokens"] > 0 and "image" in auto["input"]
    assert doc["agents"]["defaults"]["model"]["primary"] == "blockrun/auto"
    assert result.set_primary and "blockrun/auto" in "\n".join(result.messages)


def test_reinstall_replaces_the_old_placeholder_key_and_keeps_the_real_one(openclaw: FakeOpenClaw,
                                                                          tmp_path: Path) -> None:
    doc = openclaw.doc()
    doc["models"] = {"providers": {"blockrun": {"baseUrl": "http://127.0.0.1:8402/v1", "api": "openai-completions",
                                                "apiKey": PLACEHOLDER_API_KEY, "models": []}}}
    openclaw.config.write_text(json.dumps(doc))  # what an install before the per-install key left behind
    do_install(openclaw, tmp_path / "state")
    key = openclaw.doc()["models"]["providers"]["blockrun"]["apiKey"]
    assert key != PLACEHOLDER_API_KEY and key == (tmp_path / "state" / "api-key").read_text().strip()
    do_install(openclaw, tmp_path / "state")
    assert openclaw.doc()["models"]["providers"]["blockrun"]["apiKey"] == key  # never replaced


def test_install_keeps_the_users_default_model(openclaw: FakeOpenClaw, tmp_path: Path) -> None:
    doc = openclaw.doc()
    doc["agents"] = {"defaults": {"model": "anthropic/claude-opus-4-6"}}  # the short string form
    openclaw.config.write_text(json.dumps(doc))
    result = do_install(openclaw, tmp_path / "state")
    assert openclaw.doc()["agents"]["defaults"]["model"] == "anthropic/claude-opus-4-6"
    assert not result.set_primary and "left as anthropic/claude-opus-4-6" in "\n".join(result.messages)


def test_install_twice_is_the_same_as_once(openclaw: FakeOpenClaw, tmp_path: Path) -> None:
    do_install(openclaw, tmp_path / "state", port=18402)
    first = openclaw.doc()
    do_install(openclaw, tmp_path / "state")  # port comes back from the recorded config
    assert openclaw.doc() == first


def do_uninstall(openclaw: FakeOpenClaw, home: Path, **kw: Any) -> list[str]:
    kw.setdefault("proxy_running", lambda port: False)
    return uninstall.uninstall(openclaw, home=home, env={}, openclaw_config=openclaw.config, **kw)


def test_uninstall_removes_only_what_install_added(openclaw: FakeOpenClaw, tmp_path: Path) -> None:
    before = openclaw.doc()
    do_install(openclaw, tmp_path / "state")
    do_install(openclaw, tmp_path / "state")
    openclaw.calls.clear()
    messages = do_uninstall(openclaw, tmp_path / "state")
    after = openclaw.doc()
    assert "models" not in after and "agents" not in after  # no empty leftovers
    assert after["gateway"] == before["gateway"] and after["meta"] == before["meta"]
    assert "pyclawrouter" not in after.get("plugins", {}).get("entries", {})  # not even OpenClaw's marker
    assert not (openclaw.root / "extensions" / "pyclawrouter").exists()
    assert any("Removed models.providers.blockrun" in m for m in messages)
    # Each `openclaw` run takes seconds: every write takes as much as OpenClaw's size check allows (each keeps
    # over half the file); an install from before the catalog hooks took 10 writes to undo on this config.
    writes = [c for c in openclaw.calls if c[:2] == ["config", "patch"]]
    assert len(writes) <= 6 and not any(c[:2] == ["config", "set"] for c in openclaw.calls)
    assert openclaw.calls[-2][:2] == ["plugins", "uninstall"]


def test_uninstall_from_a_larger_config_writes_it_once(openclaw: FakeOpenClaw, tmp_path: Path) -> None:
    doc = openclaw.doc()
    doc["agents"] = {"list": [{"id": f"agent-{n}", "workspace": f"/work/agents/agent-{n}"} for n in range(40)]}
    openclaw.config.write_text(json.dumps(doc, indent=2))
    do_install(openclaw, tmp_path / "state")
    openclaw.calls.clear()
    do_uninstall(openclaw, tmp_path / "state")
    assert [c[:2] for c in openclaw.calls] == [["--version"], ["config", "patch"], ["plugins", "uninstall"],
                                               ["config", "patch"]]
    after = openclaw.doc()
    assert "models" not in after and after["agents"] == doc["agents"]


def test_reinstall_over_a_block_that_listed_every_model_shortens_it_in_steps(openclaw: FakeOpenClaw,
                                                                             tmp_path: Path) -> None:
    from pyclawrouter.openclaw.provider_block import model_rows

    do_install(openclaw, tmp_path / "state")
    doc = openclaw.doc()
    doc["models"]["providers"]["blockrun"]["models"] = model_rows()  # what installs before the hooks wrote
    openclaw.config.write_text(json.dumps(doc, indent=2))
    do_install(openclaw, tmp_path / "state")  # one write of the short list would halve the file: refused
    models = openclaw.doc()["models"]["providers"]["blockrun"]["models"]
    assert [m["id"] for m in models] == ["auto", "eco", "premium", "free"]
    do_uninstall(openclaw, tmp_path / "state")
    assert "models" not in openclaw.doc()


def test_uninstall_restores_a_provider_block_and_default_the_user_had(openclaw: FakeOpenClaw, tmp_path: Path) -> None:
    doc = openclaw.doc()
    theirs = {"baseUrl": "http://127.0.0.1:8402/v1", "api": "openai-completions", "apiKey": "k", "models": []}
    doc["models"] = {"providers": {"blockrun": theirs}}
    doc["agents"] = {"defaults": {"model": {"primary": "blockrun/eco"}}}
    openclaw.config.write_text(json.dumps(doc))
    do_install(openclaw, tmp_path / "state")
    do_uninstall(openclaw, tmp_path / "state")
    after = openclaw.doc()
    assert after["models"]["providers"]["blockrun"] == theirs
    assert after["agents"]["defaults"]["model"]["primary"] == "blockrun/eco"


def test_too_old_openclaw_says_what_to_install(openclaw: FakeOpenClaw, tmp_path: Path) -> None:
    openclaw.version = "2026.5.4"
    with pytest.raises(OpenClawError, match=r"OpenClaw 2026\.5\.4 is too old.*2026\.9\.6 or newer.*node >= 24\.16"):
        do_install(openclaw, tmp_path / "state")
    assert openclaw.calls == [["--version"]]


def test_missing_openclaw_cli_is_a_clear_message(tmp_path: Path) -> None:
    from pyclawrouter.openclaw.cli_runner import find_openclaw

    with pytest.raises(OpenClawError, match=r"`openclaw` command was not found on PATH.*npm install -g openclaw"):
        find_openclaw(None, {"PATH": str(tmp_path)})


def test_status_reads_what_is_installed(openclaw: FakeOpenClaw, tmp_path: Path) -> None:
    assert status(home=tmp_path / "state", env={}, openclaw_config=openclaw.config)["pluginFiles"] is None
    do_install(openclaw, tmp_path / "state", port=1)
    info = status(home=tmp_path / "state", env={}, openclaw_config=openclaw.config)
    assert info["pluginFiles"] and info["pluginEnabled"] and info["installRecord"]
    assert info["providerModels"] == 4 and info["primaryModel"] == "blockrun/auto"  # the routing profiles
    assert info["pluginConfig"]["python"] == "/venv/bin/python" and info["proxyHealthy"] is False


def test_uninstall_refuses_up_front_while_the_proxy_runs(openclaw: FakeOpenClaw, tmp_path: Path) -> None:
    home = tmp_path / "state"
    do_install(openclaw, home, port=18777)
    before, calls = openclaw.config.read_text(), len(openclaw.calls)
    asked: list[int] = []
    with pytest.raises(uninstall.GatewayRunningError, match="Stop the gateway first") as info:
        do_uninstall(openclaw, home, proxy_running=lambda port: asked.append(port) or True)
    assert asked == [18777]  # the recorded port, not the default
    assert "Nothing was changed" in info.value.message
    assert openclaw.config.read_text() == before and len(openclaw.calls) == calls  # not one openclaw command
    assert (openclaw.root / "extensions" / "pyclawrouter").exists() and (home / RECORD_NAME).exists()


def test_install_and_uninstall_say_what_they_are_doing_and_leave_nothing_behind(
    openclaw: FakeOpenClaw, tmp_path: Path
) -> None:
    home = tmp_path / "state"
    lines: list[str] = []
    do_install(openclaw, home, progress=lines.append)
    assert [line.split(" (")[0].rstrip(".") for line in lines] == [
        "Checking the OpenClaw CLI",
        "Installing the plugin files into OpenClaw 2026.9.6",
        "Writing the provider block and the plugin config",
    ]
    for name in uninstall.RUNTIME_FILES:  # what a proxy run leaves in the state directory
        (home / name).write_text("x")
    lines.clear()
    do_uninstall(openclaw, home, progress=lines.append)
    assert lines[0] == "Checking the OpenClaw CLI..."
    assert any(line.startswith("Updating the OpenClaw config (1 of ") for line in lines)
    assert not any("shortening the provider's model list" in line for line in lines)
    assert lines[-1].startswith("Removing the plugin files")
    # The wallet install created stays (it holds money), and so does the API key other clients may hold (a
    # reinstall reuses it, never replaces it); nothing else of ours does.
    assert sorted(p.name for p in home.iterdir()) == ["api-key", "mnemonic", "wallet.key"]


def test_install_ends_with_the_first_run_message(openclaw: FakeOpenClaw, tmp_path: Path) -> None:
    home = tmp_path / "state"
    text = "\n".join(do_install(openclaw, home).messages)
    from pyclawrouter.wallet import load_wallet

    wallet = load_wallet(home, {})  # install created it
    assert f"Base:   {wallet.evm_address}  (fund with USDC on Base)" in text
    assert "`/wallet export`" in text and "pyclawrouter wallet export" in text
    assert "default model is blockrun/auto" in text  # install set it: nothing to do

    doc = openclaw.doc()
    doc["agents"] = {"defaults": {"model": {"primary": "openai/gpt-4o"}}}
    openclaw.config.write_text(json.dumps(doc))
    text = "\n".join(do_install(openclaw, home).messages)
    assert "(now openai/gpt-4o): `openclaw config set agents.defaults.model.primary blockrun/auto`" in text


def test_the_provider_block_lets_any_openclaw_process_start_the_proxy(openclaw: FakeOpenClaw, tmp_path: Path) -> None:
    home = tmp_path / "state"
    do_install(openclaw, home, port=18402)
    service = openclaw.doc()["models"]["providers"]["blockrun"]["localService"]
    assert service == {
        "command": "/venv/bin/python",
        "args": ["-P", "-m", "pyclawrouter", "serve", "--host", "127.0.0.1", "--port", "18402"],
        "cwd": str(home.resolve()),
        "healthUrl": "http://127.0.0.1:18402/health",
        "readyTimeoutMs": 60000,
        "idleStopMs": 0,
    }
    # The gateway's own service spawns exactly the same, so either one finds the other's proxy healthy.
    plugin = Path(__file__).parents[2] / "plugin"
    argv = '["-P", "-m", "pyclawrouter", "serve", "--host", DEFAULT_HOST, "--port", String(portOf(config))]'
    assert argv in (plugin / "service.js").read_text()
    assert 'export const DEFAULT_HOST = "127.0.0.1";' in (plugin / "constants.js").read_text()


def test_with_manage_proxy_false_no_openclaw_process_starts_the_proxy(openclaw: FakeOpenClaw, tmp_path: Path) -> None:
    doc = openclaw.doc()
    doc["plugins"]["entries"]["pyclawrouter"]["config"]["manageProxy"] = False
    openclaw.config.write_text(json.dumps(doc))
    do_install(openclaw, tmp_path / "state")
    assert "localService" not in openclaw.doc()["models"]["providers"]["blockrun"]


def test_a_relative_python_is_recorded_as_an_absolute_path(openclaw: FakeOpenClaw, tmp_path: Path) -> None:
    import shutil
    import sys

    installer.install(openclaw, home=tmp_path / "state", env={}, openclaw_config=openclaw.config,
                      python=Path(sys.executable).name if shutil.which(Path(sys.executable).name) else sys.executable)
    command = openclaw.doc()["models"]["providers"]["blockrun"]["localService"]["command"]
    assert Path(command).is_absolute()
    assert openclaw.doc()["plugins"]["entries"]["pyclawrouter"]["config"]["python"] == command
