"""Which channel brought a visitor: UTM tags first, then the referrer's host.

The rules are data (the tables below) walked by a few short functions, so a
marketer's question "why is this session `referral`?" is answered by reading
a table, and adding a network is a one-line change.

Hosts are matched by *family*, not one string per host: a referrer host is
split into subdomain labels, a brand label and a public-suffix-ish tail
(`news.google.com.af` → `news` / `google` / `com.af`), and a rule names the
brand (`google`) or the registrable domain (`mail.ru`, `t.co`), optionally
narrowed to subdomain labels (`plus` under `google`). No public suffix list
is bundled: country second-level labels (`co.uk`, `com.au`, `ne.jp`) are the
only multi-label suffixes that matter for these families.
"""

from marketing.traffic_source.classify import classify_traffic_source, host_traffic_source
from marketing.traffic_source.rules import TRAFFIC_SOURCES, TrafficSource

__all__ = ["TRAFFIC_SOURCES", "TrafficSource", "classify_traffic_source", "host_traffic_source"]
