"""Forms of the knowledge pages: knowledge bases, uploads, web pages and crawls."""

import hashlib
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
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


def upload_name(upload):
    """Return the uploaded file's name without any folder, as stored in original_filename."""
    return upload.name.rsplit("/", 1)[-1][:255]


def storage_used(organization):
    """Return the bytes stored for the organization's documents."""
    return Document.objects.filter(organization=organization).aggregate(total=Sum("size"))["total"] or 0


def file_sha256(upload):
    """Return the SHA-256 hex digest of an uploaded file and rewind it for saving."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def existing_copies(knowledge_base, digests):
    """Return {sha256: document} of the knowledge base's documents with those contents.

    A failed document does not count, so a file whose earlier upload failed can be uploaded
    again. Of several copies already stored, the oldest is returned.
    """
    documents = (
        Document.objects.filter(knowledge_base=knowledge_base, sha256__in=digests)
        .exclude(status=Document.Status.FAILED)
        .order_by("-created_at")
    )
    return {document.sha256: document for document in documents}


def upload_date(document):
    """Return the day the document was uploaded, with the year only when it is not this year."""
    uploaded = timezone.localtime(document.created_at)
    if uploaded.year == timezone.localtime().year:
        return date_format(uploaded, "MONTH_DAY_FORMAT")
    return date_format(uploaded, "DATE_FORMAT")


@dataclass
class NewFile:
    upload: object  # django.core.files.uploadedfile.UploadedFile
    sha256: str


@dataclass
class SkippedCopy:
    """An uploaded file whose bytes are already stored, in the knowledge base or earlier in the same upload."""

    name: str
    existing: Document | None = None
    earlier_name: str = ""

    def message(self):
        """Return the HTML message that names the file and where its content already is."""
        if self.existing is None:
            return format_html(
                _("{name} has the same content as {earlier} in this upload, so only {earlier} was stored."),
                name=self.name,
                earlier=self.earlier_name,
            )
        return format_html(
            _(
                "{name} is already in this knowledge base as <a href=\"{url}\">“{title}”</a> (uploaded "
                "{date}). Delete that document first to upload it again."
            ),
            name=self.name,
            url=self.existing.get_absolute_url(),
            title=self.existing.title,
            date=upload_date(self.existing),
        )


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

    def __init__(self, *args, organization, knowledge_base=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.knowledge_base = knowledge_base
        self.skipped = []  # SkippedCopy of each file that clean_files leaves out

    def clean_files(self):
        """Return a NewFile for each file to store, after checking sizes, copies and the quota.

        A file byte-identical to a document of the knowledge base is left out and listed in
        self.skipped instead of failing the form, so the other files of the upload are kept.
        """
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
        new_files = self._leave_out_copies(files)
        quota = settings.KNOWLEDGE_STORAGE_QUOTA_MB * 1024 * 1024
        used = storage_used(self.organization)
        incoming = sum(new_file.upload.size for new_file in new_files)
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
        return new_files

    def _leave_out_copies(self, files):
        """Return a NewFile for each file whose bytes are new, and record the others in self.skipped."""
        digests = [file_sha256(upload) for upload in files]
        stored = existing_copies(self.knowledge_base, digests) if self.knowledge_base else {}
        new_files, names_by_digest = [], {}
        for upload, digest in zip(files, digests):
            name = upload_name(upload)
            if digest in stored:
                self.skipped.append(SkippedCopy(name, existing=stored[digest]))
            elif digest in names_by_digest:
                self.skipped.append(SkippedCopy(name, earlier_name=names_by_digest[digest]))
            else:
                names_by_digest[digest] = name
                new_files.append(NewFile(upload, digest))
        return new_files


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
