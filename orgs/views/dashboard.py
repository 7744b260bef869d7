from importlib import import_module

from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from ..middleware import SESSION_ORG_KEY

# Apps that may contribute a dashboard panel through `panel(request)` in `<app>.dashboard`.
PANEL_APPS = ["agents", "knowledge", "keys", "usage"]


def collect_panels(request):
    """Return the panels (dicts with `template` and `context`) that apps show this member."""
    panels = []
    for app in PANEL_APPS:
        try:
            module = import_module(f"{app}.dashboard")
        except ModuleNotFoundError:
            continue
        provider = getattr(module, "panel", None)
        panel = provider(request) if provider is not None else None
        if panel:
            panels.append(panel)
    return panels


@require_GET
def dashboard(request):
    if request.organization is None:
        return render(request, "orgs/no_organization.html", status=200)
    return render(request, "orgs/dashboard.html", {"panels": collect_panels(request)})


@require_POST
def switch_organization(request):
    """Make another of the user's organizations the current one."""
    wanted = request.POST.get("organization", "")
    if any(str(m.organization.public_id) == wanted for m in request.memberships):
        request.session[SESSION_ORG_KEY] = wanted
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    return redirect(next_url)
