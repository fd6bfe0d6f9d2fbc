"""The model catalog: ids, prices, capabilities, routing profiles, aliases and delisted-model redirects.

The data lives in ``pyclawrouter/data/models.toml``, a dated snapshot of the gateway's model list; this module
only loads, validates and answers questions about it. Only priced chat models are routable (``Catalog.models``):
a listed model without a price is kept in ``Catalog.unpriced`` so its id is known, but nothing may route to it.
:func:`default_catalog` loads the packaged file once and caches it (the only global state of the routing core,
read-only after loading).
"""

from __future__ import annotations

import datetime
import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from pyclawrouter.routing._data import Fields, read_toml
from pyclawrouter.routing.errors import CatalogError, UnknownModelError
from pyclawrouter.routing.names import AGENTIC_TABLE, PROFILES

PROVIDER_PREFIX = "blockrun/"
# A profile that exists only as a tier table (auto switches to it on agentic intent); clients may name it too.
TABLE_PROFILES: frozenset[str] = frozenset({AGENTIC_TABLE})
# Prefixes clients put in front of any name: OpenClaw's provider id, and "openai/" from OpenAI-only clients
# that prefix every model name. Real ids win ("openai/gpt-4o" is a model, not the alias "gpt-4o").
CLIENT_PREFIXES: tuple[str, ...] = (PROVIDER_PREFIX, "openai/")

# How BlockRun's gateway quotes a chat request under x402 "exact" (the amount its 402 asks for, which is what is
# paid): the input tokens at the input price plus a tenth of max_tokens at the output price, plus the gateway's
# 5 % margin, never under the facilitator's $0.001 minimum. A max_tokens above the model's ceiling is clamped
# and priced at the clamp. The gateway's own SDK books at least $0.002 per paid call on Base and $0.001 on
# Solana; the quote here does too, so an estimate is never below what a call can cost.
QUOTE_OUTPUT_FACTOR = 0.1
QUOTE_MARGIN = 0.05
MIN_PAYMENT_USD = 0.001
CHAIN_FLOOR_USD: Mapping[str, float] = MappingProxyType({"base": 0.002, "solana": 0.001})

_CAPABILITY_FIELDS = frozenset({"name", "context_window", "max_output", "reasoning", "vision", "tools", "agentic"})
_PRICE_FIELDS = frozenset({"input_price", "output_price", "price_date"})
_MODEL_FIELDS = _CAPABILITY_FIELDS | _PRICE_FIELDS


@dataclass(frozen=True, slots=True)
class Model:
    """A chat model BlockRun serves. Prices are USD per 1M tokens."""

    id: str
    name: str
    input_price: float
    output_price: float
    context_window: int
    max_output: int
    vision: bool = False
    reasoning: bool = False
    tools: bool = False
    agentic: bool = False
    # When the price was last confirmed (the snapshot's date unless the data file says older).
    price_date: datetime.date | None = None

    @property
    def is_free(self) -> bool:
        return self.input_price == 0 and self.output_price == 0

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return input_tokens / 1e6 * self.input_price + output_tokens / 1e6 * self.output_price

    def quote(self, input_tokens: int, max_tokens: int, *, payment_chain: str = "base") -> float:
        """USD the gateway asks for a request of ``input_tokens`` allowing ``max_tokens`` out (0 when free),
        rounded up to a whole micro-USDC like the 402's amount."""
        if self.is_free:
            return 0.0
        if payment_chain not in CHAIN_FLOOR_USD:
            raise ValueError(f"unknown payment chain {payment_chain!r}; allowed: {sorted(CHAIN_FLOOR_USD)}")
        output = min(max(max_tokens, 0), self.max_output)
        raw = (input_tokens * self.input_price + QUOTE_OUTPUT_FACTOR * output * self.output_price) / 1e6
        # round() first so float noise (12345.0000001 micros) does not add a micro
        micros = math.ceil(round(raw * (1 + QUOTE_MARGIN) * 1e6, 6))
        return max(micros / 1e6, MIN_PAYMENT_USD, CHAIN_FLOOR_USD[payment_chain])


@dataclass(frozen=True, slots=True)
class UnpricedModel:
    """A chat model the gateway lists whose price the snapshot does not know: known, never routed."""

    id: str
    name: str
    context_window: int
    max_output: int
    vision: bool = False
    reasoning: bool = False
    tools: bool = False


