"""plugin/inject.js (the provider block the plugin adds for a user who never ran the Python installer) against
the Python side: both writers write the same block, and `pyclawrouter openclaw uninstall` removes exactly
what the plugin added."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from pyclawrouter.openclaw import uninstall
from pyclawrouter.openclaw.provider_block import local_service, provider_block
from pyclawrouter.paths import INSTALL_RECORD_FILE
from tests.plugin.test_openclaw_installer import USER_CONFIG, FakeOpenClaw

PLUGIN = Path(__file__).resolve().parents[2] / "plugin"

# Runs inject.js's injectProvider on the openclaw.json at argv[1], the way the gateway service does, with a
# config writer that edits that file; prints the outcome.
INJECT_SCRIPT = """
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
const inject = await import(%(module)s);
const [configPath, stateDir, python, port] = process.argv.slice(1);
const read = () => JSON.parse(readFileSync(configPath, "utf8"));
const api = { runtime: { config: {
  current: read,
  mutateConfigFile: async ({ mutate }) => { const draft = read(); await mutate(draft); writeFileSync(configPath,
    JSON.stringify(draft, null, 2)); },
} } };
const apiKeyPath = join(stateDir, "api-key");
const outcome = await inject.injectProvider({
  api, config: {}, logger: { info() {}, warn() {} }, apiKeyPath, providerId: "blockrun",
  primaryModel: "blockrun/auto", recordPath: join(stateDir, %(record)s),
  makeBlock: async () => inject.buildProviderBlock({ host: "127.0.0.1", port: Number(port),
    apiKey: await inject.ensureApiKey(apiKeyPath, stateDir), python,
    args: ["-P", "-m", "pyclawrouter", "serve", "--host", "127.0.0.1", "--port", port], stateDir }),
});
console.log(outcome);
"""


def _inject(node: str, config: Path, state: Path, python: str = "/venv/bin/python", port: int = 18402) -> str:
    script = INJECT_SCRIPT % {"module": json.dumps((PLUGIN / "inject.js").as_uri()),
                              "record": json.dumps(INSTALL_RECORD_FILE)}
    done = subprocess.run([node, "--input-type=module", "-e", script, str(config), str(state), python, str(port)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_plugin_writes_the_block_the_python_installer_writes(tmp_path: Path, node: str) -> None:
    config = tmp_path / "openclaw.json"
    config.write_text("{}")
    state = tmp_path / "state"
    assert _inject(node, config, state) == "added"
    written: dict[str, Any] = json.loads(config.read_text())["models"]["providers"]["blockrun"]
    key = (state / "api-key").read_text().strip()
    expected = provider_block(18402, key)
    expected["localService"] = local_service("/venv/bin/python", 18402, state)
    assert written == expected


def test_uninstall_removes_what_the_plugin_added_and_keeps_the_rest(tmp_path: Path, node: str) -> None:
    openclaw = FakeOpenClaw(tmp_path / ".openclaw")
    openclaw.root.mkdir()
    mine = {"baseUrl": "https://llm.example.test/v1", "api": "openai-completions", "models": []}
    user = {**USER_CONFIG, "models": {"providers": {"mine": mine}}}
    openclaw.config.write_text(json.dumps(user, indent=2))
    (openclaw.root / "extensions" / "pyclawrouter").mkdir(parents=True)  # `openclaw plugins install <dir>`
    state = tmp_path / "state"
    assert _inject(node, openclaw.config, state) == "added"
    assert _inject(node, openclaw.config, state) == "present"  # once
    assert json.loads(openclaw.config.read_text())["agents"]["defaults"]["model"]["primary"] == "blockrun/auto"

    messages = uninstall.uninstall(openclaw, home=state, env={}, openclaw_config=openclaw.config,
                                   proxy_running=lambda port: False)
    after = openclaw.doc()
    assert after["models"] == {"providers": {"mine": mine}}
    assert "agents" not in after
    assert "pyclawrouter" not in after.get("plugins", {}).get("entries", {})
    assert any("Removed models.providers.blockrun" in m for m in messages)
    assert not (state / INSTALL_RECORD_FILE).exists()
    # Uninstalled and installed again: the plugin adds the provider again (the record went with the uninstall).
    assert _inject(node, openclaw.config, state) == "added"


def test_a_provider_the_user_removed_stays_removed(tmp_path: Path, node: str) -> None:
    config = tmp_path / "openclaw.json"
    config.write_text("{}")
    state = tmp_path / "state"
    assert _inject(node, config, state) == "added"
    doc = json.loads(config.read_text())
    del doc["models"]["providers"]["blockrun"]
    config.write_text(json.dumps(doc))
    assert _inject(node, config, state) == "removed-by-user"
    assert "blockrun" not in json.loads(config.read_text())["models"]["providers"]
