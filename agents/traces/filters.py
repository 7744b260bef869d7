"""The trace list's filter form. Invalid values are reported and left out; valid ones still apply."""

import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.dates import EARLIEST_DATE, LATEST_DATE, is_supported_date

from ..models import Agent, Channel
from ..models.conversations import MessageStatus

ERROR_CODE_PATTERN = re.compile(r"^[a-z0-9_.:-]{1,60}$")


class TraceFilterForm(forms.Form):
    agent = forms.ModelChoiceField(
        label=_("Agent"), queryset=Agent.objects.none(), to_field_name="public_id", required=False,
        empty_label=_("All agents"),
    )
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=Channel.objects.none(), to_field_name="public_id", required=False,
        empty_label=_("All channels"),
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("First day included, YYYY-MM-DD."),
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Last day included, YYYY-MM-DD."),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *MessageStatus.choices],
    )
    error_code = forms.CharField(
        label=_("Error code"), required=False, max_length=60,
        widget=forms.TextInput(attrs={"placeholder": "provider_timed_out", "list": "error-codes"}),
    )

    def __init__(self, data=None, *, organization, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["agent"].queryset = Agent.objects.filter(organization=organization).order_by("name")
        self.fields["channel"].queryset = Channel.objects.filter(organization=organization).order_by("name")

    def clean_since(self):
        return _within_bounds(self.cleaned_data.get("since"))

    def clean_until(self):
        return _within_bounds(self.cleaned_data.get("until"))

    def clean_error_code(self):
        code = self.cleaned_data["error_code"].strip()
        if code and not ERROR_CODE_PATTERN.match(code):
            raise forms.ValidationError(
                _("“%(value)s” is not an error code. Use lower-case letters, digits and underscores, e.g. provider_timed_out."),
                params={"value": code},
            )
        return code

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error(
                "until",
                _("The end date %(until)s is before the start date %(since)s. Swap them.")
                % {"until": until.isoformat(), "since": since.isoformat()},
            )
            cleaned.pop("until", None)
        return cleaned

    def apply(self, queryset):
        """Filter queryset by every valid field; call after is_valid()."""
        data = getattr(self, "cleaned_data", {})
        if data.get("agent"):
            queryset = queryset.filter(agent=data["agent"])
        if data.get("channel"):
            queryset = queryset.filter(channel=data["channel"])
        if data.get("since"):
            queryset = queryset.filter(created_at__gte=start_of_day(data["since"]))
        if data.get("until"):
            queryset = queryset.filter(created_at__lt=start_of_day(data["until"] + datetime.timedelta(days=1)))
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("error_code"):
            queryset = queryset.filter(error_code=data["error_code"])
        return queryset


def _within_bounds(day):
    """Return day, or raise a form error naming it when it is outside the supported range."""
    if day is not None and not is_supported_date(day):
        raise forms.ValidationError(
            _("%(day)s is outside the supported range: use a date from %(earliest)s to %(latest)s.")
            % {"day": day.isoformat(), "earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()}
        )
    return day


def start_of_day(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
