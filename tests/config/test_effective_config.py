"""The sources of config merge in one documented order, and a bad edit never replaces a good config."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from pyclawrouter.config_schema import (
    ConfigError,
    ConfigWatcher,
    load_effective_config,
    openclaw_config_path,
    update_config_file,
)

OPENCLAW_JSON5 = """// OpenClaw's own file is JSON5: comments, unquoted keys, trailing commas
{
  gateway: { mode: "local" },
  plugins: {
    entries: {
      pyclawrouter: {
        enabled: true,
        config: { port: 18402, maxCostPerRun: 2.0, routing: { defaultProfile: "eco", }, },
      },
    },
  },
}
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "state"
    path.mkdir()
    return path


@pytest.fixture
def openclaw_json(tmp_path: Path) -> Path:
    path = tmp_path / "openclaw.json"
    path.write_text(OPENCLAW_JSON5)
    return path


def test_defaults_when_nothing_is_configured(home: Path, tmp_path: Path) -> None:
    config = load_effective_config(home, {}, openclaw_config=tmp_path / "missing.json")
    assert config == {"port": 8402, "maxCostPerRunMode": "graceful", "manageProxy": True, "autoInject": True,
                      "allowUnlistedModels": False, "requireApiKey": True}


def test_precedence_openclaw_then_yaml_then_explicit_then_env(home: Path, openclaw_json: Path, tmp_path: Path) -> None:
    (home / "config.yaml").write_text("maxCostPerRun: 0.5  # tighter than openclaw.json\nmaxCostPerRunMode: strict\n")
    explicit = tmp_path / "serve.toml"
    explicit.write_text('maxCostPerRunMode = "graceful"\n[routing.tiers.auto.SIMPLE]\nprimary = "x/y"\n')
    config = load_effective_config(
        home, {"BLOCKRUN_PROXY_PORT": "9999"}, config_file=explicit, openclaw_config=openclaw_json
    )
    assert config["maxCostPerRun"] == 0.5  # YAML beats openclaw.json
    assert config["maxCostPerRunMode"] == "graceful"  # --config beats YAML
    assert config["routing"] == {"defaultProfile": "eco", "tiers": {"auto": {"SIMPLE": {"primary": "x/y"}}}}
    assert config["port"] == 9999  # environment beats files


def test_openclaw_config_location_follows_openclaw_env_vars(tmp_path: Path) -> None:
    assert openclaw_config_path({"HOME": str(tmp_path)}) == tmp_path / ".openclaw" / "openclaw.json"
    assert openclaw_config_path({"OPENCLAW_STATE_DIR": "/s"}) == Path("/s/openclaw.json")
    assert openclaw_config_path({"OPENCLAW_CONFIG_PATH": "/c.json", "OPENCLAW_STATE_DIR": "/s"}) == Path("/c.json")


def test_env_var_picks_the_openclaw_file(home: Path, openclaw_json: Path) -> None:
    config = load_effective_config(home, {"OPENCLAW_CONFIG_PATH": str(openclaw_json)})
    assert config["port"] == 18402


