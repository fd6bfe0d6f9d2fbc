"""Usage log (one JSON line per request under ``logs/``) and the statistics computed from it."""

from pyclawrouter.usage.log import UsageRecord, UsageWriter
from pyclawrouter.usage.stats import aggregate, clear

__all__ = ["UsageRecord", "UsageWriter", "aggregate", "clear"]
