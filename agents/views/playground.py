"""The chat playground: a conversation with one agent, streamed as the answer arrives.

The send form posts to `playground_send`. A browser with JavaScript asks for
`application/x-ndjson` and reads one JSON object per line: `{"type": "delta", "text"}` while
the answer arrives, then `{"type": "done", ...}` with the rendered message. Without
JavaScript the same endpoint answers the whole turn and redirects back to the conversation.
"""

import json
import logging

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from orgs.permissions import Perm
from orgs.scoping import get_for_org

from ..chat import ChatError, prepare_turn
from ..models import Agent, Channel, Conversation
from ..models.agents import ChannelKind

logger = logging.getLogger(__name__)

NDJSON = "application/x-ndjson"


def playground_channel_for(agent):
    """Return the playground channel of agent, creating it on first use."""
    channel = Channel.objects.filter(agent=agent, kind=ChannelKind.PLAYGROUND).order_by("id").first()
    if channel is None:
        channel = Channel.objects.create(
            organization=agent.organization, agent=agent, kind=ChannelKind.PLAYGROUND, name=f"{agent.name} playground"
        )
    return channel


def find_conversation(agent, channel, conversation_id):
    """Return the playground conversation with conversation_id, None for a new one, or raise 404."""
    if not conversation_id:
        return None
    try:
        return Conversation.objects.get(public_id=conversation_id, agent=agent, channel=channel)
    except (Conversation.DoesNotExist, ValidationError):
        raise Http404(_("No conversation %(id)s exists for this agent.") % {"id": conversation_id})


def message_rows(conversation):
    """Return the messages of conversation with their trace, for the message template."""
    if conversation is None:
        return []
    rows = list(conversation.messages.prefetch_related("traces"))
    question = ""
    for message in rows:
        message.trace = next(iter(message.traces.all()), None)
        if message.role == "user":
            question = message.content
        else:
            message.question = question
    return rows


@require_GET
def playground(request, agent_id):
    agent = get_for_org(request, Agent.objects.select_related("organization__plan"), Perm.BUILD, public_id=agent_id)
    channel = playground_channel_for(agent)
    conversation = find_conversation(agent, channel, request.GET.get("conversation", ""))
    context = {
        "agent": agent,
        "conversation": conversation,
        "chat_messages": message_rows(conversation),
        "retry_text": request.GET.get("retry", ""),
        "max_message_chars": settings.AGENT_MAX_MESSAGE_CHARS,
    }
    return render(request, "agents/playground.html", context)


def _load_send(request, agent_id):
    agent = get_for_org(request, Agent.objects.select_related("organization__plan"), Perm.BUILD, public_id=agent_id)
    channel = playground_channel_for(agent)
    conversation = find_conversation(agent, channel, request.POST.get("conversation", "").strip())
    return agent, channel, conversation


def _done_event(request, agent, result):
    """Return the final NDJSON event of a streamed turn, with the rendered assistant message."""
    question = result.trace.request["messages"][-1]["content"]
    message = None
    if result.status != "failed":
        message = result.trace.message
        message.trace = result.trace
        message.question = question
    html = render_to_string(
        "agents/playground.html#message",
        {
            "message": message,
            "error": result.error,
            "agent": agent,
            "retry_text": question,
            "conversation": result.conversation,
        },
        request=request,
    )
    return {
        "type": "done",
        "status": result.status,
        "conversation_id": str(result.conversation.public_id) if result.conversation else "",
        "html": html,
        "error": {"code": result.error.code, "message": result.error.message} if result.error else None,
    }


@require_POST
async def playground_send(request, agent_id):
    agent, channel, conversation = await sync_to_async(_load_send)(request, agent_id)
    text = request.POST.get("message", "")
    streaming = NDJSON in request.headers.get("Accept", "")
    user = request.user

    try:
        turn = await prepare_turn(agent, channel, text, conversation=conversation, user=user)
    except ChatError as failure:
        if streaming:
            return JsonResponse({"error": {"code": failure.code, "message": failure.message}}, status=failure.http_status)
        await sync_to_async(messages.error)(request, failure.message)
        return redirect(_playground_url(agent, conversation))

    if not streaming:
        result = await turn.complete()
        if result.error is not None:
            await sync_to_async(messages.error)(request, result.error.message)
        return redirect(_playground_url(agent, result.conversation or conversation))

    async def events():
        async for chunk in turn.stream():
            yield json.dumps({"type": "delta", "text": chunk}) + "\n"
        if turn.result is not None:
            done = await sync_to_async(_done_event)(request, agent, turn.result)
            yield json.dumps(done) + "\n"

    response = StreamingHttpResponse(events(), content_type=NDJSON)
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # nginx would otherwise hold the stream back
    return response


def _playground_url(agent, conversation):
    url = reverse("agents:playground", kwargs={"agent_id": agent.public_id})
    if conversation is not None:
        url += f"?conversation={conversation.public_id}"
    return url
