import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import KeyState, Provider
from .validation import check_base_url

EXPIRY_HELP = _(
    "Optional. The key stops working at 00:00 on this date (server time zone). Leave empty "
    "for a key that never expires."
)


def expiry_to_datetime(day: datetime.date | None):
    """Return the aware datetime at which a key with expiry date `day` stops working."""
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def datetime_to_expiry(value):
    return timezone.localtime(value).date() if value else None


class SecretInput(forms.PasswordInput):
    """A password input that never renders the submitted value back into the page."""

    def __init__(self, attrs=None):
        base = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}
        super().__init__(attrs={**base, **(attrs or {})}, render_value=False)


EMPTY_SECRET = _("The secret is empty. Paste the whole key from the provider's console.")


class SecretFieldMixin:
    def clean_secret(self):
        # strip=True already removed surrounding whitespace; inner characters are kept exactly.
        secret = self.cleaned_data["secret"]
        if not secret:
            raise forms.ValidationError(EMPTY_SECRET, code="empty_secret")
        if any(character.isspace() for character in secret):
            raise forms.ValidationError(
                _("The secret contains spaces or line breaks. Paste the key as one line."),
                code="whitespace_in_secret",
            )
        return secret


class ExpiryMixin:
    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        unchanged = getattr(self, "initial_expiry", None) == day
        if not unchanged and day <= timezone.localdate():
            raise forms.ValidationError(
                _("The expiry date %(date)s is not in the future. Pick a later date, or leave it empty."),
                params={"date": day.isoformat()},
                code="expiry_in_past",
            )
        return day


class ApiKeyAddForm(SecretFieldMixin, ExpiryMixin, forms.Form):
    provider = forms.ChoiceField(label=_("Provider"), choices=Provider.choices)
    label = forms.CharField(
        label=_("Label"),
        max_length=100,
        help_text=_("A name that tells people which key this is, e.g. “Production OpenAI”."),
    )
    secret = forms.CharField(
        label=_("Secret"), strip=True, widget=SecretInput(), error_messages={"required": EMPTY_SECRET}
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=EXPIRY_HELP,
    )
    base_url = forms.CharField(
        label=_("Base URL"),
        required=False,
        max_length=500,
        help_text=_(
            "Optional, for OpenAI-compatible gateways and Azure. https only. Leave empty for the "
            "provider's own endpoint."
        ),
    )
    department = forms.CharField(
        label=_("Department"), required=False, max_length=100, help_text=_("Used for chargeback reports.")
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    skip_validation = forms.BooleanField(
        label=_("Save without validating"),
        required=False,
        help_text=_(
            "Skip the test call to the provider, for servers without a route to it. The key is "
            "used as entered."
        ),
    )

    def clean_base_url(self):
        return check_base_url(self.cleaned_data.get("base_url", ""))


class ApiKeyEditForm(ExpiryMixin, forms.Form):
    label = forms.CharField(label=_("Label"), max_length=100)
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=EXPIRY_HELP,
    )
    department = forms.CharField(label=_("Department"), required=False, max_length=100)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, initial_expiry=None, **kwargs):
        self.initial_expiry = initial_expiry
        super().__init__(*args, **kwargs)


class RotateForm(SecretFieldMixin, ExpiryMixin, forms.Form):
    secret = forms.CharField(
        label=_("New secret"), strip=True, widget=SecretInput(), error_messages={"required": EMPTY_SECRET}
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The expiry of the new secret. Leave empty for a secret that never expires."),
    )
    skip_validation = forms.BooleanField(
        label=_("Save without validating"),
        required=False,
        help_text=_("Skip the test call to the provider, for servers without a route to it."),
    )

    def __init__(self, *args, api_key, **kwargs):
        # A future expiry is kept by default; an expired one must be replaced or cleared.
        current = datetime_to_expiry(api_key.expires_at)
        self.initial_expiry = None
        if current is not None and not api_key.is_expired():
            kwargs.setdefault("initial", {})["expires_on"] = current
        super().__init__(*args, **kwargs)


class KeyFilterForm(forms.Form):
    provider = forms.ChoiceField(
        label=_("Provider"), required=False, choices=[("", _("All providers")), *Provider.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *KeyState.choices]
    )
