"""Solana back ends for the SDK's SVM facilitator: an offline stub and LiteSVM (a real in-process runtime).

Both are used through the SDK's ``FacilitatorKeypairSigner`` (the facilitator co-signs as fee payer with a
real key); only simulate/send/confirm are redirected. The stub checks signatures
(``verify_with_results``), the payer's balance and replays from an in-memory ledger. LiteSVM runs the real
SPL Token, ATA, Memo and ComputeBudget programs with signature verification on.
"""

from __future__ import annotations

import base64
import os
import threading

from solders.account import Account
from solders.hash import Hash
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey
from solders.token.associated import get_associated_token_address
from solders.token.state import Mint, TokenAccount, TokenAccountState
from solders.transaction import VersionedTransaction
from x402.mechanisms.svm.signers import FacilitatorKeypairSigner

USDC_MINT = Pubkey.from_string("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")
TOKEN_PROGRAM = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")


def _decode(tx_b64: str) -> VersionedTransaction:
    return VersionedTransaction.from_bytes(base64.b64decode(tx_b64))


class StubSolanaLedger:
    """USDC balances by owner (base58) and the transaction signatures already landed."""

    def __init__(self, *, default_balance: int = 0) -> None:
        self.balances: dict[str, int] = {}
        self.default_balance = default_balance
        self.landed: set[str] = set()
        self.blockhash = Hash.from_bytes(os.urandom(32))
        self.lock = threading.Lock()

    def touch(self, owner: str) -> None:
        """Call with ``lock`` held: give a never-seen owner ``default_balance``."""
        self.balances.setdefault(owner, self.default_balance)

    def fund(self, owner: str, amount: int) -> None:
        with self.lock:
            self.touch(owner)
            self.balances[owner] += amount

    def balance(self, owner: str) -> int:
        with self.lock:
            self.touch(owner)
            return self.balances[owner]


def _transfer_of(tx: VersionedTransaction) -> tuple[str, str, int]:
    """(owner, destination ATA, amount) of the transaction's SPL TransferChecked."""
    message = tx.message
    keys = message.account_keys
    for ix in message.instructions:
        if keys[ix.program_id_index] == TOKEN_PROGRAM and ix.data[:1] == bytes([12]):
            source, mint, dest, owner = (keys[i] for i in ix.accounts[:4])
            if mint != USDC_MINT or source != get_associated_token_address(owner, USDC_MINT):
                raise RuntimeError("Simulation failed: invalid account data for instruction")
            return str(owner), str(dest), int.from_bytes(ix.data[1:9], "little")
    raise RuntimeError("Simulation failed: no TransferChecked instruction")


class StubSolanaSigner(FacilitatorKeypairSigner):
    """SDK facilitator signer whose 'chain' is a :class:`StubSolanaLedger` (no RPC at all)."""

    def __init__(self, fee_payer: Keypair, ledger: StubSolanaLedger) -> None:
        super().__init__(fee_payer)
        self.ledger = ledger

    def _check(self, tx: VersionedTransaction) -> tuple[str, str, int]:
        if not all(tx.verify_with_results()):
            raise RuntimeError(f"Simulation failed: signature verification failed: {tx.verify_with_results()}")
        if str(tx.signatures[1]) in self.ledger.landed:
            raise RuntimeError("Simulation failed: This transaction has already been processed")
        owner, dest, amount = _transfer_of(tx)
        self.ledger.touch(owner)
        if self.ledger.balances[owner] < amount:
            raise RuntimeError("Simulation failed: Error processing Instruction 2: insufficient funds")
        receivers = [
            o
            for o in self.ledger.balances
            if str(get_associated_token_address(Pubkey.from_string(o), USDC_MINT)) == dest
        ]
        if not receivers:
            raise RuntimeError("Simulation failed: destination token account does not exist")
        return owner, receivers[0], amount

    def simulate_transaction(self, tx_base64: str, network: str) -> None:
        with self.ledger.lock:
            self._check(_decode(tx_base64))

    def send_transaction(self, tx_base64: str, network: str) -> str:
        tx = _decode(tx_base64)
        with self.ledger.lock:
            owner, receiver, amount = self._check(tx)
            self.ledger.balances[owner] -= amount
            self.ledger.balances[receiver] += amount
            self.ledger.landed.add(str(tx.signatures[1]))
        return str(tx.signatures[0])

    def confirm_transaction(self, signature: str, network: str, timeout_seconds: int = 30) -> None:
        return None