@dataclass(frozen=True, slots=True)
class ImageModel:
    """An image-generation model, priced per image (USD) at up to ``max_size``; ``None`` when the snapshot has
    no price for it (the payment is then bounded by the proxy's default image estimate)."""

    id: str
    name: str
    price_per_image: float | None
    max_size: str | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    """A routing profile as advertised to clients (a virtual model: the router picks the real one)."""

    id: str
    name: str
    context_window: int
    max_output: int


class Catalog:
    """Validated, read-only view of the catalog data. Construct with :func:`load_catalog`."""

    def __init__(
        self,
        models: Mapping[str, Model],
        image_models: Mapping[str, ImageModel],
        profile_entries: Mapping[str, Profile],
        aliases: Mapping[str, str],
        redirects: Mapping[str, tuple[str, str]],
        free_model: str,
        baseline_model: str,
        *,
        snapshot_date: datetime.date,
        unpriced: Mapping[str, UnpricedModel] | None = None,
        media_ids: frozenset[str] = frozenset(),
    ) -> None:
        self._models = dict(models)  # plain dict for the hot path; the public view is read-only
        self.models: Mapping[str, Model] = MappingProxyType(self._models)
        self.image_models: Mapping[str, ImageModel] = MappingProxyType(dict(image_models))
        self.profile_entries: Mapping[str, Profile] = MappingProxyType(dict(profile_entries))
        self.profiles: frozenset[str] = frozenset(profile_entries)
        self.aliases: Mapping[str, str] = MappingProxyType(dict(aliases))
        # alias -> (target, why it moved)
        self.redirects: Mapping[str, tuple[str, str]] = MappingProxyType(dict(redirects))
        self.free_model = free_model
        self.baseline_model = baseline_model
        # The day the gateway's list was taken: every id in it, and no other, is in ``listed``.
        self.snapshot_date = snapshot_date
        self.unpriced: Mapping[str, UnpricedModel] = MappingProxyType(dict(unpriced or {}))
        self.media_ids = media_ids
        self.listed: frozenset[str] = frozenset(self.models) | frozenset(self.unpriced) | frozenset(
            self.image_models
        ) | media_ids
        # Requests smaller than this fit every model, so the selector can skip its context check.
        self.min_context_window = min(m.context_window for m in self.models.values())
        # One lower-cased lookup table so resolve() is a single dict hit on the hot path.
        lookup: dict[str, str] = {}
        for model_id in self.models:
            lookup[model_id.lower()] = model_id
        for model_id in self.image_models:
            lookup[model_id.lower()] = model_id
        for profile in self.profiles | TABLE_PROFILES:
            lookup[profile] = profile
        for alias, (target, _reason) in self.redirects.items():
            lookup[alias.lower()] = target
        for alias, target in self.aliases.items():
            lookup[alias.lower()] = target
        self._lookup = lookup

    def canonical_ids(self, names: Iterable[str]) -> frozenset[str]:
        """Exclude-list entries as canonical ids, so "flash" or "blockrun/..." names the model it resolves to;
        a name the catalog does not know stays as it is (no chain can hold it anyway)."""
        ids = set()
        for name in names:
            try:
                ids.add(self.resolve(name))
            except UnknownModelError:
                ids.add(name)
        return frozenset(ids)

    def resolve(self, name: str) -> str:
        """Canonical id (model, image model or profile) for an id, alias or delisted id.

        Case-insensitive; a leading ``blockrun/`` or ``openai/`` (or both) is ignored when the full name is not
        known, so ``openai/sonnet`` and ``blockrun/sonnet`` resolve like ``sonnet``.
        Raises :class:`UnknownModelError` naming the nearest known names.
        """
        if not isinstance(name, str):
            raise UnknownModelError(repr(name))
        key = name.strip().lower()
        found = self._lookup.get(key)
        rest = key
        while found is None:
            prefix = next((p for p in CLIENT_PREFIXES if rest.startswith(p)), None)
            if prefix is None:
                break
            rest = rest[len(prefix) :]
            found = self._lookup.get(rest)
        if found is None:
            raise UnknownModelError(name.strip(), self.suggest(key))
        return found

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Known names closest to ``name`` (used only to build error messages, so difflib loads lazily)."""
        import difflib

        key = name.strip().lower().removeprefix(PROVIDER_PREFIX)
        candidates = list(self._lookup)
        close = difflib.get_close_matches(key, candidates, n=limit * 2, cutoff=0.5)
        # Also offer ids sharing the last path segment ("gpt-4o" -> "openai/gpt-4o").
        tail = key.rsplit("/", 1)[-1]
        close += [c for c in candidates if tail and c.rsplit("/", 1)[-1].startswith(tail)]
        resolved: list[str] = []
        for candidate in close:
            target = self._lookup[candidate]
            if target not in resolved:
                resolved.append(target)
        return resolved[:limit]

    def get(self, model_id: str) -> Model:
        """The chat model for an id or alias; profiles and image models are not chat models."""
        model = self._models.get(model_id)
        if model is not None:
            return model
        resolved = self.resolve(model_id)
        model = self._models.get(resolved)
        if model is None:
            kind = "a routing profile" if resolved in self.profiles | TABLE_PROFILES else "an image model"
            raise UnknownModelError(f"{model_id} ({kind}, not a chat model)")
        return model

    def estimate_cost(self, model_id: str, input_tokens: int, output_tokens: int) -> float:
        """Unbuffered USD cost of ``input_tokens`` in and ``output_tokens`` out on ``model_id``."""
        return self.get(model_id).cost(input_tokens, output_tokens)

    def quote(self, model_id: str, input_tokens: int, max_tokens: int, *, payment_chain: str = "base") -> float:
        """What the gateway's 402 asks for this request on ``model_id`` (see :meth:`Model.quote`)."""
        return self.get(model_id).quote(input_tokens, max_tokens, payment_chain=payment_chain)

    def __repr__(self) -> str:
        return f"Catalog({len(self.models)} models, {len(self.image_models)} image models)"


