from django import forms
from django.utils.translation import gettext_lazy as _

from .permissions import ROLE_PERMISSIONS, Perm, Role

# Short descriptions of the actions each permission allows, in the order shown beside roles.
PERMISSION_LABELS = {
    Perm.MANAGE_ORG: _("manage members and the organization"),
    Perm.VIEW_PLAN: _("see the plan"),
    Perm.VIEW_KEYS: _("see LLM API keys (masked)"),
    Perm.MANAGE_KEYS: _("add, rotate and revoke keys"),
    Perm.REVEAL_KEYS: _("reveal a key's secret"),
    Perm.BUILD: _("build agents and knowledge"),
    Perm.VIEW_TRACES: _("read traces"),
    Perm.VIEW_USAGE: _("see usage and quotas"),
    Perm.VIEW_AUDIT: _("read the audit log"),
}


def role_summaries():
    """Return (role value, role label, [permission labels]) for every role, for role pickers."""
    summaries = []
    for value, label in Role.choices:
        granted = ROLE_PERMISSIONS.get(value, frozenset())
        labels = [text for perm, text in PERMISSION_LABELS.items() if perm in granted]
        summaries.append((value, label, labels))
    return summaries


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Roles"))
        kwargs.setdefault(
            "help_text", _("Pick one or more. Each role adds the permissions listed beside it.")
        )
        kwargs.setdefault("error_messages", {"required": _("Pick at least one role.")})
        super().__init__(choices=Role.choices, **kwargs)


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "placeholder": "name@example.com"}),
    )
    roles = RolesField()

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class RolesForm(forms.Form):
    roles = RolesField()


class AuditFilterForm(forms.Form):
    """Audit log filters. Every field is optional, and an invalid value is reported and ignored."""

    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All actions"))] + [(a, a) for a in actions]

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error(
                "date_to",
                _("The end date %(end)s is before the start date %(start)s. Swap them.")
                % {"end": date_to.isoformat(), "start": date_from.isoformat()},
            )
        return cleaned

    def filter(self, queryset):
        """Return queryset narrowed by every field that is valid."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        if data.get("action"):
            queryset = queryset.filter(action=data["action"])
        if data.get("date_from"):
            queryset = queryset.filter(at__date__gte=data["date_from"])
        if data.get("date_to"):
            queryset = queryset.filter(at__date__lte=data["date_to"])
        return queryset
