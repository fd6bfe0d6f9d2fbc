"""The stand-in's JSON-RPC: just enough of Base's and Solana's for balance reads, blockhashes and the ledger.

``eth_chainId``, ``eth_blockNumber``, ``eth_call`` of ``balanceOf`` and ``authorizationState`` (Base);
``getTokenAccountsByOwner``, ``getLatestBlockhash``, ``getBalance`` and the USDC mint's ``getAccountInfo``
(Solana), all answered from the payment back end's ledger.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from tests.support.backends import PaymentBackend

# keccak256("authorizationState(address,bytes32)")[:4]
AUTHORIZATION_STATE_SELECTOR = "0xe94a0102"


def answer_rpc(call: dict[str, Any], backend: PaymentBackend,
               authorization_used: Callable[[str, str], bool]) -> dict[str, Any]:
    """The JSON-RPC response document for ``call``; an unsupported method is error -32601."""
    method, params = call.get("method"), call.get("params") or []

    def ok(result: Any) -> dict[str, Any]:
        return {"jsonrpc": "2.0", "id": call.get("id"), "result": result}


    if method == "eth_chainId":
        return ok("0x2105")
    if method == "eth_blockNumber":
        return ok("0x1")
    if method == "eth_call":
        data = str(params[0].get("data") or params[0].get("input") or "")
        if data.startswith("0x70a08231"):
            address = "0x" + data[-40:]
            return ok("0x" + backend.balance(address).to_bytes(32, "big").hex())
        if data.startswith(AUTHORIZATION_STATE_SELECTOR):
            authorizer, nonce = "0x" + data[10:74][-40:], data[74:138]
            return ok("0x" + int(authorization_used(authorizer, nonce)).to_bytes(32, "big").hex())
    if method == "getTokenAccountsByOwner":
        owner = str(params[0])
        amount = backend.balance(owner)
        info = {
            "tokenAmount": {"amount": str(amount), "decimals": 6, "uiAmountString": str(amount / 1e6)},
            "mint": backend.asset,
            "owner": owner,
        }
        account = {"data": {"parsed": {"info": info, "type": "account"}, "program": "spl-token"}}
        return ok({"context": {"slot": 1}, "value": [{"pubkey": owner, "account": account}]})
    if method == "getLatestBlockhash":
        extra = backend.requirement_extra()
        return ok(
            {
                "context": {"slot": 1},
                "value": {"blockhash": extra.get("recentBlockhash"), "lastValidBlockHeight": 10**6},
            }
        )
    if method == "getBalance":
        return ok({"context": {"slot": 1}, "value": 10**9})
    if method == "getAccountInfo" and backend.chain == "solana" and str(params[0]) == backend.asset:
        # The USDC mint, for clients that read its decimals and token program (the TypeScript SDK does).
        from solders.token.state import Mint

        mint = bytes(Mint(mint_authority=None, supply=10**15, decimals=6, is_initialized=True,
                          freeze_authority=None))
        return ok({"context": {"slot": 1}, "value": {
            "data": [base64.b64encode(mint).decode(), "base64"], "executable": False, "lamports": 1_461_600,
            "owner": "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "rentEpoch": 0, "space": len(mint)}})
    return {"jsonrpc": "2.0", "id": call.get("id"), "error": {"code": -32601, "message": f"unsupported {method}"}}
