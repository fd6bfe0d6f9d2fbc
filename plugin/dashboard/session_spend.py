"""Each session's spend, for the dashboard's "spend against maxCostPerRun" view.

The one place that decides where per-session spend comes from, so it can move to the spend ledger later:
today it sums ``paid`` (what the wallet actually signed over) per ``session`` in the usage-log lines given,
which is what the spend cap counts too. Lines without a session are grouped under ``""``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pyclawrouter.usage.stats import num


@dataclass
class SessionSpend:
    session: str
    spent: float = 0.0
    requests: int = 0
    first_seen: str = ""
    last_seen: str = ""


def session_spend(lines: Iterable[Mapping[str, Any]]) -> list[SessionSpend]:
    """Spend per session, the most recently active session first."""
    sessions: dict[str, SessionSpend] = {}
    for line in lines:
        key = str(line.get("session") or "")
        when = str(line.get("timestamp", ""))
        entry = sessions.setdefault(key, SessionSpend(key, first_seen=when, last_seen=when))
        entry.spent += num(line.get("paid"))
        entry.requests += 1
        entry.first_seen = min(entry.first_seen, when) if entry.first_seen else when
        entry.last_seen = max(entry.last_seen, when)
    return sorted(sessions.values(), key=lambda s: (s.last_seen, s.session), reverse=True)


def merge_session_spend(parts: Iterable[list[SessionSpend]]) -> list[SessionSpend]:
    """Combine :func:`session_spend` results of separate stretches of the log (e.g. one per day)."""
    merged: dict[str, SessionSpend] = {}
    for part in parts:
        for entry in part:
            into = merged.get(entry.session)
            if into is None:
                merged[entry.session] = SessionSpend(entry.session, entry.spent, entry.requests, entry.first_seen,
                                                     entry.last_seen)
                continue
            into.spent += entry.spent
            into.requests += entry.requests
            into.first_seen = min(into.first_seen, entry.first_seen) if into.first_seen else entry.first_seen
            into.last_seen = max(into.last_seen, entry.last_seen)
    return sorted(merged.values(), key=lambda s: (s.last_seen, s.session), reverse=True)
