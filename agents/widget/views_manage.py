"""Dashboard pages for web widget channels: create one, edit its settings, try it on a demo page."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orgs import audit
from orgs.permissions import Perm
from orgs.scoping import get_for_org, require_perm

from ..models import Agent, Channel
from ..models.agents import ChannelKind
from .forms import WidgetSettingsForm
from .policy import DEFAULT_RATE_LIMIT_PER_MINUTE, allowed_origins, normalize_origin, rate_limit_per_minute


def snippet_for(request, channel) -> str:
    script_url = request.build_absolute_uri(static("widget/flexy-widget.js"))
    return f'<script src="{script_url}" data-widget-id="{channel.public_id}" async></script>'


def own_origin(request) -> str:
    return normalize_origin(f"{request.scheme}://{request.get_host()}")


@require_POST
def widget_create(request, agent_id):
    agent = get_for_org(request, Agent, Perm.BUILD, public_id=agent_id)
    channel = Channel.objects.create(
        organization=request.organization,
        agent=agent,
        kind=ChannelKind.WEB_WIDGET,
        name=_("%(agent)s web widget") % {"agent": agent.name},
        settings={"allowed_origins": [own_origin(request)], "rate_limit_per_minute": DEFAULT_RATE_LIMIT_PER_MINUTE},
    )
    audit.record(request.organization, "channel.created", request=request, target=channel, details={"kind": channel.kind})
    messages.success(request, _("Web widget created. Add the websites that may embed it, then paste the snippet."))
    return redirect("agents:widget_settings", channel_id=channel.public_id)


@require_http_methods(["GET", "POST"])
def widget_settings(request, channel_id):
    channel = get_for_org(
        request, Channel.objects.filter(kind=ChannelKind.WEB_WIDGET).select_related("agent"), Perm.BUILD, public_id=channel_id
    )
    initial = {
        "name": channel.name,
        "allowed_origins": "\n".join(allowed_origins(channel)),
        "rate_limit_per_minute": rate_limit_per_minute(channel),
    }
    form = WidgetSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        channel.name = form.cleaned_data["name"]
        channel.settings = {
            **(channel.settings or {}),
            "allowed_origins": form.cleaned_data["allowed_origins"],
            "rate_limit_per_minute": form.cleaned_data["rate_limit_per_minute"],
        }
        channel.save(update_fields=["name", "settings"])
        audit.record(
            request.organization,
            "channel.updated",
            request=request,
            target=channel,
            details={"allowed_origins": channel.settings["allowed_origins"], "rate_limit_per_minute": channel.settings["rate_limit_per_minute"]},
        )
        messages.success(request, _("Widget settings saved."))
        return redirect("agents:widget_settings", channel_id=channel.public_id)
    context = {"channel": channel, "form": form, "snippet": snippet_for(request, channel)}
    return render(request, "agents/widget/settings.html", context, status=400 if form.is_bound else 200)


@require_GET
def widget_demo(request):
    require_perm(request, Perm.BUILD)
    widgets = list(
        Channel.objects.filter(organization=request.organization, kind=ChannelKind.WEB_WIDGET)
        .select_related("agent")
        .order_by("name", "id")
    )
    chosen = None
    wanted = request.GET.get("widget", "")
    if wanted:
        chosen = next((channel for channel in widgets if str(channel.public_id) == wanted), None)
        if chosen is None:
            raise Http404(_("No web widget %(id)s exists in this organization.") % {"id": wanted})
    elif widgets:
        chosen = widgets[0]
    language = request.GET.get("lang", "")
    context = {
        "widgets": widgets,
        "chosen": chosen,
        "snippet": snippet_for(request, chosen) if chosen else "",
        "origin": own_origin(request),
        "origin_allowed": chosen is not None and own_origin(request) in allowed_origins(chosen),
        "language": language if language in ("en", "zh-Hans") else "",
    }
    return render(request, "agents/widget/demo.html", context)
