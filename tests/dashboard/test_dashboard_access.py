"""The dashboard token file and one-time links."""

from __future__ import annotations

import stat
from pathlib import Path

from pyclawrouter.dashboard import access


def test_token_file_is_private_and_stable(tmp_path: Path) -> None:
    home = tmp_path / "state"
    token = access.load_or_create_token(home)
    assert len(token) >= 40
    assert stat.S_IMODE((home / "dashboard-token").stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert access.load_or_create_token(home) == token  # kept across restarts and shared with the CLI


def test_cookie_is_derived_not_the_token(tmp_path: Path) -> None:
    token = access.load_or_create_token(tmp_path)
    assert access.cookie_value(token) != token and token not in access.cookie_value(token)
    assert access.cookie_value(token) == access.cookie_value(token)


def test_one_time_code_works_once_and_only_for_its_token(tmp_path: Path) -> None:
    token = access.load_or_create_token(tmp_path)
    codes = access.OneTimeCodes(clock=lambda: 1_000_000.0)
    code = access.mint_one_time_code(token, now=1_000_000.0)
    assert not codes.redeem(code, "another-token")
    assert codes.redeem(code, token)
    assert not codes.redeem(code, token)


def test_one_time_code_expires_and_cannot_be_forged(tmp_path: Path) -> None:
    token = access.load_or_create_token(tmp_path)
    now = [1_000_000.0]
    codes = access.OneTimeCodes(clock=lambda: now[0])
    code = access.mint_one_time_code(token, now=now[0])
    now[0] += access.ONE_TIME_TTL_S + 1
    assert not codes.redeem(code, token)
    expires, nonce, mac = access.mint_one_time_code(token, now=now[0]).split(".")
    assert not codes.redeem(f"{int(expires) + 3600}.{nonce}.{mac}", token)  # a later expiry breaks the MAC
    for junk in ("", "x", "1.2", "..", "abc.def.ghi"):
        assert not codes.redeem(junk, token)


def test_one_time_url_points_at_the_dashboard() -> None:
    url = access.one_time_url("http://127.0.0.1:8402/", "t")
    assert url.startswith("http://127.0.0.1:8402/dashboard?once=")
