"""Revealing a key's secret: security role only, after a recent password confirmation, audited."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from orgs import audit
from orgs.permissions import Perm
from orgs.scoping import get_for_org
from orgs.sudo import sudo_required

from ..crypto import SecretUnreadable
from ..models import ApiKey
from ..plaintext import current_secret
from ..services import audit_details

# Seconds after which the revealed secret is removed from the page again.
REVEAL_SECONDS = 30
TEMPLATE = "keys/reveal.html"


@require_GET
def reveal(request, key_id):
    """Show the reveal page with its button; the secret itself comes from `reveal_secret`."""
    api_key = get_for_org(request, ApiKey, Perm.REVEAL_KEYS, public_id=key_id)
    return _reveal_page(request, api_key)


@sudo_required
def _reveal_page(request, api_key):
    template = f"{TEMPLATE}#secret-box" if request.htmx else TEMPLATE
    return render(request, template, {"api_key": api_key, "reveal_seconds": REVEAL_SECONDS})


@never_cache
@require_POST
def reveal_secret(request, key_id):
    """Return the decrypted secret once, with Cache-Control: no-store, and audit the reveal."""
    api_key = get_for_org(request, ApiKey, Perm.REVEAL_KEYS, public_id=key_id)
    return _reveal_secret(request, api_key)


@sudo_required
def _reveal_secret(request, api_key):
    try:
        secret = current_secret(api_key)
    except SecretUnreadable:
        secret = None
    audit.record(
        request.organization,
        "key.revealed",
        request=request,
        target=api_key,
        details=audit_details(api_key, succeeded=secret is not None),
    )
    context = {"api_key": api_key, "secret": secret, "reveal_seconds": REVEAL_SECONDS, "revealed": True}
    template = f"{TEMPLATE}#secret-box" if request.htmx else TEMPLATE
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response
