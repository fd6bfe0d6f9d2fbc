"""``pyclawrouter doctor``: check config, wallet, balance, proxy, upstream and the OpenClaw integration, and
say what to fix. Read-only: it never creates a wallet, never pays, never edits a file.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from pyclawrouter.errors import UserFacingError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def check_config(home: Path, env: Mapping[str, str]) -> tuple[Check, dict[str, Any]]:
    from pyclawrouter.config_schema import ConfigError, load_effective_config

    try:
        config = load_effective_config(home, env)
    except ConfigError as exc:
        fix = "correct the value named above; a running proxy keeps its last good config and picks up the fix"
        return Check("config", False, exc.message, fix), {}
    shown = ", ".join(f"{k}={v}" for k, v in sorted(config.items()) if k not in ("walletKey", "routing"))
    return Check("config", True, shown), config


def check_wallet(home: Path, env: Mapping[str, str]) -> Check:
    from pyclawrouter.config_schema import config_in_force, configured_wallet_key
    from pyclawrouter.wallet.resolve import load_wallet

    try:
        wallet = load_wallet(home, env, configured_wallet_key(config_in_force(home, env)))
    except UserFacingError as exc:
        return Check("wallet", False, exc.message, "run `pyclawrouter wallet` to create one")
    solana = f", Solana {wallet.solana_address}" if wallet.solana_address else ""
    return Check("wallet", True, f"Base {wallet.evm_address}{solana} (from {wallet.source})")


def recorded_port(home: Path, env: Mapping[str, str]) -> int:
    """The port when the config does not load: the one in openclaw.json (what the gateway passes to the
    proxy), else the last good config's, else the default. Read raw: the config is broken, not the port."""
    from pyclawrouter.config_schema import openclaw_config_path
    from pyclawrouter.config_schema.sources import PLUGIN_ID, read_openclaw_document
    from pyclawrouter.paths import DEFAULT_PORT, last_good_config_file

    candidates: list[object] = []
    with contextlib.suppress(UserFacingError, AttributeError):
        doc = read_openclaw_document(openclaw_config_path(env))
        entry = doc.get("plugins", {}).get("entries", {}).get(PLUGIN_ID, {})
        candidates.append(entry.get("config", {}).get("port") if isinstance(entry, dict) else None)
    with contextlib.suppress(OSError, ValueError, AttributeError):
        candidates.append(json.loads(last_good_config_file(home).read_text(encoding="utf-8")).get("port"))
    for port in candidates:
        if isinstance(port, int) and not isinstance(port, bool) and 0 < port < 65536:
            return port
    return DEFAULT_PORT


