"""The traffic-source rules as data: UTM mediums and referrer host families."""

from __future__ import annotations

from typing import NamedTuple

from django.db.models import TextChoices


class TrafficSource(TextChoices):
    """The channels of SPEC §1; tracking's models store these values."""

    DIRECT = "direct"
    ORGANIC_SEARCH = "organic_search"
    PAID_SEARCH = "paid_search"
    SOCIAL = "social"
    EMAIL = "email"
    REFERRAL = "referral"
    CAMPAIGN = "campaign"
    INTERNAL = "internal"
    UNKNOWN = "unknown"


# Short names for the rule tables below.
DIRECT, ORGANIC_SEARCH, PAID_SEARCH, SOCIAL, EMAIL, REFERRAL, CAMPAIGN, INTERNAL, UNKNOWN = TrafficSource
TRAFFIC_SOURCES = tuple(TrafficSource.values)

# --- UTM mediums --------------------------------------------------------------
# Compared after lower-casing and dropping everything but letters and digits,
# so "Paid_Search", "paid-search" and "paid search" are one key.

PAID_SEARCH_MEDIUMS = frozenset({"cpc", "ppc", "paid", "paidsearch", "sem"})
# There is no paid-social class in the SPEC's list; a paid post on a social
# network is reported with the social channel (GA4 keeps it apart as "Paid
# Social", a split the source mix can add later without losing data).
PAID_SOCIAL_MEDIUMS = frozenset({"paidsocial", "socialpaid", "socialads", "socialcpc"})
EMAIL_MEDIUMS = frozenset({"email", "newsletter"})
SOCIAL_MEDIUMS = frozenset(
    {"social", "socialnetwork", "socialmedia", "sm", "socialorganic", "organicsocial"}
)
ORGANIC_SEARCH_MEDIUMS = frozenset({"organic"})
REFERRAL_MEDIUMS = frozenset({"referral"})

UTM_MEDIUM_RULES: tuple[tuple[frozenset[str], str], ...] = (
    (PAID_SOCIAL_MEDIUMS, SOCIAL),
    (PAID_SEARCH_MEDIUMS, PAID_SEARCH),
    (EMAIL_MEDIUMS, EMAIL),
    (SOCIAL_MEDIUMS, SOCIAL),
    (ORGANIC_SEARCH_MEDIUMS, ORGANIC_SEARCH),
    (REFERRAL_MEDIUMS, REFERRAL),
)

# --- Referrer hosts -----------------------------------------------------------

# Labels that sit between a brand and a two-letter country code as part of
# the public suffix: google.co.uk, google.com.af, goo.ne.jp, google.com.gob…
COUNTRY_SECOND_LEVEL_LABELS = frozenset(
    {"ac", "co", "com", "edu", "go", "gob", "gov", "mil", "ne", "net", "nic", "or", "org"}
)


class Labels(NamedTuple):
    """Domain labels a rule accepts: exact words, or words containing a stem."""

    exact: frozenset[str] = frozenset()
    stems: tuple[str, ...] = ()

    def matches(self, label: str) -> bool:
        return label in self.exact or any(stem in label for stem in self.stems)


# Subdomain labels that mean "webmail" on any provider, including company
# Outlook Web Access and self-hosted Roundcube/Zimbra. Trailing digits and
# hyphens are ignored (webmail2, mail01); "mail" inside a subdomain label is
# webmail too (wmail, exmail, mailbusiness, upcmail).
WEBMAIL_SUBDOMAINS = Labels(
    exact=frozenset(
        {
            "email", "inbox", "outlook", "owa", "posta", "zimbra", "roundcube",
            "horde", "messaging",
        }
    ),
    stems=("mail", "correo", "poczta", "pochta", "courrier", "messagerie"),
)

# Subdomain labels of a portal's search page, in the languages portals use.
SEARCH_SUBDOMAINS = Labels(
    exact=frozenset(
        {
            "search", "websearch", "isearch", "metasearch", "suche", "recherche",
            "busca", "buscar", "buscador", "pesquisa", "cerca", "ricerca",
            "szukaj", "hledani", "haku", "sok", "poisk", "zoeken", "zoek",
            "arama", "kereso", "cautare", "najdi",
        }
    ),
)

SOCIAL_FAMILIES = Labels(
    exact=frozenset(
        {
            # Meta, X/Twitter, Microsoft, Google's video
            "facebook", "fb", "messenger", "instagram", "threads", "whatsapp",
            "workplace", "twitter", "x.com", "t.co", "linkedin", "lnkd.in",
            "youtube", "youtu.be", "skype",
            # image, video, link and Q&A communities
            "pinterest", "pin.it", "reddit", "redd.it", "tiktok", "snapchat",
            "tumblr", "umblr", "flickr", "vimeo", "dailymotion", "twitch",
            "quora", "ask.fm", "deviantart", "soundcloud", "lastfm", "last.fm",
            "slideshare", "goodreads", "foursquare", "meetup", "digg",
            "delicious", "stumbleupon", "ycombinator", "disqus", "disq.us",
            "linktr.ee", "lnk.bio",
            # developer communities, social in Matomo's and referer-parser's lists
            "github", "stackoverflow", "stackexchange", "sourceforge",
            # federated and newer networks, chat apps with link previews
            "mastodon", "bsky", "bluesky", "telegram", "t.me", "discord",
            "discordapp", "slack", "kakao", "line", "wechat", "weixin",
            # regional networks
            "vk", "vkontakte", "ok.ru", "odnoklassniki", "moikrug", "weibo",
            "t.cn", "douban", "qzone", "renren", "kaixin001", "mixi", "gree",
            "cyworld", "xing", "viadeo", "nk.pl", "wykop", "draugiem",
            "skyrock", "hyves", "studivz", "meinvz", "schuelervz", "tuenti",
            "taringa", "sonico", "orkut", "plurk", "livejournal",
            # the early-2000s networks still in analytics lists
            "myspace", "friendfeed", "hi5", "bebo", "badoo", "tagged", "netlog",
            "habbo", "classmates", "xanga", "buzznet", "identi", "gaiaonline",
            "myheritage", "geni", "flixster", "friendster", "myyearbook",
            "plaxo", "fotolog",
        }
    ),
    # Turkish collaborative "dictionaries" (Ekşi Sözlük and its many
    # offshoots) are discussion forums, under ever-changing names.
    stems=("sozluk",),
)

