"""The upstream layer: everything between a planned request and BlockRun's answer.

- ``client``: the pooled HTTP client and ``Upstream.post``, which lets the x402 flow pay a 402
- ``transport``: the aiohttp connection pool under httpx
- ``fallback``: the loop that tries each model of the model chain until one answers
- ``cooldowns``: model health learned from outcomes (cooldowns, demotion)
- ``rewrite``: the body each model actually receives
- ``classify``: what an upstream failure means for the fallback loop
- ``errors``: an attempt's failure and the loop's (all models failed, refused, timed out, connection broken)
"""
