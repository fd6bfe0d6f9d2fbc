"""The proxy's own config checker says exactly what jsonschema says about every config, and refuses schemas
it cannot fully apply.

jsonschema (a test dependency) is the independent judge: for thousands of generated configs, valid and
invalid, both must agree on the verdict, and the user must read the same lines whichever of the two found
the problems.
"""

from __future__ import annotations

import ast
import copy
import random
import re
from typing import Any

import jsonschema
import pytest

from pyclawrouter.config_schema import ConfigError, loader, schema, validate_config
from pyclawrouter.config_schema.check import Problem, SchemaNotSupportedError, problems, supported

PROFILES = ["auto", "eco", "premium", "agentic", "free"]
TIERS = ["SIMPLE", "MEDIUM", "COMPLEX", "REASONING"]
JUNK: list[Any] = [None, True, False, 0, 1, -1, 0.5, 8402.0, 1e9, "", "x", "auto", [], ["a"], {}, {"a": 1}]


def from_jsonschema(error: jsonschema.ValidationError) -> Problem:
    missing = None
    if error.validator == "required":
        found = re.fullmatch(r"(.*) is a required property", error.message)
        assert found is not None, error.message
        missing = ast.literal_eval(found.group(1))
    return Problem(
        keyword=str(error.validator), spec=error.validator_value, instance=error.instance,
        path=tuple(error.absolute_path), schema=error.schema,  # type: ignore[arg-type]
        context=tuple((int(sub.relative_schema_path[0]), from_jsonschema(sub)) for sub in error.context or ()),
        missing=missing,
    )


def judge(config: object) -> tuple[bool, str]:
    """jsonschema's verdict and the lines the user would read."""
    found = [from_jsonschema(e) for e in jsonschema.Draft202012Validator(schema()).iter_errors(config)]
    return not found, loader.explain_all(found, source="f")


def ours(config: object) -> tuple[bool, str]:
    found = problems(config, schema())
    return not found, loader.explain_all(found, source="f")


def pick(rng: random.Random, good: list[Any], bad_share: float = 0.3) -> Any:
    return rng.choice(JUNK) if rng.random() < bad_share else rng.choice(good)


def tier_entry(rng: random.Random) -> Any:
    if rng.random() < 0.1:
        return rng.choice(JUNK)
    entry: dict[str, Any] = {}
    if rng.random() < 0.85:
        entry["primary"] = pick(rng, ["google/gemini-2.5-flash", "openai/gpt-5", "m"], 0.15)
    if rng.random() < 0.5:
        entry["fallback"] = pick(rng, [[], ["a"], ["a", "b"], ["a", ""], ["a", 3]], 0.15)
    if rng.random() < 0.08:
        entry[rng.choice(["primay", "fallbacks", "x"])] = "y"
    return entry


def tier_table(rng: random.Random, names: list[str]) -> Any:
    if rng.random() < 0.08:
        return rng.choice(JUNK)
    keys = rng.sample(names, rng.randint(0, len(names)))
    if rng.random() < 0.12:
        keys.append(rng.choice(["EASY", "simple", "Auto", "xSIMPLE", "SIMPLEx", "ECO"]))
    return {key: tier_entry(rng) for key in keys}


def shadow(rng: random.Random) -> Any:
    roll = rng.random()
    if roll < 0.3:
        return {"profile": pick(rng, [*PROFILES, "eco"], 0.25)} | ({"x": 1} if rng.random() < 0.1 else {})
    if roll < 0.9:
        return tier_table(rng, TIERS)
    return rng.choice([*JUNK, {"profile": "eco", "SIMPLE": {"primary": "m"}}])


def config(rng: random.Random) -> dict[str, Any]:
    makers: dict[str, Any] = {
        "walletKey": lambda: pick(rng, ["0x" + "ab" * 32, "0x" + "AB" * 32, "0x" + "ab" * 31 + "zz", "ab" * 32]),
        "maxCostPerRun": lambda: pick(rng, [0, 0.0, 0.5, 3, 1e6, -0.01]),
        "maxCostPerRunMode": lambda: pick(rng, ["graceful", "strict", "Strict", "off"]),
        "maxPaymentPerRequest": lambda: pick(rng, [0, 0.001, 1, 1.0, 1.01, -1]),
        "allowUnlistedModels": lambda: pick(rng, [True, False, "true", 0]),
        "routing": lambda: rng.choice(JUNK) if rng.random() < 0.08 else {
            k: v for k, v in {
                "defaultProfile": pick(rng, ["auto", "eco", "premium", "free", "agentic"], 0.2),
                "tiers": tier_table(rng, PROFILES) if rng.random() < 0.9 else rng.choice(JUNK),
                "shadow": shadow(rng),
                "profile": "eco",
            }.items() if rng.random() < (0.6 if k != "profile" else 0.05)
        },
        "excludeModels": lambda: pick(rng, [[], ["a"], ["a", "b"], ["a", "a"], ["a", ""], ["a", 1, 1], [True, 1]]),
        "port": lambda: pick(rng, [1, 8402, 65535, 0, 65536, 8402.0, 8402.5, "8402", True]),
        "chain": lambda: pick(rng, ["base", "solana", "Base", "eth"]),
        "apiBase": lambda: pick(rng, ["https://blockrun.ai/api", "http://127.0.0.1:1", "ftp://x", " https://x"]),
        "manageProxy": lambda: pick(rng, [True, False, "no"]),
        "python": lambda: pick(rng, ["/usr/bin/python3", "python", ""]),
        "requireApiKey": lambda: pick(rng, [True, False, 1]),
    }
    keys = rng.sample(list(makers), rng.randint(0, 5))
    if rng.random() < 0.15:
        keys.insert(0, rng.choice(["maxCostPerrun", "chian", "Port", "routing.tiers", "extra"]))
    made: dict[str, Any] = {}
    for key in keys:
        made[key] = makers[key]() if key in makers else 1
    return made


