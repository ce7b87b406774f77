"""The back office for leads: marketers look leads up and follow their journey; the
privacy officer erases an address (PIPEDA) and exports who may be mailed (CASL).

Personal data is read-only here. Consent changes go through the consent services (so
they are audited), deletion only through the erasure page (so it is complete and
receipted): the admin's own edit and delete are turned off.
"""

import csv
import uuid
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from compliance.models import ConsentEventSource, ErasureReceipt
from leads.models import FormSubmission, Lead
from leads.selectors import consent_history, erasure_preview, lead_journey, mailable_leads_rows
from leads.services import InvalidEmail, consent_withdraw, email_erase, email_normalize, unsubscribe_url_for
from marketing.errors import ServiceError
from marketing.request_context import request_context_for

ERASE_PERMISSION = "leads.erase_lead"


class EraseEmailForm(forms.Form):
    email = forms.CharField(max_length=320, label="Email address")
    reason = forms.CharField(
        max_length=500, required=False, label="Reason / request reference", widget=forms.TextInput(attrs={"size": 60})
    )

    def clean_email(self) -> str:
        try:
            return email_normalize(self.cleaned_data["email"]).address
        except InvalidEmail as error:
            raise forms.ValidationError(error.message) from None


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = [
        "email_normalized",
        "email_domain",
        "consent_status",
        "consent_expires_at",
        "source_channel",
        "first_captured_at",
        "last_captured_at",
    ]
    list_filter = ["consent_status", "source_channel", ("first_captured_at", admin.DateFieldListFilter)]
    # Email by substring; domain exactly (`=`), served by lead_email_domain_idx.
    search_fields = ["email_normalized", "=email_domain"]
    date_hierarchy = "first_captured_at"
    ordering = ["-first_captured_at"]
    change_form_template = "leads/admin/lead_change_form.html"
    change_list_template = "leads/admin/lead_change_list.html"
    actions = ["export_mailable_csv", "show_unsubscribe_urls", "withdraw_consent"]
    fields = [
        "email_normalized",
        "email_domain",
        "consent_status",
        "consent_purpose",
        "consent_at",
        "consent_source",
        "consent_expires_at",
        "source_channel",
        "first_captured_at",
        "last_captured_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Lead | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Lead | None = None) -> bool:
        # Deleting a lead row would leave its visitors, events and consent links
        # behind: erasure (the page below) is the only delete.
        return False

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        lead = self.get_object(request, object_id)
        if lead is not None:
            extra_context = {
                **(extra_context or {}),
                "identities": lead.identities.select_related("visitor").order_by("-confidence", "linked_at"),
                "submissions": FormSubmission.objects.filter(lead=lead).order_by("-submitted_at")[:50],
                "consent_events": consent_history(lead=lead),
                "journey": lead_journey(lead=lead),
                "unsubscribe_url": _unsubscribe_url_or_note(lead),
                "can_erase": request.user.has_perm(ERASE_PERMISSION),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "can_erase": request.user.has_perm(ERASE_PERMISSION)}
        return super().changelist_view(request, extra_context)

    # --- actions: each calls a service or a selector --------------------------------

    @admin.action(description="Export mailable leads as CSV (of the selected)")
    def export_mailable_csv(self, request: HttpRequest, queryset: QuerySet[Lead]) -> HttpResponse:
        today = timezone.now().date()
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="mailable-leads-{today.isoformat()}.csv"'
        csv.writer(response).writerows(mailable_leads_rows(today=today, leads=queryset))
        return response

    @admin.action(description="Show unsubscribe URLs (for an email template)")
    def show_unsubscribe_urls(self, request: HttpRequest, queryset: QuerySet[Lead]) -> None:
        for lead in queryset[:20]:
            self.message_user(request, f"{lead.email_normalized}: {_unsubscribe_url_or_note(lead)}", messages.INFO)

    @admin.action(description="Withdraw consent (unsubscribe now)", permissions=["withdraw"])
    def withdraw_consent(self, request: HttpRequest, queryset: QuerySet[Lead]) -> None:
        ip_hash = request_context_for(request).ip_hash
        for lead in queryset:
            consent_withdraw(lead=lead, source=ConsentEventSource.ADMIN, ip_hash=ip_hash)
        self.message_user(request, f"Consent withdrawn and suppressed: {queryset.count()} lead(s).", messages.SUCCESS)

    def has_withdraw_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("leads.change_lead")

    # --- erasure (PIPEDA): type an email, preview, confirm, receipt ------------------

    def get_urls(self) -> list:
        own = [
            path("erase/", self.admin_site.admin_view(self.erase_view), name="leads_lead_erase"),
            path(
                "erase/receipt/<uuid:receipt_id>/",
                self.admin_site.admin_view(self.erase_receipt_view),
                name="leads_lead_erase_receipt",
            ),
        ]
        return own + super().get_urls()

    def erase_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(ERASE_PERMISSION):
            raise PermissionDenied
        form = EraseEmailForm(request.POST or None)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": "Erase an email address", "form": form}
        if request.method != "POST" or not form.is_valid():
            return TemplateResponse(request, "leads/admin/erase_form.html", context)
        email, reason = form.cleaned_data["email"], form.cleaned_data["reason"]
        if request.POST.get("step") != "confirm":
            context.update(counts=erasure_preview(email_normalized=email), email=email, reason=reason)
            return TemplateResponse(request, "leads/admin/erase_preview.html", context)
        receipt = email_erase(email=email, erased_by=request.user.get_username(), reason=reason)
        # No email in the message: messages can sit in the session store.
        self.message_user(request, "Erasure carried out; the receipt is below.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:leads_lead_erase_receipt", args=[receipt.pk]))

    def erase_receipt_view(self, request: HttpRequest, receipt_id: uuid.UUID) -> HttpResponse:
        if not request.user.has_perm(ERASE_PERMISSION):
            raise PermissionDenied
        receipt = get_object_or_404(ErasureReceipt, pk=receipt_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Erasure receipt",
            "receipt": receipt,
            "counts": sorted(receipt.counts.items()),
        }
        return TemplateResponse(request, "leads/admin/erase_receipt.html", context)


def _unsubscribe_url_or_note(lead: Lead) -> str:
    try:
        return unsubscribe_url_for(lead_id=lead.pk)
    except ServiceError as error:
        return error.message