def load_catalog(path: Path | str | None = None) -> Catalog:
    """Load and validate a catalog file (the packaged ``models.toml`` when ``path`` is None)."""
    label, raw = read_toml(Path(path) if path is not None else None, "models.toml")
    top = Fields(label, raw)
    top.check_keys({"snapshot", "settings", "profiles", "aliases", "redirects", "image_models", "models"})
    snapshot = Fields(f"{label} [snapshot]", top.table.get("snapshot"))
    snapshot.check_keys({"date", "source", "media_ids"})
    snapshot_date = snapshot.date("date")
    snapshot.text("source")
    media_ids = frozenset(snapshot.texts("media_ids", default=[]))
    for media_id in sorted(media_ids):
        _check_id(f"{label} [snapshot] media_ids", media_id)

    models: dict[str, Model] = {}
    unpriced: dict[str, UnpricedModel] = {}
    raw_models = Fields(f"{label} [models]", top.table.get("models"))
    for model_id, entry in raw_models.table.items():
        parsed = _parse_model(label, model_id, entry, snapshot_date)
        if isinstance(parsed, Model):
            models[model_id] = parsed
        else:
            unpriced[model_id] = parsed
    if not models:
        raise CatalogError(f"{label}: [models] has no priced model")

    images: dict[str, ImageModel] = {}
    for model_id, entry in Fields(f"{label} [image_models]", top.table.get("image_models", {})).table.items():
        f = Fields(f"{label} image model {model_id!r}", entry)
        f.check_keys({"name", "price_per_image", "max_size"})
        _check_id(label, model_id)
        price = f.number("price_per_image") if "price_per_image" in f.table else None
        images[model_id] = ImageModel(model_id, f.text("name"), price, f.optional_text("max_size"))
    overlap = sorted((set(images) | set(models) | set(unpriced)) & media_ids)
    overlap += sorted(set(images) & (set(models) | set(unpriced)))
    if overlap:
        raise CatalogError(f"{label}: id(s) {overlap} are listed twice (chat, image and media ids are distinct)")

    profiles: dict[str, Profile] = {}
    profile_aliases: dict[str, str] = {}
    for profile_id, entry in Fields(f"{label} [profiles]", top.table.get("profiles")).table.items():
        f = Fields(f"{label} profile {profile_id!r}", entry)
        f.check_keys({"name", "context_window", "max_output", "aliases"})
        if profile_id not in PROFILES:
            raise CatalogError(f"{label}: unknown profile {profile_id!r}; allowed: {sorted(PROFILES)}")
        profiles[profile_id] = Profile(profile_id, f.text("name"), f.integer("context_window"), f.integer("max_output"))
        for alias in f.texts("aliases", default=[]):
            profile_aliases[alias] = profile_id
    if set(profiles) != set(PROFILES):
        raise CatalogError(f"{label}: [profiles] must define exactly {sorted(PROFILES)}, got {sorted(profiles)}")

    known = set(models) | set(images) | set(profiles)
    aliases: dict[str, str] = dict(profile_aliases)
    for alias, target in Fields(f"{label} [aliases]", top.table.get("aliases", {})).table.items():
        if not isinstance(target, str) or target not in known:
            raise CatalogError(f"{label}: alias {alias!r} points to {target!r}, {_not_routable(target, unpriced)}")
        aliases[alias] = target
    redirects: dict[str, tuple[str, str]] = {}
    for old_id, entry in Fields(f"{label} [redirects]", top.table.get("redirects", {})).table.items():
        f = Fields(f"{label} redirect {old_id!r}", entry)
        f.check_keys({"to", "reason"})
        target = f.text("to")
        if target not in models:
            raise CatalogError(f"{label}: redirect {old_id!r} points to {target!r}, {_not_routable(target, unpriced)}")
        redirects[old_id] = (target, f.text("reason"))
    real = {m.lower() for m in known | set(unpriced) | media_ids}
    clash = sorted(k for k in (set(aliases) | set(redirects)) if k.lower() in real)
    if clash:
        raise CatalogError(f"{label}: alias(es) {clash} shadow a model or profile id the gateway lists")

    settings = Fields(f"{label} [settings]", top.table.get("settings"))
    settings.check_keys({"free_model", "baseline_model"})
    free_model, baseline_model = settings.text("free_model"), settings.text("baseline_model")
    for key, value in (("free_model", free_model), ("baseline_model", baseline_model)):
        if value not in models:
            raise CatalogError(f"{label} [settings]: {key} {value!r} {_not_routable(value, unpriced)}")
    if not models[free_model].is_free:
        raise CatalogError(f"{label} [settings]: free_model {free_model!r} has a non-zero price")
    return Catalog(
        models,
        images,
        profiles,
        aliases,
        redirects,
        free_model,
        baseline_model,
        snapshot_date=snapshot_date,
        unpriced=unpriced,
        media_ids=media_ids,
    )


