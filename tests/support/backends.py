"""Payment back ends for the fake BlockRun: which chain it charges on and how the SDK facilitator reaches it.

Each back end knows its network, asset and ``payTo``, the ``extra`` its requirements carry, how to register
the official SDK facilitator scheme, and how to fund and read balances (for tests and the fake's ``/rpc``).

=====================  =======================================================  ==========================
back end               facilitator signer (SDK)                                 chain state
=====================  =======================================================  ==========================
``StubEvmBackend``     ``ExactEvmFacilitatorScheme`` + :class:`OfflineEvmSigner`  in-memory ledger
``AnvilEvmBackend``    ``ExactEvmFacilitatorScheme`` + SDK ``FacilitatorWeb3Signer``  anvil + TestUSDC
``StubSolanaBackend``  ``ExactSvmFacilitatorScheme`` + :class:`StubSolanaSigner`     in-memory ledger
``LiteSvmBackend``     ``ExactSvmFacilitatorScheme`` + :class:`LiteSvmSigner`        LiteSVM (real SPL)
=====================  =======================================================  ==========================
"""

from __future__ import annotations

from typing import Any, Protocol

from solders.keypair import Keypair
from x402 import x402Facilitator
from x402.mechanisms.evm.exact import register_exact_evm_facilitator
from x402.mechanisms.evm.signers import FacilitatorWeb3Signer
from x402.mechanisms.svm.exact import register_exact_svm_facilitator

from tests.support.anvil import AnvilChain
from tests.support.evm_stub import BASE_USDC, OfflineEvmLedger, OfflineEvmSigner
from tests.support.solana_chains import USDC_MINT, LiteSvmChain, LiteSvmSigner, StubSolanaLedger, StubSolanaSigner

BASE_NETWORK = "eip155:8453"
SOLANA_NETWORK = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"
# The payTo in ClawRouter's own BlockRun fixture.
BLOCKRUN_PAY_TO_EVM = "0xe9030014F5DAe217d0A152f02A043567b16c1aBf"
# anvil's dev account #1: pays the gas of settlement transactions (account #0 mints).
ANVIL_FACILITATOR_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"


class PaymentBackend(Protocol):
    chain: str
    """``"base"`` or ``"solana"``."""
    network: str
    v1_network: str
    asset: str
    pay_to: str

    def requirement_extra(self) -> dict[str, Any]: ...
    def register(self, facilitator: x402Facilitator) -> None: ...
    def fund(self, address: str, amount: int) -> None: ...
    def balance(self, address: str) -> int: ...


class StubEvmBackend:
    chain = "base"
    network = BASE_NETWORK
    v1_network = "base"
    asset = BASE_USDC

    def __init__(self, *, pay_to: str = BLOCKRUN_PAY_TO_EVM, default_balance: int = 0) -> None:
        self.pay_to = pay_to
        self.ledger = OfflineEvmLedger(default_balance=default_balance)
        self.ledger.fund(pay_to, 0)

    def requirement_extra(self) -> dict[str, Any]:
        return {"name": "USD Coin", "version": "2"}

    def register(self, facilitator: x402Facilitator) -> None:
        register_exact_evm_facilitator(facilitator, OfflineEvmSigner(self.ledger), [self.network])

    def fund(self, address: str, amount: int) -> None:
        self.ledger.fund(address, amount)

    def balance(self, address: str) -> int:
        return self.ledger.balance(address)


class AnvilEvmBackend:
    chain = "base"
    network = BASE_NETWORK
    v1_network = "base"
    asset = BASE_USDC

    def __init__(self, anvil: AnvilChain, *, pay_to: str = BLOCKRUN_PAY_TO_EVM) -> None:
        self.anvil = anvil
        self.pay_to = pay_to

    def requirement_extra(self) -> dict[str, Any]:
        return {"name": "USD Coin", "version": "2"}

    def register(self, facilitator: x402Facilitator) -> None:
        signer = FacilitatorWeb3Signer(ANVIL_FACILITATOR_KEY, self.anvil.url, confirmation_timeout_seconds=10)
        register_exact_evm_facilitator(facilitator, signer, [self.network])

    def fund(self, address: str, amount: int) -> None:
        self.anvil.fund(address, amount)

    def balance(self, address: str) -> int:
        return self.anvil.balance(address)


class StubSolanaBackend:
    chain = "solana"
    network = SOLANA_NETWORK
    v1_network = "solana"
    asset = str(USDC_MINT)

    def __init__(self, *, pay_to: str | None = None, default_balance: int = 0) -> None:
        self.fee_payer = Keypair()
        self.pay_to = pay_to or str(Keypair().pubkey())
        self.ledger = StubSolanaLedger(default_balance=default_balance)
        self.ledger.fund(self.pay_to, 0)

    def requirement_extra(self) -> dict[str, Any]:
        return {"feePayer": str(self.fee_payer.pubkey()), "recentBlockhash": str(self.ledger.blockhash)}

    def register(self, facilitator: x402Facilitator) -> None:
        register_exact_svm_facilitator(facilitator, StubSolanaSigner(self.fee_payer, self.ledger), [self.network])

    def fund(self, address: str, amount: int) -> None:
        self.ledger.fund(address, amount)

    def balance(self, address: str) -> int:
        return self.ledger.balance(address)


class LiteSvmBackend:
    chain = "solana"
    network = SOLANA_NETWORK
    v1_network = "solana"
    asset = str(USDC_MINT)

    def __init__(self, chain: LiteSvmChain | None = None, *, pay_to: str | None = None) -> None:
        self.svm = chain or LiteSvmChain()
        self.pay_to = pay_to or str(Keypair().pubkey())
        self.svm.fund(self.pay_to, 0)  # the merchant's token account must exist for TransferChecked

    def requirement_extra(self) -> dict[str, Any]:
        return {"feePayer": str(self.svm.fee_payer.pubkey()), "recentBlockhash": str(self.svm.latest_blockhash())}

    def register(self, facilitator: x402Facilitator) -> None:
        register_exact_svm_facilitator(facilitator, LiteSvmSigner(self.svm), [self.network])

    def fund(self, address: str, amount: int) -> None:
        self.svm.fund(address, amount)

    def balance(self, address: str) -> int:
        return self.svm.balance(address)
