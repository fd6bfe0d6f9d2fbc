"""Per-session spend control (``maxCostPerRun``) and the per-request ceiling, counted from signed payments.

Spend is what the ledger holds: every payment counts from the moment it is signed (a signed authorization
can be settled by the gateway whatever answer comes back), pending or settled. While a request is in flight
its estimate is *held* against the session's cap, so concurrent requests of one session can never all see the
same room; a payment is *approved* before it is signed only if it fits both the request's own ceiling (across
all its attempts) and the session's cap (with the other requests' holds). Everything here runs on the event
loop without awaiting, so check-then-record is atomic with respect to other requests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pyclawrouter.errors import UserFacingError
from pyclawrouter.ledger.store import LedgerStore, SignedPayment
from pyclawrouter.payments.flow import PaymentDeclinedError

if TYPE_CHECKING:
    from pyclawrouter.payments.payer import PaymentAttempt

# OpenClaw reads a 429 as a rate limit and retries it for minutes, unless the message reads as billing; these
# words make it stop and show the refusal (checked against OpenClaw 2026.9.6's own classifier in the e2e test).
SPEND_LIMIT = "this run reached its spend limit (maxCostPerRun)"
RAISE_IT = "Raise maxCostPerRun in the plugin config to continue."


class CostCapExceededError(UserFacingError):
    """Strict spend mode: the session's cap would be exceeded (ClawRouter's 429 and header)."""

    code = "cost_cap_exceeded"
    http_status = 429
    error_type = "cost_cap_exceeded"
    headers: Mapping[str, str] = {"X-ClawRouter-Cost-Cap-Exceeded": "1"}


# Sums of float dollars: a payment exactly filling the cap must not be refused by rounding.
EPSILON_USD = 1e-9


@dataclass
class PaidAttempt:
    entry: int
    model: str
    amount_usd: float
    settled: bool = False
    tx: str | None = None

    def to_json(self) -> dict[str, Any]:
        line: dict[str, Any] = {"model": self.model, "usd": round(self.amount_usd, 8),
                                "state": "settled" if self.settled else "pending"}
        if self.tx:
            line["tx"] = self.tx
        return line


class SpendLedger:
    def __init__(self, store: LedgerStore, *, on_signed: Callable[[float], None] | None = None) -> None:
        self.store = store
        self._held: dict[str, float] = {}
        self._on_signed = on_signed

    def spent(self, session: str) -> float:
        return self.store.spent(session)

    def held(self, session: str) -> float:
        return self._held.get(session, 0.0)

    def remaining(self, session: str, cap: float | None) -> float:
        if cap is None:
            return float("inf")
        return cap - self.spent(session) - self.held(session)

    def open(self, session: str, request_id: str, *, cap: float | None, ceiling: float,
             hold: float = 0.0) -> RequestSpend:
        """Start counting one client request; ``hold`` is reserved against the cap until it ends."""
        spend = RequestSpend(self, session, request_id, cap=cap, ceiling=ceiling)
        spend.hold(hold)
        return spend

    def _adjust_hold(self, session: str, delta: float) -> None:
        value = self._held.get(session, 0.0) + delta
        if value > EPSILON_USD:
            self._held[session] = value
        else:
            self._held.pop(session, None)

    def close(self) -> None:
        self.store.close()


@dataclass
class RequestSpend:
    """One client request's payments: the spend hook the payment flow calls, and what the usage line lists."""

    ledger: SpendLedger
    session: str
    request_id: str
    cap: float | None
    ceiling: float
    payments: list[PaidAttempt] = field(default_factory=list)
    _hold: float = 0.0
    _closed: bool = False

    @property
    def total(self) -> float:
        return sum(p.amount_usd for p in self.payments)

    def hold(self, amount: float) -> None:
        amount = max(amount, 0.0)
        self.ledger._adjust_hold(self.session, amount - self._hold)
        self._hold = amount

    def fits_cap(self, amount: float) -> bool:
        if self.cap is None:
            return True
        others_held = self.ledger.held(self.session) - self._hold
        return self.ledger.spent(self.session) + others_held + amount <= self.cap + EPSILON_USD

    # --- the payment flow's hook -------------------------------------------------------------------------

    def approve(self, amount_usd: float, model: str) -> None:
        """Called before signing: refuse a payment that would pass the request's ceiling or the session's cap."""
        if self.total + amount_usd > self.ceiling + EPSILON_USD:
            raise PaymentDeclinedError(
                f"Paying ${amount_usd:.6f} for {model} would take this request to ${self.total + amount_usd:.6f}, "
                f"above its ceiling of ${self.ceiling:.6f} across all attempts", reason="ceiling")
        if not self.fits_cap(amount_usd):
            spent, others_held = self.ledger.spent(self.session), self.ledger.held(self.session) - self._hold
            in_flight = f", plus ${others_held:.4f} held by requests in flight" if others_held > EPSILON_USD else ""
            raise PaymentDeclinedError(
                f"ClawRouter cost cap exceeded: {SPEND_LIMIT}: the gateway asked ${amount_usd:.6f} for {model}, "
                f"more than is left (spent ${spent:.4f} of ${self.cap:.4f}{in_flight}). {RAISE_IT}", reason="cap")

    def signed(self, payment: PaymentAttempt, model: str) -> int:
        """Called after signing, before sending: the payment is in the ledger from now on."""
        entry = self.ledger.store.record(SignedPayment(
            session=self.session, request_id=self.request_id, model=model, network=payment.network,
            payer=payment.payer, pay_to=payment.pay_to, asset=payment.asset, amount_atomic=payment.amount_atomic,
            amount_usd=payment.amount_usd, reference=payment.reference, valid_before=payment.valid_before))
        self.payments.append(PaidAttempt(entry, model, payment.amount_usd))
        # What is now counted as spent no longer needs to be held.
        self.hold(max(0.0, self._hold - payment.amount_usd))
        if self.ledger._on_signed is not None:
            self.ledger._on_signed(payment.amount_usd)
        return entry

    def settled(self, entry: int, tx: str | None) -> None:
        self.ledger.store.settle(entry, tx)
        for paid in self.payments:
            if paid.entry == entry:
                paid.settled, paid.tx = True, tx or paid.tx

    def close(self) -> None:
        """The request is over: release what is still held (its payments stay counted)."""
        if not self._closed:
            self._closed = True
            self.hold(0.0)
