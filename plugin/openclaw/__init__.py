"""The OpenClaw side: the plugin files (``manifest``), the provider block, and install/uninstall/status.

OpenClaw loads only JavaScript, so ``plugin/index.js`` is a thin entry that registers the ``blockrun`` provider
and the chat commands, runs the Python proxy as a gateway service (``plugin/service.js``) and forwards commands to
it. This package writes that plugin into OpenClaw and changes OpenClaw's config only through OpenClaw's own CLI.
"""