class LiteSvmChain:
    """A LiteSVM instance with USDC at the real mainnet mint address, and helpers to fund and read balances."""

    def __init__(self) -> None:
        self.svm = LiteSVM()
        self.fee_payer = Keypair()
        self.lock = threading.Lock()
        rent = self.svm.minimum_balance_for_rent_exemption(Mint.LEN if hasattr(Mint, "LEN") else 82)
        mint = Mint(mint_authority=None, supply=10**15, decimals=6, is_initialized=True, freeze_authority=None)
        self.svm.set_account(USDC_MINT, Account(lamports=rent, data=bytes(mint), owner=TOKEN_PROGRAM, executable=False))
        self.svm.airdrop(self.fee_payer.pubkey(), 10**10)

    def ata(self, owner: str) -> Pubkey:
        return get_associated_token_address(Pubkey.from_string(owner), USDC_MINT)

    def fund(self, owner: str, amount: int) -> None:
        """Set ``owner``'s USDC token account to its current balance plus ``amount``."""
        with self.lock:
            total = self._balance(owner) + amount
            account = TokenAccount(
                mint=USDC_MINT,
                owner=Pubkey.from_string(owner),
                amount=total,
                delegate=None,
                state=TokenAccountState.Initialized,
                is_native=None,
                delegated_amount=0,
                close_authority=None,
            )
            data = bytes(account)
            rent = self.svm.minimum_balance_for_rent_exemption(len(data))
            self.svm.set_account(
                self.ata(owner), Account(lamports=rent, data=data, owner=TOKEN_PROGRAM, executable=False)
            )

    def _balance(self, owner: str) -> int:
        account = self.svm.get_account(self.ata(owner))
        if account is None or len(account.data) < 72:
            return 0
        return int.from_bytes(bytes(account.data)[64:72], "little")

    def balance(self, owner: str) -> int:
        with self.lock:
            return self._balance(owner)

    def latest_blockhash(self) -> Hash:
        with self.lock:
            return self.svm.latest_blockhash()

    def token_accounts_by_owner(self, owner: str) -> list[tuple[str, int]]:
        """(account address, amount) of ``owner``'s USDC accounts, for a fake ``getTokenAccountsByOwner``."""
        with self.lock:
            account = self.svm.get_account(self.ata(owner))
            if account is None:
                return []
            return [(str(self.ata(owner)), self._balance(owner))]


class LiteSvmSigner(FacilitatorKeypairSigner):
    """SDK facilitator signer that simulates and sends through a :class:`LiteSvmChain`."""

    def __init__(self, chain: LiteSvmChain) -> None:
        super().__init__(chain.fee_payer)
        self.chain = chain

    def simulate_transaction(self, tx_base64: str, network: str) -> None:
        with self.chain.lock:
            result = self.chain.svm.simulate_transaction(_decode(tx_base64))
        if type(result).__name__ == "FailedTransactionMetadata":
            raise RuntimeError(f"Simulation failed: {result.err()}")  # type: ignore[union-attr]

    def send_transaction(self, tx_base64: str, network: str) -> str:
        tx = _decode(tx_base64)
        with self.chain.lock:
            result = self.chain.svm.send_transaction(tx)
        if type(result).__name__ == "FailedTransactionMetadata":
            raise RuntimeError(f"Transaction failed: {result.err()}")  # type: ignore[union-attr]
        return str(tx.signatures[0])

    def confirm_transaction(self, signature: str, network: str, timeout_seconds: int = 30) -> None:
        return None
