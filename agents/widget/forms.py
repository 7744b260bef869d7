from django import forms
from django.utils.translation import gettext_lazy as _

from .policy import DEFAULT_RATE_LIMIT_PER_MINUTE, MAX_RATE_LIMIT_PER_MINUTE, InvalidOrigin, normalize_origin

MAX_ALLOWED_ORIGINS = 50


class WidgetSettingsForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    allowed_origins = forms.CharField(
        label=_("Allowed origins"),
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "https://www.example.com"}),
        help_text=_("One per line, e.g. https://www.example.com. Requests from any other website get 403."),
    )
    rate_limit_per_minute = forms.IntegerField(
        label=_("Messages per visitor per minute"),
        min_value=1,
        max_value=MAX_RATE_LIMIT_PER_MINUTE,
        initial=DEFAULT_RATE_LIMIT_PER_MINUTE,
        help_text=_("A visitor is one IP address. Further messages get 429 until the minute is over."),
    )

    def clean_allowed_origins(self):
        origins = []
        errors = []
        for line in self.cleaned_data["allowed_origins"].splitlines():
            if not line.strip():
                continue
            try:
                origin = normalize_origin(line)
            except InvalidOrigin as error:
                errors.append(str(error))
                continue
            if origin not in origins:
                origins.append(origin)
        if errors:
            raise forms.ValidationError(errors)
        if not origins:
            raise forms.ValidationError(_("Add at least one origin, e.g. https://www.example.com."))
        if len(origins) > MAX_ALLOWED_ORIGINS:
            raise forms.ValidationError(
                _("%(count)d origins listed; the maximum is %(max)d."), params={"count": len(origins), "max": MAX_ALLOWED_ORIGINS}
            )
        return origins
