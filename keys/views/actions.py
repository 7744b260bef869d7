"""Actions on one key: rotate, validate again, revoke and delete."""

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from orgs import audit
from orgs.htmx import full_page_redirect
from orgs.permissions import Perm
from orgs.scoping import get_for_org

from ..agent_usage import agents_using
from ..crypto import SecretUnreadable
from ..forms import RotateForm, expiry_to_datetime
from ..models import ApiKey, KeyStatus
from ..resolver import base_url_for
from ..plaintext import current_secret
from ..services import DuplicateSecret, audit_details, delete_key, revoke_key, rotate_key
from ..validation import KeyValidationFailed, validate_secret
from .pages import api_key_url


@sensitive_post_parameters("secret")
@require_http_methods(["GET", "POST"])
def rotate(request, key_id):
    """Replace a key's secret: the new version becomes current atomically, the old one retires."""
    api_key = get_for_org(request, ApiKey.objects.select_related("organization"), Perm.MANAGE_KEYS, public_id=key_id)
    form = RotateForm(request.POST or None, api_key=api_key)
    if api_key.status == KeyStatus.REVOKED:
        form = None
    elif request.method == "POST" and form.is_valid():
        secret = form.cleaned_data["secret"]
        validated = not form.cleaned_data["skip_validation"]
        try:
            if validated:
                validate_secret(api_key.provider, secret, base_url_for(api_key.provider, api_key))
            rotate_key(
                api_key,
                secret=secret,
                user=request.user,
                request=request,
                validated=validated,
                expires_at=expiry_to_datetime(form.cleaned_data["expires_on"]),
            )
        except KeyValidationFailed as exc:
            audit.record(
                request.organization,
                "key.validation_failed",
                request=request,
                target=api_key,
                details=audit_details(api_key, new_fingerprint=secret[-4:], error=str(exc)[:300]),
            )
            form.add_error("secret", str(exc))
        except DuplicateSecret as exc:
            form.add_error(
                "secret",
                _("This secret is already stored as the key “%(label)s”. Paste the new secret.")
                % {"label": exc.existing.label},
            )
        else:
            messages.success(request, _("Rotated. Calls now use the new secret; the old one is retired."))
            return full_page_redirect(request, api_key_url(api_key))
    return render(request, "keys/rotate.html", {"api_key": api_key, "form": form})


@require_POST
def validate(request, key_id):
    """Check the stored secret again with a live call and record the result."""
    api_key = get_for_org(request, ApiKey.objects.select_related("organization"), Perm.MANAGE_KEYS, public_id=key_id)
    if api_key.status == KeyStatus.REVOKED:
        # A revoked secret is never sent to a provider again, not even to check it.
        messages.error(request, _("This key is revoked, so it is not checked again. Add a new key instead."))
        return full_page_redirect(request, api_key_url(api_key))
    try:
        secret = current_secret(api_key)
    except SecretUnreadable:
        messages.error(
            request,
            _("The secret of this key cannot be decrypted with the configured master key. Rotate the key."),
        )
        return full_page_redirect(request, api_key_url(api_key))
    try:
        validate_secret(api_key.provider, secret, base_url_for(api_key.provider, api_key))
    except KeyValidationFailed as exc:
        api_key.last_error = str(exc)[:500]
        api_key.save(update_fields=["last_error", "updated_at"])
        audit.record(
            request.organization,
            "key.validation_failed",
            request=request,
            target=api_key,
            details=audit_details(api_key, error=str(exc)[:300]),
        )
        messages.error(request, str(exc))
    else:
        api_key.last_validated_at = timezone.now()
        api_key.last_error = ""
        update_fields = ["last_validated_at", "last_error", "updated_at"]
        if api_key.status == KeyStatus.REJECTED:
            api_key.status = KeyStatus.ACTIVE
            update_fields.append("status")
        api_key.save(update_fields=update_fields)
        audit.record(
            request.organization, "key.validated", request=request, target=api_key, details=audit_details(api_key)
        )
        messages.success(request, _("The provider accepted the key."))
    return full_page_redirect(request, api_key_url(api_key))


@require_http_methods(["GET", "POST"])
def revoke(request, key_id):
    """Ask for confirmation, then mark the key revoked so that no call uses it again."""
    api_key = get_for_org(request, ApiKey.objects.select_related("organization"), Perm.MANAGE_KEYS, public_id=key_id)
    if request.method == "POST":
        if revoke_key(api_key, user=request.user, request=request):
            messages.success(request, _("Revoked. Agents that used this key now fail until they get another key."))
        return full_page_redirect(request, api_key_url(api_key))
    return render(request, "keys/revoke.html", {"api_key": api_key, "agents": agents_using(api_key)})


@require_http_methods(["GET", "POST"])
def delete(request, key_id):
    """Delete a key and its versions, only when no agent uses it."""
    api_key = get_for_org(request, ApiKey.objects.select_related("organization"), Perm.MANAGE_KEYS, public_id=key_id)
    agents = agents_using(api_key)
    if request.method == "POST" and not agents:
        delete_key(api_key, user=request.user, request=request)
        messages.success(request, _("Deleted the key “%(label)s”.") % {"label": api_key.label})
        return full_page_redirect(request, reverse("keys:list"))
    status = 409 if request.method == "POST" else 200
    return render(request, "keys/delete.html", {"api_key": api_key, "agents": agents}, status=status)