def last_proxy_failure(home: Path) -> str | None:
    """What the gateway's service recorded when the proxy last failed (cleared once it is healthy)."""
    from pyclawrouter.paths import proxy_last_error_file

    try:
        data = json.loads(proxy_last_error_file(home).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return None
    return f"last failure ({data.get('at', '?')}): {data['message']}"


def check_proxy(port: int, home: Path | None = None) -> tuple[Check, dict[str, Any] | None]:
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/health?full=true", timeout=5.0, trust_env=False)
        body = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        body = None
    if not isinstance(body, dict):
        fix = "start the gateway (`openclaw gateway`) or run `pyclawrouter serve`"
        detail = f"nothing answers on 127.0.0.1:{port}"
        failure = last_proxy_failure(home) if home is not None else None
        return Check("proxy", False, f"{detail}; {failure}" if failure else detail, fix), None
    return Check("proxy", True, f"healthy on 127.0.0.1:{port}, chain {body.get('paymentChain', '?')}"), body


def check_balance(health: Mapping[str, Any] | None) -> Check:
    if health is None:
        return Check("balance", False, "unknown (the proxy is not running)", "start the proxy to read the balance")
    if "balance" not in health:
        return Check("balance", False, str(health.get("balanceError", "unknown")), "check the RPC URL and network")
    if health.get("isEmpty"):
        return Check(
            "balance",
            False,
            f"{health['balance']} (empty: only the free model works)",
            f"send USDC to {health.get('wallet')}",
        )
    low = " (low)" if health.get("isLow") else ""
    return Check("balance", not low, f"{health['balance']}{low}", f"top up {health.get('wallet')}" if low else "")


def check_upstream(api_base: str) -> Check:
    url = f"{api_base.rstrip('/')}/v1/models"
    try:
        response = httpx.get(url, timeout=10.0)
    except httpx.HTTPError as exc:
        return Check("upstream", False, f"{url}: {type(exc).__name__}", "check the network or BLOCKRUN_API_BASE")
    ok = response.status_code in (200, 402)  # 402 = reachable, wants payment
    return Check("upstream", ok, f"{url}: HTTP {response.status_code}", "" if ok else "check BLOCKRUN_API_BASE")


def check_openclaw(home: Path, env: Mapping[str, str]) -> list[Check]:
    from pyclawrouter.openclaw.cli_runner import OpenClawError
    from pyclawrouter.openclaw.status import status

    try:
        info = status(home=home, env=env)
    except OpenClawError as exc:
        return [Check("openclaw", False, exc.message, "fix openclaw.json, then `openclaw config validate`")]
    install = "run `pyclawrouter openclaw install`"
    checks = [
        Check(
            "openclaw plugin",
            bool(info["pluginFiles"] and info["pluginEnabled"]),
            info["pluginFiles"] or "not installed",
            "" if info["pluginFiles"] else install,
        ),
        Check(
            "openclaw provider",
            info["providerModels"] > 0,
            f"{info['providerModels']} models at {info['providerBaseUrl']}",
            install,
        ),
    ]
    python = info["pluginConfig"].get("python")
    if python:
        checks.append(check_python(str(python), home))
    return checks


def check_python(python: str, cwd: Path | None = None) -> Check:
    """Can the gateway's interpreter run the proxy as the plugin starts it: ``-P`` (Python >= 3.11 only; the
    working directory off ``sys.path``) from the state directory, importing the installed package?"""
    try:
        done = subprocess.run([python, "-P", "-c", "import pyclawrouter"], capture_output=True, timeout=30,
                              check=False, cwd=cwd if cwd is not None and cwd.is_dir() else None)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check("openclaw python", False, f"{python}: {exc}", "run `pyclawrouter openclaw install` again")
    ok = done.returncode == 0
    if not ok and b"-P" in done.stderr:
        return Check("openclaw python", False, f"{python} is older than Python 3.11 (it rejects -P)",
                     "run `pyclawrouter openclaw install` from a Python 3.11+ environment")
    return Check(
        "openclaw python",
        ok,
        f"{python} {'can' if ok else 'cannot'} import pyclawrouter",
        "" if ok else "run `pyclawrouter openclaw install` from the environment that has pyclawrouter",
    )


def run_checks(
    home: Path, env: Mapping[str, str], *, offline: bool = False, upstream: Callable[[str], Check] = check_upstream
) -> list[Check]:

    config_check, config = check_config(home, env)
    port = int(config["port"]) if "port" in config else recorded_port(home, env)
    proxy_check, health = check_proxy(port, home)
    checks = [config_check, check_wallet(home, env), proxy_check, check_balance(health)]
    if not offline:
        checks.append(upstream(_api_base(home, env, config)))
    return checks + check_openclaw(home, env)


def _api_base(home: Path, env: Mapping[str, str], config: Mapping[str, Any]) -> str:
    """The upstream the proxy would call: the same settings, so a Solana payer's API is the one checked."""
    from pyclawrouter.endpoints import DEFAULT_API_BASE
    from pyclawrouter.settings import Settings

    try:
        return Settings.from_config(config, env, home=home).api_base
    except UserFacingError:  # a bad chain setting: check_config or check_wallet already says so
        return DEFAULT_API_BASE["base"]


def format_checks(checks: list[Check]) -> str:
    lines = []
    for check in checks:
        lines.append(f"{'ok ' if check.ok else 'XX '} {check.name:<17} {check.detail}")
        if not check.ok and check.fix:
            lines.append(f"{'':<22}-> {check.fix}")
    bad = sum(not c.ok for c in checks)
    lines.append("All checks passed." if not bad else f"{bad} check(s) need attention.")
    return "\n".join(lines)


def as_json(checks: list[Check]) -> list[dict[str, Any]]:
    return [asdict(c) for c in checks]