def test_bad_value_in_openclaw_json_names_file_entry_key_and_allowed(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "openclaw.json"
    bad.write_text('{plugins: {entries: {pyclawrouter: {config: {chain: "eth"}}}}}')
    with pytest.raises(ConfigError) as info:
        load_effective_config(home, {}, openclaw_config=bad)
    message = str(info.value)
    assert str(bad) in message and "plugins.entries.pyclawrouter.config" in message
    assert "chain: 'eth' is not allowed; allowed: 'base', 'solana'" in message


def test_bad_environment_variable_is_named(home: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="BLOCKRUN_PROXY_PORT: 'abc' is not a port number"):
        load_effective_config(home, {"BLOCKRUN_PROXY_PORT": "abc"}, openclaw_config=tmp_path / "none")


def test_two_state_config_files_are_ambiguous(home: Path, tmp_path: Path) -> None:
    (home / "config.yaml").write_text("port: 1\n")
    (home / "config.toml").write_text("port = 2\n")
    with pytest.raises(ConfigError, match=r"config.yaml and config.toml; keep only one"):
        load_effective_config(home, {}, openclaw_config=tmp_path / "none")


def test_unparseable_openclaw_json_is_a_clear_error(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "openclaw.json"
    bad.write_text("plugins:\n  - id: x\n")  # YAML is not what OpenClaw reads
    with pytest.raises(ConfigError, match="not valid JSON5"):
        load_effective_config(home, {}, openclaw_config=bad)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _touch_later(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def test_watcher_reloads_changes_and_keeps_last_good_on_error(home: Path, tmp_path: Path) -> None:
    yaml_file = home / "config.yaml"
    yaml_file.write_text("maxCostPerRun: 1\n")
    errors: list[str] = []
    clock = FakeClock()
    watcher = ConfigWatcher(home, {}, openclaw_config=tmp_path / "none", on_error=errors.append, clock=clock)
    assert watcher.current()["maxCostPerRun"] == 1

    _touch_later(yaml_file, "maxCostPerRun: 2\n")
    assert watcher.current()["maxCostPerRun"] == 1  # checked at most once per interval
    clock.now = 1.5
    assert watcher.current()["maxCostPerRun"] == 2
    assert watcher.generation == 2

    _touch_later(yaml_file, "maxCostPerRun: -5\n")
    clock.now = 3.0
    assert watcher.current()["maxCostPerRun"] == 2  # last good config stays in force
    assert watcher.error is not None and "maxCostPerRun: -5 is out of range" in watcher.error
    assert len(errors) == 1 and str(yaml_file) in errors[0]

    _touch_later(yaml_file, "maxCostPerRun: 3\n")
    clock.now = 4.5
    assert watcher.current()["maxCostPerRun"] == 3
    assert watcher.error is None


def test_watcher_notices_a_new_file(home: Path, tmp_path: Path) -> None:
    clock = FakeClock()
    watcher = ConfigWatcher(home, {}, openclaw_config=tmp_path / "none", clock=clock)
    assert "maxCostPerRun" not in watcher.current()
    (home / "config.toml").write_text("maxCostPerRun = 0.25\n")
    clock.now = 2
    assert watcher.current()["maxCostPerRun"] == 0.25


def test_watcher_refuses_a_bad_config_at_start(home: Path, tmp_path: Path) -> None:
    (home / "config.yaml").write_text("port: 0\n")
    with pytest.raises(ConfigError, match="port: 0 is out of range"):
        ConfigWatcher(home, {}, openclaw_config=tmp_path / "none")


YAML_WITH_COMMENTS = """# pyclawrouter config -- my notes stay here
maxCostPerRun: 0.5   # dollars per session

routing:
  # cheaper by default
  defaultProfile: eco
"""


def test_yaml_edit_keeps_comments_and_layout(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(YAML_WITH_COMMENTS)
    path.chmod(0o600)
    config = update_config_file(path, {"maxCostPerRun": 0.75, "maxCostPerRunMode": "strict"})
    text = path.read_text()
    assert "# pyclawrouter config -- my notes stay here" in text
    assert re.search(r"^maxCostPerRun: 0.75 +# dollars per session$", text, re.M)
    assert "  # cheaper by default\n  defaultProfile: eco" in text
    assert text.rstrip().endswith("maxCostPerRunMode: strict")
    assert config["maxCostPerRunMode"] == "strict"
    assert path.stat().st_mode & 0o777 == 0o600


def test_toml_edit_keeps_comments(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('# budget\nmaxCostPerRun = 0.5 # per run\n\n[routing]\ndefaultProfile = "eco" # cheap\n')
    update_config_file(path, {"routing.defaultProfile": "premium"}, remove=["maxCostPerRun"])
    text = path.read_text()
    assert "# budget" in text and 'defaultProfile = "premium" # cheap' in text
    assert "maxCostPerRun" not in text


def test_rejected_edit_leaves_the_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(YAML_WITH_COMMENTS)
    with pytest.raises(ConfigError, match="maxCostPerRunMode: 'lenient' is not allowed"):
        update_config_file(path, {"maxCostPerRunMode": "lenient"})
    assert path.read_text() == YAML_WITH_COMMENTS


def test_edit_creates_a_missing_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    update_config_file(path, {"routing.defaultProfile": "free"})
    assert path.read_text() == "routing:\n  defaultProfile: free\n"
