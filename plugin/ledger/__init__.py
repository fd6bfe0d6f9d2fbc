"""The spend ledger: every payment the proxy signs, recorded before it leaves the process.

A signed x402 authorization can be settled by the gateway whatever HTTP status comes back, until it expires,
so spend is counted at signing, not at answering. An entry is *pending* until it is known to be settled
(a receipt with a transaction hash, or a 2xx answer) and becomes *void* only once it provably was not and
can no longer be settled. Pending counts as spent.
"""

from pyclawrouter.ledger.store import LedgerEntry, LedgerStore, SignedPayment, SqliteLedgerStore, open_store

__all__ = ["LedgerEntry", "LedgerStore", "SignedPayment", "SqliteLedgerStore", "open_store"]
