"""pyclawrouter: ClawRouter in Python.

A local OpenAI-compatible proxy for OpenClaw that routes each chat request to the cheapest model able to
serve it, pays BlockRun's API per request with an x402 USDC micropayment signed by a local wallet, falls
back down a chain of models, caps spend per run and logs what every request cost and saved.
"""

__version__ = "0.1.0"