EMAIL_FAMILIES = Labels(
    exact=frozenset(
        {
            "gmail", "googlemail", "outlook", "hotmail", "live", "ymail",
            "rocketmail", "aim", "icloud", "me.com", "protonmail", "proton.me",
            "fastmail", "tutanota", "tuta", "hushmail", "zohomail", "gmx",
            "web.de", "mail.com", "email.com", "mail.ru", "1und1", "laposte",
            "bluewin", "hanmail", "inbox", "seznam.cz",
            # newsletter senders' click-tracking and archive hosts
            "mailchimp", "list-manage", "mailchi.mp", "campaign-archive",
        }
    ),
    # GMX, Web.de, 1&1 and mail.com send links out through deref-<brand>
    # hosts so the mailbox URL never leaks into a referrer.
    stems=("deref-",),
)

SEARCH_FAMILIES = Labels(
    exact=frozenset(
        {
            # global engines
            "google", "bing", "yahoo", "duckduckgo", "ecosia", "ask", "aol",
            "startpage", "ixquick", "qwant", "mojeek", "searx",
            "metager", "swisscows", "you.com", "kagi", "lilo", "yep", "neeva",
            "exalead",
            # the classic portals and meta-search engines
            "lycos", "excite", "dogpile", "infospace", "altavista",
            "alltheweb", "hotbot", "teoma", "info.com", "babylon", "conduit",
            "incredimail", "blekko", "msn",
            # regional engines
            "yandex", "ya.ru", "rambler", "nigma", "sputnik", "baidu", "sogou",
            "soso", "haosou", "so.com", "360", "sm.cn", "naver", "daum", "nate",
            "zum", "seznam", "centrum", "atlas", "zoznam", "najdi", "kvasir",
            "sesam", "eniro", "virgilio", "arianna", "goo", "biglobe", "nifty",
            "infoseek", "yam", "pchome", "sapo", "terra", "walla", "neti",
            "coccoc", "abacho", "ilse",
            # La Toile du Québec, a search directory our Canadian visitors use
            "toile",
        }
    ),
    # Toolbar and meta-search brands name themselves after what they do
    # (mywebsearch, searchalot, picsearch, fixsuche, metacrawler).
    stems=("search", "suche", "crawler"),
)

# "research" contains "search": ResearchGate and university sites are
# ordinary referrals.
NOT_SEARCH_BRANDS = Labels(stems=("research",))

GOOGLE_WORKSPACE_SUBDOMAINS = Labels(
    exact=frozenset(
        {
            "docs", "drive", "sites", "calendar", "meet", "classroom", "keep",
            "script", "forms", "chat", "accounts", "cloud", "console",
            "developers", "support",
        }
    ),
)


class HostRule(NamedTuple):
    traffic_source: str
    # Matched against the brand label and the registrable domain; None: any.
    families: Labels | None
    # One subdomain label must match; None means no condition.
    subdomains: Labels | None = None


# Walked in order; the first match wins. Narrow rules come first: Google+ is
# a social network on a search engine's domain, mail.yahoo.com is webmail on
# one, suche.web.de is search on a webmail's, and search.twitter.com is
# still Twitter.
HOST_RULES: tuple[HostRule, ...] = (
    # A link in a shared Google Doc or Calendar invite is a referral, not a
    # search result, though it comes from a search engine's domain.
    HostRule(REFERRAL, Labels(frozenset({"google"})), GOOGLE_WORKSPACE_SUBDOMAINS),
    HostRule(SOCIAL, Labels(frozenset({"google"})), Labels(frozenset({"plus"}))),
    HostRule(SOCIAL, Labels(frozenset({"qq"})), Labels(frozenset({"qzone"}))),
    HostRule(SOCIAL, Labels(frozenset({"mail.ru"})), Labels(frozenset({"my"}))),
    HostRule(ORGANIC_SEARCH, Labels(frozenset({"mail.ru"})), Labels(frozenset({"go"}))),
    # Google's cached copy of a page is only linked from its results.
    HostRule(
        ORGANIC_SEARCH,
        Labels(frozenset({"googleusercontent"})),
        Labels(frozenset({"webcache"})),
    ),
    HostRule(EMAIL, None, WEBMAIL_SUBDOMAINS),
    HostRule(SOCIAL, SOCIAL_FAMILIES),
    HostRule(ORGANIC_SEARCH, None, SEARCH_SUBDOMAINS),
    HostRule(EMAIL, EMAIL_FAMILIES),
    HostRule(REFERRAL, NOT_SEARCH_BRANDS),
    HostRule(ORGANIC_SEARCH, SEARCH_FAMILIES),
)

# Android apps send `android-app://<package>` instead of a web page. Apps
# whose package does not name their family are listed; the rest are matched
# by the words in the package (com.laurencedawson.reddit_sync → reddit).
APP_REFERRERS: dict[str, str] = {
    "com.google.android.googlequicksearchbox": ORGANIC_SEARCH,
    "com.google.android.gm": EMAIL,
    "com.facebook.katana": SOCIAL,
    "com.zhiliaoapp.musically": SOCIAL,
}
