"""Forms of the knowledge pages: knowledge bases, uploads, web pages and crawls."""

from django import forms
from django.conf import settings
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Crawl, Document, KnowledgeBase


class KnowledgeBaseForm(forms.ModelForm):
    class Meta:
        model = KnowledgeBase
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if KnowledgeBase.objects.filter(organization=self.organization, name=name).exists():
            raise forms.ValidationError(
                _("A knowledge base named “%(name)s” already exists. Choose another name.") % {"name": name}
            )
        return name


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def storage_used(organization):
    """Return the bytes stored for the organization's documents."""
    return Document.objects.filter(organization=organization).aggregate(total=Sum("size"))["total"] or 0


class UploadForm(forms.Form):
    files = forms.Field(
        label=gettext_lazy("Files"),
        widget=MultipleFileInput(),
        required=False,  # clean_files reports a missing file in its own words
        help_text=gettext_lazy(
            "PDF, DOCX, HTML, Markdown, text, CSV, images, audio or video. The type is read from "
            "the content, not the file name."
        ),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_files(self):
        files = self.files.getlist("files")
        if not files:
            raise forms.ValidationError(_("Choose at least one file to upload."))
        max_bytes = settings.KNOWLEDGE_MAX_UPLOAD_MB * 1024 * 1024
        errors = []
        for upload in files:
            if upload.size > max_bytes:
                errors.append(
                    _("%(name)s is %(size)s, larger than the limit of %(limit)s MB. Split or compress it.")
                    % {"name": upload.name, "size": filesizeformat(upload.size), "limit": settings.KNOWLEDGE_MAX_UPLOAD_MB}
                )
        if errors:
            raise forms.ValidationError(errors)
        quota = settings.KNOWLEDGE_STORAGE_QUOTA_MB * 1024 * 1024
        used = storage_used(self.organization)
        incoming = sum(upload.size for upload in files)
        if used + incoming > quota:
            raise forms.ValidationError(
                _(
                    "These files need %(incoming)s, but only %(free)s of your organization's "
                    "%(quota)s MB storage is free. Delete documents you no longer need."
                )
                % {
                    "incoming": filesizeformat(incoming),
                    "free": filesizeformat(max(quota - used, 0)),
                    "quota": settings.KNOWLEDGE_STORAGE_QUOTA_MB,
                }
            )
        return files


class UrlForm(forms.Form):
    url = forms.URLField(
        label=gettext_lazy("Web page address"),
        max_length=2000,
        assume_scheme="https",
        help_text=gettext_lazy("One page, fetched now and again when you retry it."),
    )

    def clean_url(self):
        from .fetch import BlockedURL, check_url

        url = self.cleaned_data["url"]
        try:
            return check_url(url)
        except BlockedURL as error:
            raise forms.ValidationError(str(error)) from error


class CrawlForm(forms.ModelForm):
    start_url = forms.URLField(label=gettext_lazy("Start URL"), max_length=2000, assume_scheme="https")

    class Meta:
        model = Crawl
        fields = ["start_url", "max_depth", "max_pages", "schedule"]
        help_texts = {
            "start_url": gettext_lazy("Pages on the same site linked from here are crawled; robots.txt is honoured."),
            "max_depth": gettext_lazy("Links followed from the start page, 0 to 5."),
        }

    def clean_max_depth(self):
        depth = self.cleaned_data["max_depth"]
        if depth > 5:
            raise forms.ValidationError(_("The maximum link depth is 5."))
        return depth

    def clean_max_pages(self):
        pages = self.cleaned_data["max_pages"]
        limit = settings.KNOWLEDGE_CRAWL_MAX_PAGES
        if not 1 <= pages <= limit:
            raise forms.ValidationError(
                _("Enter between 1 and %(limit)s pages.") % {"limit": limit}
            )
        return pages

    def clean_start_url(self):
        from .fetch import BlockedURL, check_url

        try:
            return check_url(self.cleaned_data["start_url"])
        except BlockedURL as error:
            raise forms.ValidationError(str(error)) from error
