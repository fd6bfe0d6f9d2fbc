"""The plugin files generated from the Python sources, and the command that rewrites them in a checkout.

    python -m pyclawrouter.openclaw.generate            # rewrite the stale ones
    python -m pyclawrouter.openclaw.generate --check    # list the stale ones and exit 1, change nothing

``openclaw.plugin.json`` and ``package.json`` are generated whole (:mod:`pyclawrouter.openclaw.manifest`, from
the config schema). ``plugin/index.js`` is written by hand except for one block between the marker lines
below: the constants the JavaScript shim shares with Python (plugin and provider ids, the proxy's host and
default port, the state directory and the file names both sides use in it, the old placeholder API key, and
the command table from
:mod:`pyclawrouter.commands.registry`). A test fails while any of the three differs from what this writes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from pyclawrouter import paths
from pyclawrouter.commands.registry import COMMANDS
from pyclawrouter.config_schema import PLUGIN_ID
from pyclawrouter.openclaw.manifest import ENTRY, PROVIDER_ID, dumps, manifest, package_json
from pyclawrouter.openclaw.provider_block import PLACEHOLDER_API_KEY

COMMAND = "python -m pyclawrouter.openclaw.generate"
BEGIN = "// BEGIN GENERATED"  # the block runs from the line starting with this to the END line
END = "// END GENERATED"


def _js(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def shim_constants() -> str:
    """The generated block of ``plugin/index.js``, marker lines included."""
    commands = {
        spec.name: {
            "description": spec.description,
            "acceptsArgs": spec.accepts_args,
            "requireAuth": spec.require_auth,
            "exposeSenderIsOwner": spec.exposes_owner,
            "timeoutMs": round(spec.reply_timeout_s * 1000),
        }
        for spec in COMMANDS.values()
    }
    lines = [
        f"{BEGIN} by `{COMMAND}` from the Python sources: change those, not this block.",
        f"export const PLUGIN_ID = {_js(PLUGIN_ID)};",
        f"export const PROVIDER_ID = {_js(PROVIDER_ID)};",
        f"export const DEFAULT_HOST = {_js(paths.DEFAULT_HOST)};",
        f"export const DEFAULT_PORT = {_js(paths.DEFAULT_PORT)};",
        f"export const STATE_DIR_ENV = {_js(paths.STATE_DIR_ENV)};",
        f"export const STATE_DIR_UNDER_HOME = {_js(list(paths.STATE_DIR_UNDER_HOME))};",
        f"export const COMMAND_TOKEN_FILE = {_js(paths.COMMAND_TOKEN_FILE)};",
        f"export const LAST_ERROR_FILE = {_js(paths.PROXY_LAST_ERROR_FILE)};",
        f"export const API_KEY_FILE = {_js(paths.API_KEY_FILE)};",
        "// What installs before the per-install API key wrote as the provider's apiKey.",
        f"export const PLACEHOLDER_API_KEY = {_js(PLACEHOLDER_API_KEY)};",
        "// name -> how OpenClaw registers it, and how long the shim waits for the proxy's reply.",
        "export const COMMANDS = {",
        *(f"  {_js(name)}: {_js(entry)}," for name, entry in commands.items()),
        "};",
        END,
    ]
    return "\n".join(lines) + "\n"


def with_constants(source: str) -> str:
    """``source`` (the text of ``index.js``) with its generated block replaced by :func:`shim_constants`."""
    start, end = source.find(BEGIN), source.find(END)
    if start < 0 or end < start:
        raise ValueError(f"{ENTRY} has lost the lines that mark its generated block ({BEGIN!r} ... {END!r})")
    after = source.find("\n", end)
    return source[:start] + shim_constants() + ("" if after < 0 else source[after + 1 :])


def expected(root: Path) -> dict[Path, str]:
    """Each generated file under the checkout ``root`` and the text it should have."""
    entry = root / ENTRY
    return {
        root / "openclaw.plugin.json": dumps(manifest()),
        root / "package.json": dumps(package_json()),
        entry: with_constants(entry.read_text(encoding="utf-8")),
    }


def stale(wanted: dict[Path, str]) -> list[Path]:
    """The files of ``wanted`` (see :func:`expected`) whose text on disk differs."""
    return [path for path, text in wanted.items() if not path.is_file() or path.read_text(encoding="utf-8") != text]


def _checkout() -> Path:
    return Path(__file__).resolve().parents[2]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="list the stale files and exit 1; change nothing")
    parser.add_argument("--root", type=Path, default=None, help="the checkout (default: the one holding this module)")
    args = parser.parse_args(argv)
    root = (args.root or _checkout()).resolve()
    if not (root / "pyproject.toml").is_file() or not (root / ENTRY).is_file():
        print(f"{root} is not a pyclawrouter checkout (no pyproject.toml and {ENTRY}); pass --root", file=sys.stderr)
        return 1
    try:
        wanted = expected(root)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    outdated = stale(wanted)
    if args.check:
        for path in outdated:
            print(f"{path.relative_to(root)} is out of date: run {COMMAND}", file=sys.stderr)
        return 1 if outdated else 0
    for path in outdated:
        path.write_text(wanted[path], encoding="utf-8")
        print(f"wrote {path.relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
