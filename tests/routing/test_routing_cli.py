"""``pyclawrouter route``: readable output, --json, and clean errors with the documented exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from routing_helpers import TRAFFIC_DIR

from pyclawrouter.cli import main
from pyclawrouter.routing.config import RoutingConfig


def test_prompt_words_print_the_decision(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["route", "Prove", "that", "sqrt(2)", "is", "irrational"]) == 0
    out = capsys.readouterr().out
    assert "REASONING" in out and RoutingConfig.default().choice("auto", "REASONING").primary in out
    for label in ("tier", "model", "chain", "cost", "savings", "reasoning"):
        assert label in out


def test_json_output_is_the_decision(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["route", "--json", "--profile", "eco", "--body", str(TRAFFIC_DIR / "openclaw-chat-1.json")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tier"] == "SIMPLE" and data["profile"] == "eco"
    assert data["chain"][0] == data["model"]
    assert {"confidence", "reasoning", "cost_estimate", "baseline_cost", "savings"} <= set(data)


@pytest.mark.parametrize(
    ("args", "body", "message"),
    [
        (["route", "--body", "{path}"], "not json", "not valid JSON"),
        (["route", "--body", "{path}"], '{"messages": []}', "'messages' must be a non-empty list"),
        (
            ["route", "--body", "{path}"],
            '{"model": "gpt-9", "messages": [{"role": "user", "content": "hi"}]}',
            "Unknown model 'gpt-9'",
        ),
        (["route", "--body", "{missing}"], None, "cannot read --body file"),
        (["route", "--profile", "turbo", "hi"], None, "Unknown routing profile 'turbo'"),
    ],
)
def test_bad_input_is_a_message_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], body: str | None, message: str
) -> None:
    path = tmp_path / "body.json"
    if body is not None:
        path.write_text(body, encoding="utf-8")
    argv = [a.format(path=path, missing=tmp_path / "missing.json") for a in args]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [["route"], ["route", "hi", "--body", "x.json"]])
def test_usage_errors_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2


def test_console_script_runs_end_to_end() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pyclawrouter", "route", "--json", "hello"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["tier"] == "SIMPLE"


def test_route_command_and_routing_core_import_nothing_heavy() -> None:
    code = (
        "import sys, pyclawrouter.cli.route, pyclawrouter.router;"
        "from pyclawrouter.router import route;"
        "route({'messages': [{'role': 'user', 'content': 'hi'}]});"
        "heavy = ('starlette', 'hypercorn', 'httpx', 'web3', 'solders', 'jsonschema');"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
