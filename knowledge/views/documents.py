"""Adding documents (upload, web page, crawl) and acting on one document."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from orgs import audit
from orgs.permissions import Perm
from orgs.scoping import get_for_org

from ..forms import CrawlForm, UploadForm, UrlForm, upload_name
from ..models import Crawl, Document, KnowledgeBase
from ..pipeline import queue_document
from .bases import detail_context


def _invalid(request, base, **forms):
    return render(request, "knowledge/detail.html", detail_context(request, base, **forms), status=400)


@require_POST
def document_upload(request, public_id):
    base = get_for_org(request, KnowledgeBase, Perm.BUILD, public_id=public_id)
    with transaction.atomic():
        # Lock the knowledge base, so that two uploads of the same file at once cannot both
        # pass the check for copies. SQLite ignores the lock but runs one write at a time.
        KnowledgeBase.objects.select_for_update().filter(pk=base.pk).first()
        form = UploadForm(request.POST, request.FILES, organization=request.organization, knowledge_base=base)
        if not form.is_valid():
            return _invalid(request, base, upload_form=form)
        for new_file in form.cleaned_data["files"]:
            _store_upload(request.organization, base, new_file)
    # A copy is reported after the redirect, not as a form error, because the other files
    # of the same upload are stored.
    for skipped in form.skipped:
        messages.warning(request, skipped.message())
    count = len(form.cleaned_data["files"])
    if count:
        messages.success(
            request,
            ngettext("%(count)s file queued for processing.", "%(count)s files queued for processing.", count)
            % {"count": count},
        )
    return redirect(base)


def _store_upload(organization, base, new_file):
    name = upload_name(new_file.upload)
    document = Document(
        organization=organization,
        knowledge_base=base,
        title=name[:300],
        original_filename=name,
        size=new_file.upload.size,
        sha256=new_file.sha256,
    )
    document.file.save(name, new_file.upload, save=False)
    document.save()
    queue_document(document)


@require_POST
def document_add_url(request, public_id):
    base = get_for_org(request, KnowledgeBase, Perm.BUILD, public_id=public_id)
    form = UrlForm(request.POST)
    if not form.is_valid():
        return _invalid(request, base, url_form=form)
    url = form.cleaned_data["url"]
    document = Document.objects.create(
        organization=request.organization, knowledge_base=base, source=Document.Source.URL, url=url, title=url[:300]
    )
    queue_document(document)
    messages.success(request, _("%(url)s queued for fetching.") % {"url": url})
    return redirect(base)


@require_POST
def crawl_add(request, public_id):
    base = get_for_org(request, KnowledgeBase, Perm.BUILD, public_id=public_id)
    form = CrawlForm(request.POST)
    if not form.is_valid():
        return _invalid(request, base, crawl_form=form)
    crawl = form.save(commit=False)
    crawl.organization, crawl.knowledge_base = request.organization, base
    crawl.save()
    _start_crawl(crawl)
    messages.success(request, _("Crawl of %(url)s started.") % {"url": crawl.start_url})
    return redirect(base)


def _start_crawl(crawl):
    from ..tasks import crawl_site

    transaction.on_commit(lambda: crawl_site.delay(crawl.pk))


@require_POST
def crawl_run(request, public_id):
    crawl = get_for_org(request, Crawl.objects.select_related("knowledge_base"), Perm.BUILD, public_id=public_id)
    _start_crawl(crawl)
    messages.success(request, _("Re-crawl of %(url)s started.") % {"url": crawl.start_url})
    return redirect(crawl.knowledge_base)


@require_GET
def document_detail(request, public_id):
    document = get_for_org(
        request, Document.objects.select_related("knowledge_base"), Perm.BUILD, public_id=public_id
    )
    chunks = Paginator(document.chunks.all(), 20).get_page(request.GET.get("page"))
    context = {
        "document": document,
        "chunks": chunks,
        "enrichments": document.enrichments.all(),
        "has_skipped": document.enrichments.exclude(status="done").exists(),
    }
    if request.htmx and request.htmx.target == "document-status":
        return render(request, "knowledge/document.html#status", context)
    return render(request, "knowledge/document.html", context)


@require_POST
def document_retry(request, public_id):
    document = get_for_org(request, Document, Perm.BUILD, public_id=public_id)
    if document.is_processing:
        messages.info(request, _("“%(title)s” is already being processed.") % {"title": document.title})
    else:
        Document.objects.filter(pk=document.pk).update(attempts=0)
        queue_document(document)
        messages.success(request, _("“%(title)s” queued again.") % {"title": document.title})
    if request.POST.get("next") == "document":
        return redirect(document)
    return redirect(document.knowledge_base)


@require_POST
def document_reprocess(request, public_id):
    """Run the pipeline again: enrichments already done are reused, skipped ones are retried."""
    document = get_for_org(request, Document, Perm.BUILD, public_id=public_id)
    if document.is_processing:
        messages.info(request, _("“%(title)s” is already being processed.") % {"title": document.title})
        return redirect(document)
    queue_document(document)
    audit.record(request.organization, "knowledge.enrichment_reprocessed", request=request, target=document)
    messages.success(request, _("Enrichment of “%(title)s” queued again.") % {"title": document.title})
    return redirect(document)


@require_POST
def document_delete(request, public_id):
    document = get_for_org(request, Document.objects.select_related("knowledge_base"), Perm.BUILD, public_id=public_id)
    base, title = document.knowledge_base, document.title
    if document.file:
        document.file.delete(save=False)
    document.delete()
    messages.success(request, _("“%(title)s” deleted.") % {"title": title})
    return redirect(base)
