"""The few catalog facts the proxy needs, computed once per model instead of per request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyclawrouter.routing.catalog import default_catalog


@dataclass(frozen=True)
class ModelFacts:
    id: str
    max_output: int | None
    reasoning: bool
    input_price: float  # USD per 1M tokens
    output_price: float


class CatalogView:
    def __init__(self, catalog: Any, estimate: Callable[[str, int, int], float] | None = None) -> None:
        self.catalog = catalog
        self._estimate = estimate
        free = getattr(catalog, "free_model", None)
        free = free() if callable(free) else free
        self.free_model: str | None = getattr(free, "id", free) if free else None
        self._facts: dict[str, ModelFacts] = {}
        # A stand-in catalog without a baseline still reports savings against the shipped one.
        self.baseline_model: str = getattr(catalog, "baseline_model", None) or default_catalog().baseline_model

    def facts(self, model_id: str) -> ModelFacts:
        known = self._facts.get(model_id)
        if known is None:
            known = self._facts[model_id] = self._lookup(model_id)
        return known

    def _lookup(self, model_id: str) -> ModelFacts:
        model = None
        try:
            model = self.catalog.get(model_id)
        except Exception:
            model = None
        return ModelFacts(
            id=model_id,
            max_output=getattr(model, "max_output", None),
            reasoning=bool(getattr(model, "reasoning", False)),
            input_price=float(getattr(model, "input_price", 0.0) or 0.0),
            output_price=float(getattr(model, "output_price", 0.0) or 0.0),
        )

    def capable(self, model_id: str, *, tools: bool, vision: bool, tokens: int) -> bool:
        """Whether the model can take a request with these needs (tools, images, context size)."""
        try:
            model = self.catalog.get(model_id)
        except Exception:
            return False
        if (tools and not getattr(model, "tools", False)) or (vision and not getattr(model, "vision", False)):
            return False
        return tokens <= int(getattr(model, "context_window", 0) or 0)

    def is_free(self, model_id: str) -> bool:
        facts = self.facts(model_id)
        return model_id == self.free_model or (facts.input_price == 0 and facts.output_price == 0)

    def estimate(self, model_id: str, input_tokens: int, max_output_tokens: int) -> float:
        """The buffered pre-request estimate (what a payment may be checked against); 0 for free models."""
        if self.is_free(model_id):
            return 0.0
        if self._estimate is not None:
            return float(self._estimate(model_id, input_tokens, max_output_tokens))
        return self.token_cost(model_id, input_tokens, max_output_tokens)

    def token_cost(self, model_id: str, input_tokens: int, output_tokens: int) -> float:
        facts = self.facts(model_id)
        return (input_tokens * facts.input_price + output_tokens * facts.output_price) / 1_000_000

    def baseline_cost(self, input_tokens: int, output_tokens: int) -> float:
        """What the same tokens would have cost on the baseline model (the "savings" reference)."""
        return self.token_cost(self.baseline_model, input_tokens, output_tokens)
