"""Golden questions of an agent family: list, add, edit, delete, CSV import and export."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orgs import audit
from orgs.permissions import Perm
from orgs.scoping import get_for_org

from ..models import Agent
from .forms import GoldenImportForm, GoldenQuestionForm
from .golden_csv import GoldenImportError, export_csv, import_csv
from .runs import family_questions


def _golden_page(request, agent, form=None, import_form=None, status=200):
    context = {
        "agent": agent,
        "questions": family_questions(agent),
        "form": form or GoldenQuestionForm(),
        "import_form": import_form or GoldenImportForm(),
    }
    template = "agents/bluegreen/golden.html#questions" if request.htmx and status == 200 else "agents/bluegreen/golden.html"
    return render(request, template, context, status=status)


@require_GET
def golden(request, agent_id):
    agent = get_for_org(request, Agent, Perm.BUILD, public_id=agent_id)
    return _golden_page(request, agent)


@require_POST
def golden_add(request, agent_id):
    agent = get_for_org(request, Agent, Perm.BUILD, public_id=agent_id)
    form = GoldenQuestionForm(request.POST)
    if not form.is_valid():
        return _golden_page(request, agent, form=form, status=400)
    question = form.save(commit=False)
    question.organization = request.organization
    question.family_id = agent.family_id
    question.save()
    messages.success(request, _("Golden question added."))
    return redirect("agents:golden", agent_id=agent.public_id)


def _question(request, agent, question_id):
    return get_object_or_404(
        family_questions(agent).filter(organization=request.organization), public_id=question_id
    )


@require_http_methods(["GET", "POST"])
def golden_edit(request, agent_id, question_id):
    agent = get_for_org(request, Agent, Perm.BUILD, public_id=agent_id)
    question = _question(request, agent, question_id)
    form = GoldenQuestionForm(request.POST or None, instance=question)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Golden question saved."))
        return redirect("agents:golden", agent_id=agent.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "agents/bluegreen/golden_edit.html", {"agent": agent, "question": question, "form": form}, status=status)


@require_POST
def golden_delete(request, agent_id, question_id):
    agent = get_for_org(request, Agent, Perm.BUILD, public_id=agent_id)
    question = _question(request, agent, question_id)
    question.delete()
    messages.success(request, _("Golden question deleted."))
    return redirect("agents:golden", agent_id=agent.public_id)


@require_POST
def golden_import(request, agent_id):
    agent = get_for_org(request, Agent, Perm.BUILD, public_id=agent_id)
    form = GoldenImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _golden_page(request, agent, import_form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        created, skipped = import_csv(request.organization, agent.family_id, upload.read())
    except GoldenImportError as error:
        form.add_error("file", str(error))
        return _golden_page(request, agent, import_form=form, status=400)
    audit.record(
        request.organization,
        "golden.imported",
        request=request,
        target=agent,
        details={"created": created, "skipped": skipped, "file": upload.name[:200]},
    )
    messages.success(
        request,
        _("Imported %(created)d question(s); %(skipped)d already existed and were skipped.")
        % {"created": created, "skipped": skipped},
    )
    return redirect("agents:golden", agent_id=agent.public_id)


@require_GET
def golden_export(request, agent_id):
    agent = get_for_org(request, Agent, Perm.BUILD, public_id=agent_id)
    response = HttpResponse(export_csv(family_questions(agent)), content_type="text/csv; charset=utf-8")
    filename = f"golden-questions-{slugify(agent.name) or agent.public_id}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
