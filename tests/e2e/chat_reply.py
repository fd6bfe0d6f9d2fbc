"""Helper for openclaw_e2e.sh: read `openclaw gateway call chat.history --json` output and find the reply.

An image OpenClaw attached to the reply (as it shows it in chat) appears as `[image]` in the text checked.

Usage: python chat_reply.py HISTORY_JSON EXPECTED [EXPECTED...]
Exit 0 and print the reply when the newest assistant message contains every EXPECTED substring; exit 1 if
there is no such reply yet (the caller polls); the newest message is printed to stderr for diagnosis.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "image":
                parts.append("[image]")
            elif isinstance(part, dict):
                parts.append(str(part.get("text") or ""))
            else:
                parts.append(str(part))
        text = " ".join(parts)
    else:
        text = "" if content is None else str(content)
    return text


def main(argv: list[str]) -> int:
    path, expected = Path(argv[1]), argv[2:]
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return 1
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, list) or not messages:
        return 1
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") != "assistant":
        return 1
    text = message_text(last)
    if all(e in text for e in expected):
        print(text)
        return 0
    print(f"newest assistant message so far: {json.dumps(last)[:600]}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
