"""Solana ``exact`` scheme: a partially signed v0 transaction paying USDC with SPL ``TransferChecked``.

Built by hand with solders (the SDK's client scheme needs an RPC for the mint account even for USDC, whose
decimals and program we know): compute-unit limit and price, TransferChecked from our associated token
account to ``payTo``'s, and a memo (``extra.memo`` or 16 random bytes as hex) that makes each payment unique.
The facilitator (``extra.feePayer``) pays the fee and signs slot 0 later; we sign slot 1.
"""

from __future__ import annotations

import base64
import os

import httpx
from solders.compute_budget import set_compute_unit_limit, set_compute_unit_price
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import MessageV0, to_bytes_versioned
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.token.associated import get_associated_token_address
from solders.transaction import VersionedTransaction

from pyclawrouter.payments.challenge import Requirement
from pyclawrouter.payments.errors import PaymentChallengeError, PaymentRefused, PaymentRpcError
from pyclawrouter.payments.networks import SPL_TOKEN_PROGRAM, USDC_DECIMALS

MEMO_PROGRAM = Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr")
TOKEN_PROGRAM = Pubkey.from_string(SPL_TOKEN_PROGRAM)
COMPUTE_UNIT_LIMIT = 20_000
COMPUTE_UNIT_PRICE_MICROLAMPORTS = 1
_TRANSFER_CHECKED = 12
BLOCKHASH_LIFETIME_S = 120
"""A blockhash is usable for 150 slots (about 60–90 s at 400–600 ms a slot); after this many seconds a
transaction built on it can no longer land, so an unsettled payment is then provably void."""


def _pubkey(text: object, what: str) -> Pubkey:
    try:
        return Pubkey.from_string(str(text))
    except ValueError:
        raise PaymentChallengeError(f"The upstream's Solana requirement has an invalid {what}.") from None


def blockhash_from_extra(requirement: Requirement) -> Hash | None:
    value = requirement.extra.get("recentBlockhash")
    if not isinstance(value, str) or not value:
        return None
    try:
        return Hash.from_string(value)
    except ValueError:
        raise PaymentChallengeError("The upstream's extra.recentBlockhash is not a blockhash.") from None


async def fetch_latest_blockhash(rpc_url: str, *, timeout_s: float = 10.0,
                                 client: httpx.AsyncClient | None = None) -> Hash:
    """``getLatestBlockhash`` at ``rpc_url``: over ``client``'s pooled connections when given (the gateway's RPC
    proxy is on the gateway's host: no new TCP and TLS handshake per payment), else over a connection of its own."""
    request = {"jsonrpc": "2.0", "id": 1, "method": "getLatestBlockhash", "params": [{"commitment": "confirmed"}]}
    try:
        if client is not None:
            response = await client.post(rpc_url, json=request, timeout=timeout_s)
        else:
            async with httpx.AsyncClient(timeout=timeout_s) as own:
                response = await own.post(rpc_url, json=request)
        response.raise_for_status()
        value = response.json()["result"]["value"]["blockhash"]
        return Hash.from_string(str(value))
    except (httpx.HTTPError, KeyError, TypeError, ValueError) as exc:
        raise PaymentRpcError(
            f"Could not get a recent Solana blockhash from {rpc_url} ({type(exc).__name__}); try again."
        ) from None


def build_transfer(keypair: Keypair, requirement: Requirement, blockhash: Hash, *, memo: bytes | None = None) -> str:
    """Base64 of the partially signed transaction (the ``transaction`` field of the payload)."""
    fee_payer = _pubkey(requirement.extra.get("feePayer"), "extra.feePayer")
    owner = keypair.pubkey()
    if fee_payer == owner:
        raise PaymentRefused(
            "Refused to pay: the upstream asked this wallet to be the Solana fee payer.", reason="fee_payer_is_us"
        )
    mint = _pubkey(requirement.asset, "asset")
    pay_to = _pubkey(requirement.pay_to, "payTo")
    source = get_associated_token_address(owner, mint)
    destination = get_associated_token_address(pay_to, mint)
    transfer_data = bytes([_TRANSFER_CHECKED]) + requirement.amount.to_bytes(8, "little") + bytes([USDC_DECIMALS])
    extra_memo = requirement.extra.get("memo")
    memo_bytes = memo if memo is not None else (extra_memo.encode() if isinstance(extra_memo, str) else None)
    instructions = [
        set_compute_unit_limit(COMPUTE_UNIT_LIMIT),
        set_compute_unit_price(COMPUTE_UNIT_PRICE_MICROLAMPORTS),
        Instruction(
            TOKEN_PROGRAM,
            transfer_data,
            [
                AccountMeta(source, is_signer=False, is_writable=True),
                AccountMeta(mint, is_signer=False, is_writable=False),
                AccountMeta(destination, is_signer=False, is_writable=True),
                AccountMeta(owner, is_signer=True, is_writable=False),
            ],
        ),
        Instruction(MEMO_PROGRAM, memo_bytes if memo_bytes is not None else os.urandom(16).hex().encode(), []),
    ]
    message = MessageV0.try_compile(fee_payer, instructions, [], blockhash)
    signature = keypair.sign_message(to_bytes_versioned(message))
    transaction = VersionedTransaction.populate(message, [Signature.default(), signature])
    return base64.b64encode(bytes(transaction)).decode("ascii")


def payer_signature(transaction_b64: str) -> str:
    """The wallet's own signature of a transaction from :func:`build_transfer` (base58), which identifies it
    on chain: the fee payer's slot is still empty when we hand it over."""
    transaction = VersionedTransaction.from_bytes(base64.b64decode(transaction_b64))
    default = Signature.default()
    return next((str(sig) for sig in transaction.signatures if sig != default), "")