def test_the_checker_and_jsonschema_agree_on_thousands_of_configs() -> None:
    rng = random.Random(20261203)
    verdicts = {True: 0, False: 0}
    for _ in range(4000):
        candidate = config(rng)
        expected = judge(candidate)
        assert ours(candidate) == expected, candidate
        verdicts[expected[0]] += 1
    # Both kinds well represented, or agreement would prove little.
    assert verdicts[True] > 500 and verdicts[False] > 1500, verdicts


@pytest.mark.parametrize("candidate", [
    {}, [], "x", None, 3,
    {"routing": {"tiers": {"auto": {"EASY": {"primary": "x"}}}}},
    {"routing": {"tiers": {"auto": {"SIMPLE": {"primary": "m"}}, "bogus": {}}}},
    {"routing": {"shadow": {}}},
    {"routing": {"shadow": {"profile": "eco", "SIMPLE": {"primary": "m"}}}},
    {"routing": {"shadow": {"SIMPLE": {"primary": ""}, "MEDIUM": {}}}},
    {"excludeModels": ["a", "b", "a", ""]},
    {"port": 8402.0, "maxCostPerRun": 0, "maxPaymentPerRequest": 1},
    {"walletKey": "0x" + "ab" * 32 + "\n"},
])
def test_edge_cases_agree(candidate: object) -> None:
    assert ours(candidate) == judge(candidate)


def test_the_shipped_schema_is_one_the_checker_fully_applies() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    supported(schema())


@pytest.mark.parametrize("fragment", [
    {"maxLength": 3},  # a keyword it does not implement
    {"format": "uri"},
    {"$ref": "#/properties/port"},
    {"anyOf": [{"type": "string"}]},
    {"if": {"type": "string"}, "then": {"minLength": 1}},
    {"additionalProperties": {"type": "string"}},  # a form it does not implement
    {"items": [{"type": "string"}]},
    {"type": "text"},
])
def test_a_schema_with_an_unknown_rule_is_refused_not_skipped(fragment: dict[str, Any]) -> None:
    changed = copy.deepcopy(schema())
    changed["properties"]["python"] = {"type": "string", **fragment}
    with pytest.raises(SchemaNotSupportedError, match="python"):
        supported(changed)


def test_no_config_loads_when_the_schema_has_a_rule_the_checker_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    changed = copy.deepcopy(schema())
    changed["properties"]["python"]["maxLength"] = 3
    monkeypatch.setattr(loader, "schema", lambda: changed)
    loader._checked_schema.cache_clear()
    try:
        with pytest.raises(SchemaNotSupportedError):
            validate_config({}, source="x")  # even a config the rule would not touch
    finally:
        loader._checked_schema.cache_clear()


def test_errors_say_what_is_wrong_and_what_is_allowed() -> None:
    with pytest.raises(ConfigError) as info:
        validate_config({"routing": {"tiers": {"auto": {"EASY": {"primary": "x"}}}},
                         "excludeModels": ["a", "a"], "python": ""}, source="x")
    lines = str(info.value).splitlines()
    assert lines == [
        "x: excludeModels: 'a' is listed more than once; each item may appear only once",
        "x: python: '' is too short; must be non-empty",
        "x: routing.tiers.auto: unknown key 'EASY'; allowed keys: COMPLEX, MEDIUM, REASONING, SIMPLE",
        "x: routing.tiers.auto: 'EASY' is not allowed; allowed: 'SIMPLE', 'MEDIUM', 'COMPLEX', 'REASONING'",
    ]


@pytest.mark.parametrize(("fragment", "value"), [
    ({"oneOf": [{"type": "number"}, {"minimum": 0}]}, 5),  # fits both alternatives: refused
    ({"oneOf": [{"type": "number"}, {"minimum": 0}]}, "5"),  # fits the second only (no number to compare)
    ({"oneOf": [{"type": "string"}, {"type": "integer"}]}, 2.5),  # fits neither
    ({"enum": [1, "1"]}, True),  # true is not 1
    ({"uniqueItems": True}, [1, True]),
    ({"uniqueItems": True}, [[1], [True]]),
    ({"uniqueItems": True}, [{"a": [1]}, {"a": [1]}]),
    ({"type": ["integer", "null"], "exclusiveMaximum": 3}, 3.0),
])
def test_rules_the_shipped_schema_barely_exercises_agree(fragment: dict[str, Any], value: object) -> None:
    spec = {"type": "object", "properties": {"v": fragment}}
    supported(spec)
    expected = [from_jsonschema(e) for e in jsonschema.Draft202012Validator(spec).iter_errors({"v": value})]
    got = problems({"v": value}, spec)
    assert [(p.keyword, p.path) for p in got] == [(p.keyword, p.path) for p in expected]
