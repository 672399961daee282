"""A readable name for the device behind a User-Agent: "Chrome 120 · Samsung SM-A145F · Android 13".

Citizens look at their devices to spot one that is not theirs; a raw User-Agent string
("Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 …") does not tell them. The parsing
is ua-parser's (the Browserscope rules, kept up to date in ua-parser-builtins).
"""

from __future__ import annotations

import functools

import ua_parser

# Names ua-parser gives to devices it could not tell apart (Chrome reduces the model to "K"):
# saying nothing is more honest.
_VAGUE_DEVICES = {"Other", "K", "Generic Smartphone", "Generic Feature Phone", "Generic Tablet", "Spider"}


def _version(family: str, major: str | None) -> str:
    return f"{family} {major}" if major else family


@functools.lru_cache(maxsize=512)
def device_name(user_agent: str) -> str:
    """Browser, device and system of a User-Agent, whichever are known; "" when none is."""
    ua = user_agent.strip()
    if not ua:
        return ""
    result = ua_parser.parse(ua)
    parts: list[str] = []
    if result.user_agent and result.user_agent.family != "Other":
        parts.append(_version(result.user_agent.family.removeprefix("Headless"), result.user_agent.major))
    if result.device and result.device.family not in _VAGUE_DEVICES:
        parts.append(result.device.family)
    if result.os and result.os.family != "Other":
        parts.append(_version(result.os.family, result.os.major))
    # The app's own agent names only its platform ("VssID/2.0 (Android 12)"): "Android 12 · Android 12".
    parts = list(dict.fromkeys(parts))
    return " · ".join(parts) if parts else ua[:80]
