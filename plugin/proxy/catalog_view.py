"""The few catalog facts the proxy needs, computed once per model instead of per request.

Prices fail closed: a model the catalog does not price is never "free" (its estimate is unknown, not $0), so
the cost cap and the payer's ceiling cannot be bypassed by a routing target without a price.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyclawrouter.routing.catalog import Catalog

UNKNOWN_PRICE = math.inf


@dataclass(frozen=True)
class ModelFacts:
    id: str
    known: bool
    """Priced by the catalog (snapshot or live list)."""
    max_output: int | None
    reasoning: bool
    input_price: float  # USD per 1M tokens
    output_price: float


class CatalogView:
    def __init__(self, catalog: Catalog, estimate: Callable[[str, int, int], float] | None = None, *,
                 unlisted: frozenset[str] = frozenset()) -> None:
        self.catalog = catalog
        self._estimate = estimate
        self.free_model: str | None = catalog.free_model
        self.baseline_model: str = catalog.baseline_model
        self.unlisted = unlisted
        self._facts: dict[str, ModelFacts] = {}

    def facts(self, model_id: str) -> ModelFacts:
        known = self._facts.get(model_id)
        if known is None:
            known = self._facts[model_id] = self._lookup(model_id)
        return known

    def _lookup(self, model_id: str) -> ModelFacts:
        model = self.catalog.models.get(model_id)
        if model is None:
            return ModelFacts(model_id, False, None, False, UNKNOWN_PRICE, UNKNOWN_PRICE)
        return ModelFacts(model_id, True, model.max_output, model.reasoning, model.input_price, model.output_price)

    def capable(self, model_id: str, *, tools: bool, vision: bool, tokens: int) -> bool:
        """Whether the model can take a request with these needs (tools, images, context size)."""
        model = self.catalog.models.get(model_id)
        if model is None or model_id in self.unlisted:
            return False
        if (tools and not model.tools) or (vision and not model.vision):
            return False
        return tokens <= model.context_window

    def is_free(self, model_id: str) -> bool:
        facts = self.facts(model_id)
        return facts.known and facts.input_price == 0 and facts.output_price == 0

    def estimate(self, model_id: str, input_tokens: int, max_output_tokens: int) -> float:
        """The buffered pre-request estimate (what a payment may be checked against); 0 for free models and
        ``inf`` for a model without a known price."""
        facts = self.facts(model_id)
        if not facts.known:
            return UNKNOWN_PRICE
        if self.is_free(model_id):
            return 0.0
        if self._estimate is not None:
            return float(self._estimate(model_id, input_tokens, max_output_tokens))
        return self.token_cost(model_id, input_tokens, max_output_tokens)

    def token_cost(self, model_id: str, input_tokens: int, output_tokens: int) -> float:
        facts = self.facts(model_id)
        if not facts.known:
            return 0.0  # for savings figures only; nothing is ever paid from this number
        return (input_tokens * facts.input_price + output_tokens * facts.output_price) / 1_000_000

    def baseline_cost(self, input_tokens: int, output_tokens: int) -> float:
        """What the same tokens would have cost on the baseline model (the "savings" reference)."""
        return self.token_cost(self.baseline_model, input_tokens, output_tokens)
