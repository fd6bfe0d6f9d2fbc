"""The routing core: which model serves a chat request, at what estimated cost, with which fallbacks.

One module per step, pure after start-up (the data files are read and validated once):

- ``catalog``: models, prices, capabilities, profiles, aliases, redirects (``data/models.toml``)
- ``config``: tier -> model tables per profile and the plugin config's overrides (``data/tiers.toml``)
- ``keywords``: the classifier's multilingual vocabulary, compiled for matching (``data/keywords.toml``)
- ``request`` / ``prompt`` / ``tokens``: validate the body, find the user's own words, estimate tokens
- ``classifier`` / ``scoring``: score the words, map scores to a tier monotonically
- ``selector``: filter the chain for what the request needs, price it, budget estimates
- ``errors``: the user-facing errors all of the above raise

``pyclawrouter.router.route`` runs them in that order.
"""
