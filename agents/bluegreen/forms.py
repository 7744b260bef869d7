from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import GoldenQuestion
from .golden_csv import MAX_PHRASE_CHARS, MAX_QUESTION_CHARS
from .routing import MAX_CANARY_PERCENT


class PhrasesField(forms.CharField):
    """A textarea with one phrase per line, cleaned to a list of distinct non-empty phrases."""

    widget = forms.Textarea(attrs={"rows": 3})

    def clean(self, value):
        value = super().clean(value)
        phrases = []
        for line in (value or "").splitlines():
            line = line.strip()
            if len(line) > MAX_PHRASE_CHARS:
                raise forms.ValidationError(
                    _("The phrase “%(start)s…” has %(length)d characters; the maximum is %(max)d."),
                    params={"start": line[:30], "length": len(line), "max": MAX_PHRASE_CHARS},
                )
            if line and line not in phrases:
                phrases.append(line)
        return phrases


class GoldenQuestionForm(forms.ModelForm):
    must_contain = PhrasesField(
        label=_("The answer must contain"),
        required=False,
        help_text=_("One phrase per line, matched without regard to case."),
    )
    must_not_contain = PhrasesField(
        label=_("The answer must not contain"),
        required=False,
        help_text=_("One phrase per line, matched without regard to case."),
    )

    class Meta:
        model = GoldenQuestion
        fields = ["question", "must_contain", "must_not_contain", "expected_document"]
        widgets = {"question": forms.Textarea(attrs={"rows": 2, "maxlength": MAX_QUESTION_CHARS})}
        help_texts = {
            "expected_document": _(
                "Optional. Part of the title or URL of a document the answer must cite, e.g. “Handbook”."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["must_contain"] = "\n".join(self.instance.must_contain)
            self.initial["must_not_contain"] = "\n".join(self.instance.must_not_contain)

    def clean_question(self):
        question = self.cleaned_data["question"].strip()
        if len(question) > MAX_QUESTION_CHARS:
            raise forms.ValidationError(
                _("The question has %(length)d characters; the maximum is %(max)d."),
                params={"length": len(question), "max": MAX_QUESTION_CHARS},
            )
        return question

    def clean(self):
        cleaned = super().clean()
        required = {phrase.lower() for phrase in cleaned.get("must_contain") or []}
        forbidden = {phrase.lower() for phrase in cleaned.get("must_not_contain") or []}
        overlap = required & forbidden
        if overlap:
            raise forms.ValidationError(
                _("“%(phrase)s” is both required and forbidden: keep it in one list."),
                params={"phrase": sorted(overlap)[0]},
            )
        return cleaned


class GoldenImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8 CSV with the columns question, must_contain, must_not_contain, expected_document. "
            "Separate several phrases in one cell with “|”."
        ),
    )


class SwapForm(forms.Form):
    channels = forms.MultipleChoiceField(
        label=_("Channels to move to this agent"), widget=forms.CheckboxSelectMultiple, required=True
    )
    override_reason = forms.CharField(
        label=_("Override reason (admins only)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only when the candidate passed fewer golden questions than the live agent. It is audited."),
    )

    def __init__(self, *args, channels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channels"].choices = [
            (str(channel.public_id), f"{channel.name} · {channel.get_kind_display()} · {channel.agent.name}")
            for channel in channels
        ]


class CanaryForm(forms.Form):
    candidate = forms.ChoiceField(label=_("Candidate"))
    percent = forms.IntegerField(
        label=_("Share of new conversations (%)"),
        min_value=0,
        max_value=MAX_CANARY_PERCENT,
        help_text=_("0 stops the canary. Conversations stay with the agent that started them."),
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidate"].choices = [(str(agent.public_id), agent.name) for agent in candidates]
