"""The privacy officer's read-only views of the legal records.

Nobody edits these in the back office: consent events and erasure receipts are proof
(the database refuses changes too, see migration 0002), suppressions are written by
unsubscribe and erasure, the abuse log by the abuse controls.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from compliance.models import AbuseLogEntry, ConsentEvent, ErasureReceipt, Suppression
from compliance.selectors import email_hash_for
from tracking.admin import ReadOnlyAdmin


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "status", "source", "lead", "purpose_excerpt"]
    list_filter = ["status", "source", "occurred_at"]
    # A string lookup into leads.Lead: this app cannot import leads.
    search_fields = ["lead__email_normalized"]
    list_select_related = ["lead"]
    date_hierarchy = "occurred_at"
    ordering = ["-occurred_at"]

    @admin.display(description="purpose")
    def purpose_excerpt(self, consent_event: ConsentEvent) -> str:
        purpose = consent_event.purpose
        return purpose if len(purpose) <= 80 else f"{purpose[:79]}…"


@admin.register(ErasureReceipt)
class ErasureReceiptAdmin(ReadOnlyAdmin):
    list_display = ["erased_at", "erased_by", "email_hash", "reason"]
    list_filter = ["erased_at"]
    search_fields = ["=email_hash"]
    date_hierarchy = "erased_at"
    ordering = ["-erased_at"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        return _search_by_email_hash(queryset, search_term), False


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdmin):
    list_display = ["email_hash", "reason", "created_at"]
    list_filter = ["reason", "created_at"]
    search_fields = ["=email_hash"]
    ordering = ["-created_at"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        return _search_by_email_hash(queryset, search_term), False


@admin.register(AbuseLogEntry)
class AbuseLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "ip", "reason", "path"]
    list_filter = ["reason", "created_at"]
    search_fields = ["=ip"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]


def _search_by_email_hash(queryset: QuerySet, search_term: str) -> QuerySet:
    """Answer "is this address suppressed / was it erased?" without storing it: an
    email typed in the search box is hashed like the rows were; anything else is
    taken as the hash itself."""
    term = search_term.strip()
    if not term:
        return queryset
    email_hash = email_hash_for(email_normalized=term) if "@" in term else term.lower()
    return queryset.filter(email_hash=email_hash)
