from django import forms
from django.utils.translation import gettext_lazy as _

from keys.models import ApiKey, KeyStatus
from knowledge.models import KnowledgeBase

from . import routing
from .models import Agent
from .models.agents import AgentStrategy, Provider


class AgentForm(forms.ModelForm):
    """Create or edit an agent. The model list depends on the strategy and the plan."""

    model_choice = forms.ChoiceField(
        label=_("Model"),
        help_text=_("Only models that the chosen billing strategy and your plan allow are listed."),
    )

    class Meta:
        model = Agent
        fields = [
            "name",
            "description",
            "strategy",
            "system_prompt",
            "temperature",
            "max_output_tokens",
            "department",
            "pinned_key",
            "knowledge_bases",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "system_prompt": forms.Textarea(attrs={"rows": 5}),
            "strategy": forms.RadioSelect,
            "knowledge_bases": forms.CheckboxSelectMultiple(attrs={"class": "checkbox-list"}),
        }
        help_texts = {
            "temperature": _("0 gives the most predictable answers, 2 the most varied."),
            "max_output_tokens": _("Upper limit on the length of each answer, in tokens."),
            "pinned_key": _(
                "Own-key agents only. Empty uses the organization's active key for the model's provider."
            ),
        }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        strategy = self.data.get("strategy") if self.is_bound else None
        if strategy not in AgentStrategy.values:
            strategy = self.instance.strategy if self.instance.pk else self.default_strategy()
        self.strategy = strategy
        self.fields["strategy"].initial = strategy
        self.fields["model_choice"].choices = [("", _("Choose a model"))] + routing.model_choices(organization, strategy)
        if self.instance.pk:
            self.fields["model_choice"].initial = f"{self.instance.provider}:{self.instance.model_id}"
        self.fields["knowledge_bases"].queryset = KnowledgeBase.objects.filter(organization=organization)
        pinned = self.fields["pinned_key"]
        pinned.queryset = ApiKey.objects.filter(organization=organization).exclude(status=KeyStatus.REVOKED)
        pinned.empty_label = _("The organization's active key for the provider")
        if strategy != AgentStrategy.BYOK:
            del self.fields["pinned_key"]
        self.fields["temperature"].min_value = 0
        self.fields["temperature"].widget.attrs.update({"min": 0, "max": 2, "step": 0.1})
        self.fields["max_output_tokens"].widget.attrs.update({"min": 1, "max": 32000})

    @property
    def extra_fields(self):
        """Return the bound fields shown after the main ones (pinned key, knowledge bases)."""
        return [self[name] for name in ("pinned_key", "knowledge_bases") if name in self.fields]

    def default_strategy(self):
        plan = self.organization.plan
        return AgentStrategy.HOSTED if plan.hosted_allowed or not plan.byok_allowed else AgentStrategy.BYOK

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("The name is empty: give the agent a name."))
        return name

    def clean_temperature(self):
        value = self.cleaned_data["temperature"]
        if not 0 <= value <= 2:
            raise forms.ValidationError(_("Temperature %(value)s is out of range: use a value from 0 to 2."), params={"value": value})
        return value

    def clean_max_output_tokens(self):
        value = self.cleaned_data["max_output_tokens"]
        if not 1 <= value <= 32000:
            raise forms.ValidationError(
                _("%(value)s output tokens is out of range: use 1 to 32000."), params={"value": value}
            )
        return value

    def clean_department(self):
        return self.cleaned_data["department"].strip()

    def clean(self):
        cleaned = super().clean()
        strategy = cleaned.get("strategy")
        plan = self.organization.plan
        if strategy == AgentStrategy.HOSTED and not plan.hosted_allowed:
            self.add_error("strategy", _("Your plan does not include hosted models: choose bring your own key."))
        if strategy == AgentStrategy.BYOK and not plan.byok_allowed:
            self.add_error("strategy", _("Your plan does not allow your own keys: choose hosted."))
        choice = cleaned.get("model_choice", "")
        if choice:
            provider, _sep, model_id = choice.partition(":")
            cleaned["provider"], cleaned["model_id"] = provider, model_id
            if provider not in Provider.values or not model_id:
                self.add_error("model_choice", _("The model %(choice)s is not in the catalog.") % {"choice": choice})
        pinned_key = cleaned.get("pinned_key")
        if strategy != AgentStrategy.BYOK:
            cleaned["pinned_key"] = None
        elif pinned_key is not None and choice and pinned_key.provider != cleaned.get("provider"):
            self.add_error(
                "pinned_key",
                _("The key “%(key)s” is for %(key_provider)s, but the model is from %(provider)s: pick a matching key or none.")
                % {
                    "key": pinned_key.label,
                    "key_provider": pinned_key.get_provider_display(),
                    "provider": Provider(cleaned["provider"]).label,
                },
            )
        return cleaned

    def save(self, commit=True):
        agent = super().save(commit=False)
        agent.organization = self.organization
        agent.provider = self.cleaned_data["provider"]
        agent.model_id = self.cleaned_data["model_id"]
        if self.strategy != AgentStrategy.BYOK:
            agent.pinned_key = None
        if commit:
            agent.save()
            self.save_m2m()
        return agent