def _not_routable(model_id: object, unpriced: Mapping[str, UnpricedModel]) -> str:
    """Why ``model_id`` cannot be a routing target, for load errors."""
    if isinstance(model_id, str) and model_id in unpriced:
        return "which the gateway lists but the snapshot has no price for (only priced models can be routed to)"
    return "which is not a priced chat model id in the snapshot"


def _check_id(label: str, model_id: str) -> None:
    if model_id != model_id.strip().lower() or "/" not in model_id:
        raise CatalogError(f"{label}: model id {model_id!r} must be lower-case 'vendor/name'")


def _parse_model(label: str, model_id: str, entry: object, snapshot_date: datetime.date) -> Model | UnpricedModel:
    f = Fields(f"{label} model {model_id!r}", entry)
    f.check_keys(_MODEL_FIELDS)
    _check_id(label, model_id)
    context_window, max_output = f.integer("context_window"), f.integer("max_output")
    if max_output > context_window:
        raise CatalogError(f"{f.where}: max_output {max_output} exceeds context_window {context_window}")
    priced = sorted(_PRICE_FIELDS & set(f.table))
    if not priced:
        f.flag("agentic")  # checked for its type; an unpriced model is never routed, agentic or not
        return UnpricedModel(
            id=model_id,
            name=f.text("name"),
            context_window=context_window,
            max_output=max_output,
            vision=f.flag("vision"),
            reasoning=f.flag("reasoning"),
            tools=f.flag("tools"),
        )
    # Both prices or neither: half a price would make every estimate silently wrong.
    input_price, output_price = f.number("input_price"), f.number("output_price")
    price_date = f.date("price_date") if "price_date" in f.table else snapshot_date
    if price_date > snapshot_date:
        raise CatalogError(f"{f.where}: price_date {price_date} is after the snapshot's date {snapshot_date}")
    return Model(
        id=model_id,
        name=f.text("name"),
        input_price=input_price,
        output_price=output_price,
        context_window=context_window,
        max_output=max_output,
        vision=f.flag("vision"),
        reasoning=f.flag("reasoning"),
        tools=f.flag("tools"),
        agentic=f.flag("agentic"),
        price_date=price_date,
    )


@functools.cache
def default_catalog() -> Catalog:
    """The packaged catalog, loaded and validated on first use."""
    return load_catalog()
