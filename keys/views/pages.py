"""The key list, the add form, a key's detail page and its edit form."""

import datetime

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from orgs import audit
from orgs.htmx import full_page_redirect
from orgs.models import AuditEvent
from orgs.permissions import Perm
from orgs.scoping import get_for_org, permission_required

from ..agent_usage import agents_using, usage_counts
from ..expiry_calendar import active_token
from ..forms import ApiKeyAddForm, ApiKeyEditForm, KeyFilterForm, datetime_to_expiry, expiry_to_datetime
from ..models import EXPIRING_SOON_DAYS, ApiKey, KeyState, KeyStatus
from ..resolver import base_url_for
from ..services import DuplicateSecret, audit_details, create_key, find_duplicate
from ..tables import ApiKeyTable, state_badge
from ..validation import KeyValidationFailed, validate_secret

LIST_TEMPLATE = "keys/list.html"


def _state_filter(state, now):
    soon = now + datetime.timedelta(days=EXPIRING_SOON_DAYS)
    active = Q(status=KeyStatus.ACTIVE)
    return {
        KeyState.ACTIVE: active & (Q(expires_at__isnull=True) | Q(expires_at__gt=soon)),
        KeyState.EXPIRING_SOON: active & Q(expires_at__gt=now, expires_at__lte=soon),
        KeyState.EXPIRED: active & Q(expires_at__lte=now),
        KeyState.REJECTED: Q(status=KeyStatus.REJECTED),
        KeyState.REVOKED: Q(status=KeyStatus.REVOKED),
    }[KeyState(state)]


def render_key_list(request, extra_context=None):
    """Render the list page, or only its table for htmx requests that sort, page or filter."""
    filter_form = KeyFilterForm(request.GET or None)
    keys = ApiKey.objects.filter(organization=request.organization)
    if filter_form.is_bound and filter_form.is_valid():
        if filter_form.cleaned_data["provider"]:
            keys = keys.filter(provider=filter_form.cleaned_data["provider"])
        if filter_form.cleaned_data["status"]:
            keys = keys.filter(_state_filter(filter_form.cleaned_data["status"], timezone.now()))
    table = ApiKeyTable(keys)
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    page_keys = [row.record for row in table.page.object_list] if table.page else list(keys)
    table.agent_counts = usage_counts(request.organization, page_keys)
    context = {
        "table": table,
        "filter_form": filter_form,
        "calendar_token": active_token(request.user, request.organization),
        **(extra_context or {}),
    }
    template = f"{LIST_TEMPLATE}#key-table" if request.htmx and not extra_context else LIST_TEMPLATE
    return render(request, template, context)


@require_GET
@permission_required(Perm.VIEW_KEYS)
def key_list(request):
    """List the organization's keys, masked, with filters and the expiry calendar."""
    return render_key_list(request)


def _validation_failed(request, form, provider, secret, error):
    audit.record(
        request.organization,
        "key.validation_failed",
        request=request,
        details={"provider": provider, "fingerprint": secret[-4:], "error": error[:300]},
    )
    form.add_error("secret", error)


@sensitive_post_parameters("secret")
@require_http_methods(["GET", "POST"])
@permission_required(Perm.MANAGE_KEYS)
def add_key(request):
    """Add a key: validate it with a live model-list call unless the member skips that."""
    form = ApiKeyAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        duplicate = find_duplicate(request.organization, data["secret"])
        if duplicate is not None:
            form.add_error("secret", _duplicate_message(duplicate))
        else:
            validated = not data["skip_validation"]
            if validated:
                try:
                    validate_secret(
                        data["provider"], data["secret"], data["base_url"] or base_url_for(data["provider"])
                    )
                except KeyValidationFailed as exc:
                    _validation_failed(request, form, data["provider"], data["secret"], str(exc))
                    validated = None
            if validated is not None:
                return _create(request, form, data, validated)
    return render(request, "keys/add.html", {"form": form})


def _duplicate_message(existing):
    return _(
        "This secret is already stored as the key “%(label)s” (…%(fingerprint)s). Use that key, "
        "or rotate it."
    ) % {"label": existing.label, "fingerprint": existing.fingerprint}


def _create(request, form, data, validated):
    try:
        api_key = create_key(
            request.organization,
            provider=data["provider"],
            label=data["label"],
            secret=data["secret"],
            user=request.user,
            request=request,
            validated=validated,
            expires_at=expiry_to_datetime(data["expires_on"]),
            base_url=data["base_url"],
            department=data["department"],
            notes=data["notes"],
        )
    except DuplicateSecret as exc:
        form.add_error("secret", _duplicate_message(exc.existing))
        return render(request, "keys/add.html", {"form": form})
    if validated:
        audit.record(
            request.organization, "key.validated", request=request, target=api_key, details=audit_details(api_key)
        )
        messages.success(request, _("Saved. The provider accepted the key."))
    else:
        messages.success(request, _("Saved without validation. The first call will show whether the key works."))
    return full_page_redirect(request, api_key_url(api_key))


def api_key_url(api_key):
    return reverse("keys:detail", args=[api_key.public_id])


@require_GET
def key_detail(request, key_id):
    """Show one key: status, expiry, versions (never their content) and the agents using it."""
    api_key = get_for_org(request, ApiKey, Perm.VIEW_KEYS, public_id=key_id)
    events = []
    if Perm.VIEW_AUDIT in request.perms:
        events = AuditEvent.objects.filter(
            organization=request.organization, target_id=str(api_key.public_id)
        )[:20]
    context = {
        "api_key": api_key,
        "state_badge": state_badge(api_key),
        "expires_on": datetime_to_expiry(api_key.expires_at),
        "versions": api_key.versions.defer("secret").order_by("-created_at", "-id"),
        "agents": agents_using(api_key),
        "events": events,
    }
    return render(request, "keys/detail.html", context)


@require_http_methods(["GET", "POST"])
def edit_key(request, key_id):
    """Change a key's label, expiry (which may be cleared) and notes."""
    api_key = get_for_org(request, ApiKey, Perm.MANAGE_KEYS, public_id=key_id)
    initial_expiry = datetime_to_expiry(api_key.expires_at)
    initial = {
        "label": api_key.label,
        "expires_on": initial_expiry,
        "department": api_key.department,
        "notes": api_key.notes,
    }
    form = ApiKeyEditForm(request.POST or None, initial=initial, initial_expiry=initial_expiry)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        api_key.label = data["label"]
        if data["expires_on"] != initial_expiry:
            api_key.expires_at = expiry_to_datetime(data["expires_on"])
        api_key.department = data["department"]
        api_key.notes = data["notes"]
        api_key.save(update_fields=["label", "expires_at", "department", "notes", "updated_at"])
        audit.record(
            request.organization,
            "key.updated",
            request=request,
            target=api_key,
            details=audit_details(
                api_key, label=api_key.label, expires_on=data["expires_on"].isoformat() if data["expires_on"] else None
            ),
        )
        messages.success(request, _("Saved."))
        return full_page_redirect(request, api_key_url(api_key))
    return render(request, "keys/edit.html", {"api_key": api_key, "form": form})
