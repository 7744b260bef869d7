"""Trace pages shared by organization members and platform support staff.

Each view takes an optional `org_id`: the member URLs (/traces/...) act on the member's
current organization, the staff URLs (/traces/staff/<org_id>/...) on a granting organization.
`scope_for` decides which, and raises 404/403 before anything is read.
"""

import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_tables2 import RequestConfig

from orgs import audit

from ..models import Trace
from ..reproduce import TraceNotReproducible, reproduce
from ..support_access import member_scope, staff_scope
from .diff import word_diff
from .export import export_bundle
from .filters import TraceFilterForm
from .tables import TraceTable

TRACES_PER_PAGE = 25


def scope_for(request, org_id):
    return staff_scope(request, org_id) if org_id else member_scope(request)


def _trace(scope, trace_id):
    queryset = Trace.objects.select_related("organization__plan", "agent", "channel", "conversation")
    return get_object_or_404(queryset, organization=scope.organization, public_id=trace_id)


@require_GET
def trace_list(request, org_id=None):
    scope = scope_for(request, org_id)
    queryset = Trace.objects.filter(organization=scope.organization).select_related("agent", "channel")
    form = TraceFilterForm(request.GET or None, organization=scope.organization)
    if form.is_bound:
        form.is_valid()  # errors are shown; fields that are valid still filter
        queryset = form.apply(queryset)
    table = TraceTable(queryset, scope=scope)
    RequestConfig(request, paginate={"per_page": TRACES_PER_PAGE}).configure(table)
    error_codes = (
        Trace.objects.filter(organization=scope.organization)
        .exclude(error_code="")
        .order_by("error_code")
        .values_list("error_code", flat=True)
        .distinct()
    )
    context = {
        "scope": scope,
        "form": form,
        "table": table,
        "error_codes": list(error_codes[:50]),
        "list_url": scope.url("list"),
    }
    template = "agents/traces/list.html#results" if request.htmx else "agents/traces/list.html"
    return render(request, template, context)


@require_GET
def trace_detail(request, trace_id, org_id=None):
    scope = scope_for(request, org_id)
    trace = _trace(scope, trace_id)
    reproductions = list(trace.reproductions.select_related("requested_by")[:20])
    selected = reproductions[0] if reproductions else None
    requested_id = request.GET.get("reproduction")
    if requested_id:
        selected = next((item for item in reproductions if str(item.public_id) == requested_id), selected)
    return render(request, "agents/traces/detail.html", detail_context(scope, trace, reproductions, selected))


def detail_context(scope, trace, reproductions, selected):
    stored = trace.request or {}
    return {
        "scope": scope,
        "trace": trace,
        "stored": stored,
        "passages": [link_safe_passage(item) for item in stored.get("passages") or []],
        "request_messages": stored.get("messages") or [],
        "reproductions": reproductions,
        "selected": selected,
        "comparison": word_diff(trace.response_text, selected.result_text) if selected else None,
        "may_reproduce": scope.may_reproduce(trace),
        "is_byok": trace.billing_source == "byok",
        "reproduce_url": scope.url("reproduce", trace_id=trace.public_id),
        "export_url": scope.url("export", trace_id=trace.public_id),
        "detail_url": scope.url("detail", trace_id=trace.public_id),
        "list_url": scope.url("list"),
    }


def link_safe_passage(passage) -> dict:
    """Return passage with "link" set only for an http(s) URL, so a stored javascript: URL is never a link."""
    url = str(passage.get("url") or "")
    return {**passage, "link": url if url.startswith(("https://", "http://")) else ""}


@require_POST
def trace_reproduce(request, trace_id, org_id=None):
    scope = scope_for(request, org_id)
    trace = _trace(scope, trace_id)
    if not scope.may_reproduce(trace):
        return HttpResponse(
            _(
                "This turn ran on the organization's own provider key. Support cannot spend the "
                "customer's key: ask an organization admin to reproduce it."
            ),
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    try:
        reproduction = reproduce(trace, requested_by=request.user)
    except TraceNotReproducible as exc:
        messages.error(request, str(exc))
        return redirect(scope.url("detail", trace_id=trace.public_id))
    audit.record(
        scope.organization,
        "trace.reproduced",
        request=request,
        target=trace,
        details={
            "reproduction_id": str(reproduction.public_id),
            "billing_source": reproduction.billing_source,
            "error_code": reproduction.error_code,
            "platform_support": scope.staff,
        },
    )
    if request.htmx:
        reproductions = list(trace.reproductions.select_related("requested_by")[:20])
        context = detail_context(scope, trace, reproductions, reproduction)
        return render(request, "agents/traces/detail.html#comparison", context)
    url = scope.url("detail", trace_id=trace.public_id)
    return redirect(f"{url}?reproduction={reproduction.public_id}#comparison")


@require_GET
def trace_export(request, trace_id, org_id=None):
    scope = scope_for(request, org_id)
    trace = _trace(scope, trace_id)
    bundle = export_bundle(trace)
    audit.record(
        scope.organization,
        "trace.exported",
        request=request,
        target=trace,
        details={"conversation_id": bundle["conversation_id"], "traces": len(bundle["traces"]),
                 "platform_support": scope.staff},
    )
    name = bundle["conversation_id"] or bundle["selected_trace_id"]
    response = HttpResponse(
        json.dumps(bundle, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="trace-{name}.json"'
    return response


