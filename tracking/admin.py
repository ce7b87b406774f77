"""Read-only back office views of raw tracking data: rows are written by the ingest
path only, and erased through the privacy officer's erasure, never edited by hand."""

from django.contrib import admin

from tracking.models import Event, IngestRejection, Session, Visitor


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Visitor)
class VisitorAdmin(ReadOnlyAdmin):
    list_display = ["anon_id", "first_seen_at", "last_seen_at"]
    search_fields = ["=anon_id"]
    date_hierarchy = "first_seen_at"


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = ["visitor", "property_id", "started_at", "ended_at", "traffic_source", "landing_path"]
    list_filter = ["traffic_source", "property_id"]
    search_fields = ["=visitor__anon_id"]
    list_select_related = ["visitor"]
    date_hierarchy = "started_at"


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "event_type", "path", "visitor", "traffic_source", "device_type", "country_code"]
    list_filter = ["event_type", "traffic_source", "device_type", "is_entrance", "is_conversion"]
    search_fields = ["=visitor__anon_id"]
    list_select_related = ["visitor"]
    date_hierarchy = "occurred_at"
    # The event table is the biggest; an exact COUNT(*) on every page load is not worth it.
    show_full_result_count = False


@admin.register(IngestRejection)
class IngestRejectionAdmin(ReadOnlyAdmin):
    list_display = ["day", "reason", "count"]
    list_filter = ["reason"]
    date_hierarchy = "day"
