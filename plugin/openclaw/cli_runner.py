"""Running the ``openclaw`` CLI: find it, check its version, run one command with a bounded wait.

Every change to OpenClaw's config goes through its own CLI (validated, atomic, hot-applied, comments kept);
reads are done directly from ``openclaw.json`` because one CLI start costs seconds.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pyclawrouter.errors import UserFacingError

MIN_VERSION = (2026, 9, 6)
MIN_VERSION_TEXT = ".".join(map(str, MIN_VERSION))
INSTALL_HINT = (
    f"Install OpenClaw {MIN_VERSION_TEXT} or newer (it needs node >= 24.16): `npm install -g openclaw@latest`, "
    "or pass --openclaw PATH to the openclaw executable."
)
TIMEOUT_SECONDS = 300.0


class OpenClawError(UserFacingError):
    code = "openclaw_error"
    http_status = 500


@dataclass(frozen=True)
class RunResult:
    returncode: int
    stdout: str
    stderr: str


Runner = Callable[[Sequence[str]], RunResult]
# Install and uninstall print a line before each slow step: each ``openclaw`` run takes seconds.
Progress = Callable[[str], None]


def quiet(line: str) -> None:
    pass


def find_openclaw(explicit: str | None, env: Mapping[str, str]) -> str:
    candidate = explicit or env.get("OPENCLAW_BIN", "").strip() or shutil.which("openclaw", path=env.get("PATH"))
    if not candidate:
        raise OpenClawError(f"the `openclaw` command was not found on PATH. {INSTALL_HINT}")
    if os.sep in candidate and not Path(candidate).exists():
        raise OpenClawError(f"{candidate}: no such file. {INSTALL_HINT}")
    return candidate


def subprocess_runner(binary: str, env: Mapping[str, str] | None = None) -> Runner:
    def run(args: Sequence[str]) -> RunResult:
        try:
            done = subprocess.run(
                [binary, *args],
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                env=dict(env) if env is not None else None,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except FileNotFoundError:
            raise OpenClawError(f"cannot run {binary}. {INSTALL_HINT}") from None
        except subprocess.TimeoutExpired:
            raise OpenClawError(f"`openclaw {' '.join(args[:2])}` did not finish in {TIMEOUT_SECONDS:.0f}s") from None
        return RunResult(done.returncode, done.stdout, done.stderr)

    return run


def parse_version(text: str) -> tuple[int, int, int] | None:
    match = re.search(r"(\d{4})\.(\d{1,2})\.(\d{1,2})", text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def check_version(run: Runner) -> str:
    result = run(["--version"])
    output = (result.stdout + result.stderr).strip()
    version = parse_version(output)
    if result.returncode != 0 or version is None:
        detail = output.splitlines()[-1] if output else f"exit code {result.returncode}"
        raise OpenClawError(f"`openclaw --version` failed ({detail}). {INSTALL_HINT}")
    if version < MIN_VERSION:
        found = ".".join(map(str, version))
        raise OpenClawError(f"OpenClaw {found} is too old for pyclawrouter. {INSTALL_HINT}")
    return ".".join(map(str, version))


def run_checked(run: Runner, args: Sequence[str], what: str) -> RunResult:
    result = run(args)
    if result.returncode != 0:
        lines = [ln for ln in (result.stderr + "\n" + result.stdout).splitlines() if ln.strip()]
        detail = "\n  ".join(lines[-6:]) or f"exit code {result.returncode}"
        raise OpenClawError(f"{what} failed (`openclaw {' '.join(args[:3])} …`):\n  {detail}")
    return result
