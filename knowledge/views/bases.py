"""Knowledge base pages: the list with the create form and the enrichment switch, and one base."""

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_tables2 import RequestConfig

from orgs import audit
from orgs.permissions import Perm
from orgs.scoping import get_for_org, require_perm

from ..forms import CrawlForm, KnowledgeBaseForm, UploadForm, UrlForm, storage_used
from ..models import Document, KnowledgeBase
from ..search import search
from ..tables import DocumentTable


def _list_context(request, form=None):
    organization = request.organization
    bases = KnowledgeBase.objects.filter(organization=organization).annotate(
        document_count=Count("documents"),
        processing_count=Count("documents", filter=Q(documents__status__in=Document.PROCESSING_STATUSES)),
        failed_count=Count("documents", filter=Q(documents__status=Document.Status.FAILED)),
    )
    quota = settings.KNOWLEDGE_STORAGE_QUOTA_MB * 1024 * 1024
    used = storage_used(organization)
    return {
        "bases": bases,
        "form": form or KnowledgeBaseForm(organization=organization),
        "storage_used": used,
        "storage_quota": quota,
        "storage_percent": min(100, round(used * 100 / quota)) if quota else 0,
        "can_manage_org": Perm.MANAGE_ORG in request.perms,
    }


@require_GET
def knowledge_list(request):
    require_perm(request, Perm.BUILD)
    return render(request, "knowledge/list.html", _list_context(request))


@require_POST
def knowledge_create(request):
    require_perm(request, Perm.BUILD)
    form = KnowledgeBaseForm(request.POST, organization=request.organization)
    if not form.is_valid():
        return render(request, "knowledge/list.html", _list_context(request, form), status=400)
    base = form.save(commit=False)
    base.organization = request.organization
    base.save()
    audit.record(request.organization, "knowledge.base_created", request=request, target=base)
    messages.success(request, _("Knowledge base “%(name)s” created.") % {"name": base.name})
    return redirect(base)


@require_POST
def enrichment_toggle(request):
    require_perm(request, Perm.MANAGE_ORG)
    organization = request.organization
    enabled = request.POST.get("enabled") == "on"
    organization.enrichment_enabled = enabled
    organization.save(update_fields=["enrichment_enabled"])
    audit.record(organization, "knowledge.enrichment_changed", request=request, details={"enabled": enabled})
    if enabled:
        messages.success(request, _("Image description and media transcription are on."))
    else:
        messages.success(request, _("Image description and media transcription are off. New images and media are skipped."))
    return redirect("knowledge:list")


def documents_table(request, base):
    queryset = Document.objects.filter(knowledge_base=base)
    table = DocumentTable(queryset)
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    return table, queryset.filter(status__in=Document.PROCESSING_STATUSES).exists()


def detail_context(request, base, **forms):
    table, processing = documents_table(request, base)
    query = request.GET.get("q", "").strip()
    return {
        "base": base,
        "table": table,
        "processing": processing,
        "upload_form": forms.get("upload_form") or UploadForm(organization=request.organization),
        "url_form": forms.get("url_form") or UrlForm(),
        "crawl_form": forms.get("crawl_form") or CrawlForm(),
        "crawls": base.crawls.all(),
        "query": query,
        "hits": search(request.organization, [base.pk], query, k=5) if query else None,
        "max_upload_mb": settings.KNOWLEDGE_MAX_UPLOAD_MB,
    }


@require_GET
def knowledge_detail(request, public_id):
    base = get_for_org(request, KnowledgeBase, Perm.BUILD, public_id=public_id)
    if request.htmx and request.htmx.target == "documents":
        table, processing = documents_table(request, base)
        return render(
            request,
            "knowledge/detail.html#documents",
            {"base": base, "table": table, "processing": processing},
        )
    return render(request, "knowledge/detail.html", detail_context(request, base))


@require_POST
def knowledge_delete(request, public_id):
    base = get_for_org(request, KnowledgeBase, Perm.BUILD, public_id=public_id)
    for document in base.documents.all():
        if document.file:
            document.file.delete(save=False)
    name = base.name
    audit.record(request.organization, "knowledge.base_deleted", request=request, target=base, details={"name": name})
    base.delete()
    messages.success(request, _("Knowledge base “%(name)s” deleted.") % {"name": name})
    return redirect("knowledge:list")
