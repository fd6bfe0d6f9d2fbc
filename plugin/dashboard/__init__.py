"""The read-only dashboard at ``/dashboard`` and the chart ``/stats`` attaches in chat.

``access`` (its own token, cookie and one-time links), ``data`` (aggregation of the usage log),
``log_cache`` (each day's file parsed again only when it changed),
``session_spend`` (per-session spend, the one place to switch its source), ``charts`` (SVG), ``page`` (HTML),
``routes`` (the HTTP handlers), ``fmt`` (number formats); ``chat_chart`` on ``png`` and ``font`` draws the
PNG chart ``/stats`` attaches in chat.
"""
