"""Re-authentication ("sudo mode") for sensitive actions such as revealing a key's secret.

A member confirms their password at `/accounts/confirm-password/?next=...`. The session then
stores only the time of that confirmation (seconds since the epoch), never the password, and
`sudo_required` lets a view run while that time is less than `settings.SUDO_MAX_AGE_SECONDS`
old. Failed confirmations go through `django.contrib.auth.authenticate`, so django-axes counts
them towards the same lockout as failed sign-ins.
"""

import time
from functools import wraps
from urllib.parse import urlencode, urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from . import audit
from .htmx import full_page_redirect

SESSION_SUDO_KEY = "sudo_confirmed_at"


def sudo_is_fresh(request):
    """Return True if the user confirmed their password within SUDO_MAX_AGE_SECONDS."""
    if not request.user.is_authenticated:
        return False
    confirmed_at = request.session.get(SESSION_SUDO_KEY)
    if not isinstance(confirmed_at, (int, float)):
        return False
    age = time.time() - confirmed_at
    return 0 <= age < settings.SUDO_MAX_AGE_SECONDS


def mark_sudo(request):
    """Record in the session that the user has just confirmed their password."""
    request.session[SESSION_SUDO_KEY] = int(time.time())


def clear_sudo(request):
    """Forget the last password confirmation, so the next sensitive action asks again."""
    request.session.pop(SESSION_SUDO_KEY, None)


def _safe_local_url(request, url):
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _page_to_return_to(request):
    """Return the local URL the user should land on after confirming their password.

    A GET request returns to itself. A POST cannot be replayed by a redirect, so it returns
    to the page it was sent from (HX-Current-URL for htmx, else the Referer header), and the
    user repeats the action there.
    """
    if request.method == "GET":
        return request.get_full_path()
    for header in ("HX-Current-URL", "Referer"):
        parts = urlsplit(request.headers.get(header, ""))
        if parts.path:
            candidate = parts.path + (f"?{parts.query}" if parts.query else "")
            if parts.netloc in ("", request.get_host()):
                return candidate
    return "/"


def confirm_password_url(next_url):
    """Return the confirm-password page URL that sends the user on to next_url afterwards."""
    return f"{resolve_url('confirm_password')}?{urlencode({'next': next_url})}"


def sudo_required(view):
    """Decorate a view so it runs only within SUDO_MAX_AGE_SECONDS of a password confirmation.

    Otherwise the user is sent to the confirm-password page: with a redirect, or for htmx
    requests with an `HX-Redirect` header so that the whole page changes, not a fragment.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if sudo_is_fresh(request):
            return view(request, *args, **kwargs)
        return full_page_redirect(request, confirm_password_url(_page_to_return_to(request)))

    return wrapper


class ConfirmPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        user = self.request.user
        confirmed = authenticate(self.request, username=user.get_username(), password=password)
        if confirmed is None or confirmed.pk != user.pk:
            raise forms.ValidationError(
                _("That password is not correct. Enter the password you sign in with."),
                code="invalid_password",
            )
        return password


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def confirm_password(request):
    """Show and check the password confirmation form, then go on to `next`."""
    next_url = _safe_local_url(request, request.POST.get("next") or request.GET.get("next", ""))
    next_url = next_url or resolve_url(settings.LOGIN_REDIRECT_URL)
    if request.method == "POST":
        form = ConfirmPasswordForm(request, data=request.POST)
        if form.is_valid():
            mark_sudo(request)
            if request.organization is not None:
                audit.record(request.organization, "auth.password_confirmed", request=request)
            return redirect(next_url)
    else:
        form = ConfirmPasswordForm(request)
    context = {
        "form": form,
        "next": next_url,
        "max_age_minutes": max(1, settings.SUDO_MAX_AGE_SECONDS // 60),
    }
    return render(request, "registration/confirm_password.html", context)
