"""The ceiling for bench/ingest.py: the cheapest Django view that stores one event.

It runs under the same gunicorn, settings and middleware as POST /v1/events, so the
gap between the two is what our ingest path (validation, request context, rate
limit, visitor/session bookkeeping, five statements) costs on top of "Django plus
one INSERT". Installed only by bench.settings, never in production.
"""
