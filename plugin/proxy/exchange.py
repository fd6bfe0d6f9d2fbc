"""One client chat request, from its routing decision to its usage line.

The pipeline fills it in step by step (chain, notices, the spend of its payments); :meth:`Exchange.finish`
books the outcome exactly once, whether the answer was JSON, a stream, a refusal or a client that went away:
it releases the request's hold on the session's budget (the payments themselves were booked by the payment
flow as they were signed, never here), fills the response cache, releases in-flight dedup followers and
writes the usage line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pyclawrouter.ledger.spend import RequestSpend
from pyclawrouter.proxy import accounting
from pyclawrouter.proxy.answer_cost import price_json
from pyclawrouter.proxy.context import ProxyContext
from pyclawrouter.proxy.outcome import Outcome
from pyclawrouter.proxy.replay import Replay
from pyclawrouter.proxy.request import ChatCall
from pyclawrouter.proxy.responses import add_notices_to_json
from pyclawrouter.upstream.fallback import Success

if TYPE_CHECKING:  # the routing core loads in the start-up worker thread
    from pyclawrouter.routing.router import RoutingDecision


@dataclass
class Exchange:
    ctx: ProxyContext
    chat: ChatCall
    key: str
    """The response cache / in-flight dedup key of this request."""
    request_id: str
    started: float
    decision: RoutingDecision
    session: str
    chain: list[str]
    tier: str
    payment_chain: str
    notices: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    spend: RequestSpend | None = None
    """Every payment this request signed (the payment flow books them as it signs)."""
    demoted: tuple[dict[str, str], ...] = ()
    """Models of the chain moved to its back: ``{"model", "reason": "outcomes" (failing this kind of request)
    or "health" (the gateway's health rows)}``."""
    _finished: bool = False

    @property
    def decision_is_explicit(self) -> bool:
        return self.decision.profile == "explicit"

    @property
    def log_tier(self) -> str:
        return "DIRECT" if self.decision_is_explicit else self.tier

    @property
    def paid(self) -> float:
        """What this request paid across all its attempts, failed ones included."""
        return self.spend.total if self.spend is not None else 0.0

    # --- what the client sees --------------------------------------------------------------------------

    def prelude(self, success: Success) -> bytes:
        return accounting.stream_prelude(self, success, self.chat.debug)

    def trailer(self, success: Success) -> bytes:
        return accounting.stream_trailer(self, success)

    def json_outcome(self, success: Success) -> Outcome:
        if success.payment_fallback:
            self.notices.append(accounting.PAYMENT_FAILED.format(model=self.chain[0]))
        body = price_json(add_notices_to_json(success.body or b"{}", self.notices, success.model), self.paid)
        outcome = Outcome(status=200, success=success, usage=accounting.usage_of(body), recorded=body)
        outcome.headers = accounting.answer_headers(self, success, self.chat.debug)
        return outcome

    # --- bookkeeping -----------------------------------------------------------------------------------

    def log(self, outcome: Outcome, *, cache: str | None = None) -> None:
        self.ctx.usage.write(accounting.usage_record(self, self.ctx.models, outcome, cache=cache))

    def finish(self, outcome: Outcome) -> None:
        """Book a finished request; runs once, even when the client went away."""
        if self._finished:
            return
        self._finished = True
        ctx = self.ctx
        if self.spend is not None:
            self.spend.close()
        # The session's pin is not moved: a fallback, or a forced downgrade (wallet, budget), served this one
        # request; the pinned model leads again next turn (only a higher tier replaces a pin, see sessions.py).
        replay = None
        if outcome.status == 200 and outcome.recorded is not None:
            replay = Replay(200, outcome.recorded, outcome.media_type,
                            tuple((outcome.headers or {}).items()) if not self.chat.stream else ())
            ctx.cache.put(self.key, replay)
        ctx.inflight.complete(self.key, replay)
        self.log(outcome)
