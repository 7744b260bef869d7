"""Dashboard hooks: key alerts as banners, and a summary panel of the organization's keys."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orgs.permissions import KEY_ALERT_PERMISSION, Perm

from .models import ApiKey, KeyState


def _states(organization):
    now = timezone.now()
    counts = {state: 0 for state in KeyState}
    for api_key in ApiKey.objects.filter(organization=organization).only("status", "expires_at"):
        counts[api_key.state(now)] += 1
    return counts


def banners(request):
    """Return banners about rejected, expired and soon-expiring keys for members who manage keys."""
    if request.organization is None or KEY_ALERT_PERMISSION not in request.perms:
        return []
    counts = _states(request.organization)
    url = reverse("keys:list")
    result = []
    if counts[KeyState.REJECTED]:
        result.append({
            "level": "danger",
            "message": ngettext(
                "%(count)d LLM API key was rejected by its provider; agents using it fail until it is rotated.",
                "%(count)d LLM API keys were rejected by their providers; agents using them fail until they are rotated.",
                counts[KeyState.REJECTED],
            ) % {"count": counts[KeyState.REJECTED]},
            "url": f"{url}?status={KeyState.REJECTED}",
            "link_text": _("Review keys"),
        })
    if counts[KeyState.EXPIRED]:
        result.append({
            "level": "danger",
            "message": ngettext(
                "%(count)d LLM API key has expired; agents using it fail until it is rotated.",
                "%(count)d LLM API keys have expired; agents using them fail until they are rotated.",
                counts[KeyState.EXPIRED],
            ) % {"count": counts[KeyState.EXPIRED]},
            "url": f"{url}?status={KeyState.EXPIRED}",
            "link_text": _("Review keys"),
        })
    if counts[KeyState.EXPIRING_SOON]:
        result.append({
            "level": "warning",
            "message": ngettext(
                "%(count)d LLM API key expires within 30 days.",
                "%(count)d LLM API keys expire within 30 days.",
                counts[KeyState.EXPIRING_SOON],
            ) % {"count": counts[KeyState.EXPIRING_SOON]},
            "url": f"{url}?status={KeyState.EXPIRING_SOON}",
            "link_text": _("Review keys"),
        })
    return result


def panel(request):
    """Return the key summary panel for members who may see the key list."""
    if request.organization is None or Perm.VIEW_KEYS not in request.perms:
        return None
    counts = _states(request.organization)
    states = [(state.label, counts[state], state.value) for state in KeyState if counts[state]]
    return {
        "template": "keys/_panel.html",
        "context": {"key_states": states, "key_total": sum(counts.values())},
    }
