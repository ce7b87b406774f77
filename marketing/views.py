from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


def demo_page(request: HttpRequest) -> HttpResponse:
    """The demo landing page: the snippet a real site pastes, so the flow can be tried."""
    if not settings.DEMO_PAGE:
        raise Http404("No demo page here.")
    return render(request, "marketing/demo.html", {"privacy_contact_email": settings.PRIVACY_CONTACT_EMAIL})
