"""``payTo`` pinning: the recipient must not change behind the user's back.

With a configured ``expected_pay_to`` only that address is paid. Without one, the first recipient seen on a
network is remembered for the life of the process and any other one is refused (the user then configures
the new address explicitly if the change is legitimate).
"""

from __future__ import annotations

import threading

from pyclawrouter.payments.errors import PaymentRefused


def _same(a: str, b: str, network: str) -> bool:
    return a.lower() == b.lower() if network.startswith("eip155:") or network.startswith("base") else a == b


class PayToPin:
    def __init__(self, expected: str | None = None) -> None:
        self._expected = expected.strip() if expected else None
        self._seen: dict[str, str] = {}
        self._lock = threading.Lock()

    def check(self, network: str, pay_to: str, amount_desc: str) -> None:
        if self._expected is not None:
            if not _same(self._expected, pay_to, network):
                raise PaymentRefused(
                    f"Refused to pay {amount_desc}: the recipient {pay_to} is not the configured "
                    f"payTo address {self._expected}.",
                    reason="pay_to_mismatch",
                )
            return
        with self._lock:
            first = self._seen.setdefault(network, pay_to)
        if not _same(first, pay_to, network):
            raise PaymentRefused(
                f"Refused to pay {amount_desc}: the recipient changed from {first} to {pay_to} since the first "
                "payment of this session. If BlockRun really moved, set the new address as the expected payTo "
                "and restart.",
                reason="pay_to_changed",
            )
