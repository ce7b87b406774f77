"""The User-Agent -> device-type classifiers that bench/ua_devices.py compares.

Each builder imports its library lazily and returns an *uncached* classifier, so
the bench times what a cache miss costs; ImportError means "not installed, skip".
The imports happen inside the builders because the bench times them too (its
"import ms" column), each candidate in a fresh interpreter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Classifier = Callable[[str], str]


def _product() -> Classifier:
    from marketing import devices

    # The product's own mapping minus its LRU cache, so the bench measures
    # exactly what ships (the corpus has no UA near the length cap).
    return devices.classify


def _device_detector() -> Classifier:
    # The library's device type mapped onto our classes and nothing more:
    # the baseline the product's extra rule (HTTP libraries -> bot) is judged
    # against, and still runnable if the product module changes library.
    from device_detector import DeviceDetector

    mapping = {
        "desktop": "desktop",
        "smartphone": "mobile",
        "phablet": "mobile",
        "feature phone": "mobile",
        "tablet": "tablet",
    }

    def classify(ua: str) -> str:
        dd = DeviceDetector(ua, check_cache=False).parse()
        if dd.is_bot():
            return "bot"
        return mapping.get(str(dd.device_type()), "unknown")

    return classify


def _user_agents_mapping(ua_obj: object) -> str:
    # user-agents' own predicates, checked bot-first: a bot UA often also
    # looks like a phone or a PC.
    if ua_obj.is_bot:  # type: ignore[attr-defined]
        return "bot"
    if ua_obj.is_tablet:  # type: ignore[attr-defined]
        return "tablet"
    if ua_obj.is_mobile:  # type: ignore[attr-defined]
        return "mobile"
    if ua_obj.is_pc:  # type: ignore[attr-defined]
        return "desktop"
    return "unknown"


def _user_agents_stock() -> Classifier:
    import user_agents
    from ua_parser import user_agent_parser

    # user-agents goes through ua-parser's legacy pure-`re` API, whose
    # 200-entry dict cache would otherwise hide the parse cost.
    user_agent_parser.MAX_CACHE_SIZE = 0

    def classify(ua: str) -> str:
        return _user_agents_mapping(user_agents.parse(ua))

    return classify


def _ua_parser_backend(backend: str) -> Callable[[], Classifier]:
    """user-agents' device rules fed by a ua-parser 1.x resolver.

    ua-parser reports browser/OS/device *family*, not a device type, so some
    mapping is needed; user-agents' rules are the usual one. Feeding them from
    the 1.x resolvers isolates what the optional native backends buy.
    """

    def build() -> Classifier:
        import ua_parser
        from user_agents import parsers as uap

        if backend == "basic":
            resolver = ua_parser.BasicResolver(ua_parser.load_builtins())
        elif backend == "re2":
            import re2  # noqa: F401  (skip cleanly if google-re2 is missing)
            from ua_parser.re2 import Resolver

            resolver = Resolver(ua_parser.load_lazy_builtins())
        elif backend == "rs":
            import ua_parser_rs  # noqa: F401
            from ua_parser.regex import Resolver

            resolver = Resolver(ua_parser.load_lazy_builtins())
        else:
            raise ValueError(backend)
        parser = ua_parser.Parser(resolver)  # no CachingResolver: uncached

        class _UA(uap.UserAgent):
            def __init__(self, ua: str) -> None:
                r = parser.parse(ua).with_defaults()
                self.ua_string = ua
                self.os = uap.parse_operating_system(
                    r.os.family, r.os.major, r.os.minor, r.os.patch, r.os.patch_minor
                )
                self.browser = uap.parse_browser(
                    r.user_agent.family, r.user_agent.major, r.user_agent.minor, r.user_agent.patch
                )
                self.device = uap.parse_device(r.device.family, r.device.brand, r.device.model)

        def classify(ua: str) -> str:
            return _user_agents_mapping(_UA(ua))

        return classify

    return build


def _crawlerdetect_detector() -> Callable[[str], bool]:
    from crawlerdetect import CrawlerDetect

    class _Uncached(CrawlerDetect):
        CACHE_SIZE = 0  # lru_cache(maxsize=0) stores nothing

    detector = _Uncached()
    return detector.is_crawler


def _crawlerdetect_only() -> Classifier:
    is_crawler = _crawlerdetect_detector()
    return lambda ua: "bot" if is_crawler(ua) else "unknown"


def _with_crawlerdetect(base: Callable[[], Classifier]) -> Callable[[], Classifier]:
    def build() -> Classifier:
        is_crawler = _crawlerdetect_detector()
        inner = base()
        return lambda ua: "bot" if is_crawler(ua) else inner(ua)

    return build


@dataclass(frozen=True)
class Candidate:
    name: str
    dists: tuple[str, ...]  # distributions it pulls in (versions + installed size)
    build: Callable[[], Classifier]
    bot_only: bool = False


UA_DISTS = ("user-agents", "user-agents-ng", "ua-parser", "ua-parser-builtins")
CANDIDATES: tuple[Candidate, ...] = (
    Candidate(
        "marketing.devices (product)",
        ("device_detector", "regex", "ahocorasick_rs", "yaml-rs"),
        _product,
    ),
    Candidate(
        "device_detector (type mapping only)",
        ("device_detector", "regex", "ahocorasick_rs", "yaml-rs"),
        _device_detector,
    ),
    Candidate("user-agents (stock)", UA_DISTS, _user_agents_stock),
    Candidate("ua-parser basic + user-agents rules", UA_DISTS, _ua_parser_backend("basic")),
    Candidate("ua-parser re2 + user-agents rules", UA_DISTS + ("google-re2",), _ua_parser_backend("re2")),
    Candidate("ua-parser rs + user-agents rules", UA_DISTS + ("ua-parser-rs",), _ua_parser_backend("rs")),
    Candidate(
        "ua-parser rs + user-agents rules + crawlerdetect",
        UA_DISTS + ("ua-parser-rs", "crawlerdetect"),
        _with_crawlerdetect(_ua_parser_backend("rs")),
    ),
    Candidate(
        "user-agents (stock) + crawlerdetect",
        UA_DISTS + ("crawlerdetect",),
        _with_crawlerdetect(_user_agents_stock),
    ),
    Candidate("crawlerdetect (bots only)", ("crawlerdetect",), _crawlerdetect_only, bot_only=True),
)
BY_NAME = {c.name: c for c in CANDIDATES}
