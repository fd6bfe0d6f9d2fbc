"""Sessions: pin the model a conversation uses, upgrade it when the work gets harder, never silently downgrade
it, and escalate a conversation stuck repeating the same request (the pinned *model* leads the chain, not just
its tier).

A pin holds: whatever tier the next turn is routed to, the pinned model serves it as long as it can take the
request (tools, images, context window, not excluded). Only a higher tier's model (an upgrade, or the 3-strike
escalation) replaces it. A turn the pinned model cannot take is served by the routed chain and leaves the pin
alone; so do forced downgrades (budget, empty wallet) and fallbacks, which are decided per request after this.

The session id is the client's ``x-session-id`` or, failing that, derived from the conversation's start: the
OpenClaw session id in the first turn's Runtime trailer when there is one, else the first user message's own
words (timestamp, trailer and internal-context blocks removed). System messages never count: OpenClaw rebuilds
its system prompt every turn, and a changed prompt is still the same conversation.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyclawrouter.routing.names import TIERS
from pyclawrouter.routing.prompt import INTERNAL_CONTEXT_BEGIN, clean_user_text, content_text, openclaw_session_id

TIER_RANK = {tier: rank for rank, tier in enumerate(TIERS)}
_SWEEP_EVERY = 256


@dataclass
class Session:
    model: str
    tier: str
    last_used: float
    profile: str = ""
    requests: int = 0
    last_hash: str | None = None
    strikes: int = 0
    escalated: bool = False


@dataclass
class Pinned:
    model: str
    tier: str
    chain: list[str]
    notes: list[str] = field(default_factory=list)


def session_id(header: str | None, messages: Sequence[Any]) -> str:
    if header:
        return header[:200]
    return "d-" + hashlib.sha256(_conversation_key(messages).encode("utf-8")).hexdigest()[:16]


def _conversation_key(messages: Sequence[Any]) -> str:
    """What identifies a conversation without a header: stable while it grows and while system messages change."""
    fallback = ""
    for message in messages:
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        raw = content_text(message.get("content", ""))
        openclaw = openclaw_session_id(raw)
        if openclaw:
            return "openclaw:" + openclaw
        words = clean_user_text(raw)
        if words:
            return "words:" + " ".join(words.split())
        if not fallback and isinstance(message.get("content"), list):
            fallback = "parts:" + json.dumps(message["content"], sort_keys=True, ensure_ascii=False)
    return fallback


def request_hash(messages: Sequence[Any]) -> str:
    """Same last user words + same tools called last = the same request again.

    OpenClaw appends an internal-context block as the last user message of every turn; it is not the user's
    words and is the same turn after turn, so it is skipped (hashing it would escalate any three turns)."""
    text = ""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            text = content_text(message.get("content", ""))
            if not text.lstrip().startswith(INTERNAL_CONTEXT_BEGIN):
                break
    last_assistant = next((m for m in reversed(messages) if isinstance(m, dict) and m.get("role") == "assistant"), {})
    names = sorted(str((c.get("function") or {}).get("name", "")) for c in last_assistant.get("tool_calls") or []
                   if isinstance(c, dict))
    key = " ".join(text.split())[:500] + ("|tools:" + ",".join(names) if names else "")
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


class Sessions:
    def __init__(self, timeout_s: float = 1800.0) -> None:
        self._timeout = timeout_s
        self._sessions: dict[str, Session] = {}
        self._calls = 0

    def get(self, sid: str) -> Session | None:
        session = self._sessions.get(sid)
        if session is not None and time.monotonic() - session.last_used > self._timeout:
            del self._sessions[sid]
            return None
        return session

    def pin(self, sid: str, *, model: str, tier: str, chain: list[str], messages: Sequence[Any],
            tier_primary: Callable[[str], str | None] | None = None,
            can_serve: Callable[[str], bool] | None = None, profile: str = "") -> Pinned:
        """Decide the model for a routed request in session ``sid`` and remember it.

        ``chain`` is the routed chain for this request (already filtered for what it needs); ``can_serve``
        says whether a model outside it could still take this request (without it, only chain members can).
        """
        self._sweep()
        now = time.monotonic()
        session = self.get(sid)
        if session is None or session.profile != profile:
            # A new conversation, or the user switched profile (e.g. to "free"): the old pin does not apply.
            self._sessions[sid] = Session(model=model, tier=tier, last_used=now, profile=profile, requests=1,
                                          last_hash=request_hash(messages))
            return Pinned(model, tier, chain)
        session.last_used = now
        session.requests += 1
        digest = request_hash(messages)
        session.strikes = session.strikes + 1 if digest == session.last_hash else 0
        session.last_hash = digest
        serves = can_serve or chain.__contains__
        if session.strikes >= 2 and not session.escalated and tier_primary is not None:
            position = max(TIER_RANK.get(session.tier, 0), TIER_RANK.get(tier, 0))
            if position + 1 < len(TIERS):
                up = TIERS[position + 1]
                primary = tier_primary(up)
                if primary:
                    # Sticks for the rest of the session: it is the pin now, at a higher tier.
                    session.model, session.tier, session.escalated = primary, up, True
                    return Pinned(primary, up, _lead(primary, chain), [f"3-strike escalation to {up}"])
        if TIER_RANK.get(tier, 0) > TIER_RANK.get(session.tier, 0):
            session.model, session.tier = model, tier
            return Pinned(model, tier, chain, [f"session upgraded to {tier}"])
        if session.model in chain or serves(session.model):
            return Pinned(session.model, session.tier, _lead(session.model, chain))
        # The pinned model cannot serve this request (tools, vision, context): the routed chain serves it and
        # the pin stays for the rest of the conversation.
        return Pinned(model, tier, chain, [f"pinned {session.model} cannot serve this request"])

    def pinned(self, sid: str) -> Session | None:
        return self.get(sid)

    def __len__(self) -> int:
        return len(self._sessions)

    def _sweep(self) -> None:
        self._calls += 1
        if self._calls % _SWEEP_EVERY:
            return
        cutoff = time.monotonic() - self._timeout
        for sid in [s for s, v in self._sessions.items() if v.last_used < cutoff]:
            del self._sessions[sid]


def _lead(model: str, chain: list[str]) -> list[str]:
    return [model, *[m for m in chain if m != model]]
