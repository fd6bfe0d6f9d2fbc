"""Slash commands (/wallet, /stats, /img, /img2img, /exclude): thin functions over the core, shared by chat and CLI."""
