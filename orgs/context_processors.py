"""Template context for the dashboard shell: navigation and banners for the current member."""

from importlib import import_module

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .permissions import Perm

# (url name, label, permission or None for everyone, section)
NAVIGATION = [
    ("dashboard", _("Dashboard"), None, "main"),
    ("agents:list", _("Agents"), Perm.BUILD, "main"),
    ("knowledge:list", _("Knowledge"), Perm.BUILD, "main"),
    ("traces:list", _("Traces"), Perm.VIEW_TRACES, "main"),
    ("usage:dashboard", _("Usage"), Perm.VIEW_USAGE, "main"),
    ("keys:list", _("LLM API Keys"), Perm.VIEW_KEYS, "settings"),
    ("orgs:members", _("Members"), Perm.MANAGE_ORG, "settings"),
    ("orgs:plan", _("Plan"), Perm.VIEW_PLAN, "settings"),
    ("orgs:audit", _("Audit log"), Perm.VIEW_AUDIT, "settings"),
]

# Apps that may contribute banners through a `banners(request)` function in `<app>.dashboard`.
BANNER_APPS = ["keys", "usage", "agents", "knowledge"]


def navigation_for(perms):
    """Return the navigation entries that perms allow, as dicts with url, label and section."""
    items = []
    for url_name, label, perm, section in NAVIGATION:
        if perm is None or perm in perms:
            items.append(
                {"url_name": url_name, "url": reverse(url_name), "label": label, "section": section}
            )
    return items


def collect_banners(request):
    """Return the banners every contributing app shows to this member, once per request.

    django-tables2 renders each table with the full context, which runs every context
    processor again, so the list is kept on the request.
    """
    cached = getattr(request, "_shell_banners", None)
    if cached is not None:
        return cached
    banners = []
    for app in BANNER_APPS:
        try:
            module = import_module(f"{app}.dashboard")
        except ModuleNotFoundError:
            continue
        provider = getattr(module, "banners", None)
        if provider is not None:
            banners.extend(provider(request))
    request._shell_banners = banners
    return banners


def shell(request):
    organization = getattr(request, "organization", None)
    if organization is None or not request.user.is_authenticated:
        return {"nav_items": [], "banners": []}
    nav = navigation_for(request.perms)
    return {
        "nav_main": [item for item in nav if item["section"] == "main"],
        "nav_settings": [item for item in nav if item["section"] == "settings"],
        "current_url_name": getattr(request.resolver_match, "view_name", ""),
        "perms_org": {perm.value: True for perm in request.perms},
        "banners": collect_banners(request) if request.method == "GET" else [],
    }
