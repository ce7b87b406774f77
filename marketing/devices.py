"""Which kind of device sent a request: desktop, mobile, tablet, bot or unknown.

Backed by ``device_detector`` (the Python port of matomo's Device Detector),
chosen by ``bench/ua_devices.py``; figures and caveats in
docs/benchmarks.md. On the shared 1,000-UA corpus it classifies
99.5% correctly (desktop 98.4, mobile 100, tablet 100, bot 99.6) against
72.5% for ua-parser with user-agents' rules, and 78.8% when crawlerdetect is
added for bots (which also calls 56 of the 750 human UAs bots). That corpus
comes from matomo's own test fixtures, so 99.5% is an in-sample figure, but
the gap lies where ua-parser has no data at all: Android tablets whose UA says
"Mobile", a bot list of over a thousand entries, desktop apps.

The price is CPU: about 8 ms per uncached parse (about 20 ms for a desktop
browser, whose UA is tried against every device-brand regex), about 1.6 s to
load and up to 140 MB RSS. Hence the LRU cache, the length cap and ``warm_up()``;
``cache_info()`` gives the hit rate that decides what the ingest path pays.
"""

from __future__ import annotations

import functools
from typing import Final, Literal

from device_detector import DeviceDetector

DeviceClass = Literal["desktop", "mobile", "tablet", "bot", "unknown"]
DEVICE_CLASSES: Final[tuple[DeviceClass, ...]] = ("desktop", "mobile", "tablet", "bot", "unknown")

CACHE_SIZE: Final = 4096
# Parse time grows faster than length (8 KB costs ~1.7 s, 100 KB minutes),
# and the UA is a header anyone can fill. Real UAs stay far below this: the
# corpus tops out at 339 characters.
MAX_USER_AGENT_LENGTH: Final = 512

# matomo's device types that fit our classes. TVs, consoles, cars, cameras,
# wearables, media players and smart speakers stay "unknown": lumping them
# into desktop or mobile would skew the device split more than leaving them out.
_CLASS_BY_DEVICE_TYPE: Final[dict[str, DeviceClass]] = {
    "desktop": "desktop",
    "smartphone": "mobile",
    "phablet": "mobile",
    "feature phone": "mobile",
    "tablet": "tablet",
}

_WARM_UP_USER_AGENTS: Final = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
)


def classify(user_agent: str) -> DeviceClass:
    """Uncached classification; ``bench/ua_devices.py`` measures exactly this."""
    # check_cache=False: the library's own 1,024-entry cache would hold whole
    # parser objects next to ours, for nothing.
    detected = DeviceDetector(user_agent, check_cache=False).parse()
    if detected.is_bot():
        return "bot"
    # matomo files HTTP libraries (curl, python-requests, Go-http-client) as
    # clients, not bots, and this port then sometimes guesses "smartphone".
    # A library UA that names no OS has no person's device behind it, which
    # for visitor analytics is automated traffic. One that does name an OS
    # (SafariViewService on Darwin) is an app on someone's machine.
    if detected.client_type() == "library" and not detected.os_name():
        return "bot"
    return _CLASS_BY_DEVICE_TYPE.get(str(detected.device_type()), "unknown")


_cached_classify = functools.lru_cache(maxsize=CACHE_SIZE)(classify)
cache_info = _cached_classify.cache_info
cache_clear = _cached_classify.cache_clear


def device_type_for(user_agent: str | None) -> DeviceClass:
    """One of desktop, mobile, tablet, bot, unknown; cached per (capped) UA."""
    if not user_agent or not user_agent.strip():
        return "unknown"
    # Capped before the cache so the cache's memory is bounded too.
    return _cached_classify(user_agent[:MAX_USER_AGENT_LENGTH])


def is_bot(user_agent: str | None) -> bool:
    return device_type_for(user_agent) == "bot"


def warm_up() -> None:
    """Load the regex tables now rather than on the first visitor's request.

    The first parse in a process takes ~1.6 s. Call this from a gunicorn
    hook or AppConfig.ready() of the process that serves ingest traffic.
    """
    for user_agent in _WARM_UP_USER_AGENTS:
        classify(user_agent)
