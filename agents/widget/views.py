"""Public widget endpoints under /widget/<widget_id>/: config (GET) and chat (POST, streamed).

Every request's origin must be one of the channel's allowed origins. Allowed origins get CORS
headers; any other origin gets 403 with a JSON error and no CORS headers. Errors are
`{"error": {"code", "message"}}` in the visitor's language.

The chat answer streams as NDJSON, one object per line: `{"type": "delta", "text"}` while the
answer arrives, then `{"type": "done", "status", "conversation_id", "citations"}`, or
`{"type": "error", "error"}` when the provider fails.
"""

import json
import logging
import re
import uuid

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from config.db_workers import run_in_db_worker

from ..bluegreen.routing import serving_agent
from ..chat import ChatError, prepare_turn
from ..models import Channel, Conversation
from ..models.agents import ChannelKind
from .policy import allowed_origins, client_address, request_origin, take_rate_slot, visitor_language

logger = logging.getLogger(__name__)

NDJSON = "application/x-ndjson"
VISITOR_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
MAX_BODY_BYTES = 64 * 1024


def error_response(status, code, message, origin=None, headers=None):
    response = JsonResponse({"error": {"code": code, "message": str(message)}}, status=status, headers=headers)
    if origin:
        add_cors_headers(response, origin)
    return response


def add_cors_headers(response, origin):
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = "600"
    patch_vary_headers(response, ["Origin"])
    return response


def load_channel(widget_id):
    return (
        Channel.objects.filter(public_id=widget_id, kind=ChannelKind.WEB_WIDGET)
        .select_related("organization__plan", "agent__organization__plan")
        .first()
    )


def check_request(request, channel, widget_id):
    """Return (origin, None) for an allowed request, or (None, error response)."""
    if channel is None:
        return None, error_response(404, "widget_not_found", _("No web widget has the id %(id)s.") % {"id": widget_id})
    origin = request_origin(request)
    if origin is None or origin not in allowed_origins(channel):
        logger.info("Widget %s rejected a request from origin %r", channel.public_id, origin)
        return None, error_response(
            403,
            "origin_not_allowed",
            _("This website (%(origin)s) may not use this widget: add its origin to the widget's allowed origins.")
            % {"origin": origin or _("unknown origin")},
        )
    return origin, None


@login_not_required
def widget_config(request, widget_id):
    language = visitor_language(request.GET.get("lang", ""))
    with translation.override(language):
        channel = load_channel(widget_id)
        origin, rejection = check_request(request, channel, widget_id)
        if rejection is not None:
            return rejection
        if request.method == "OPTIONS":
            return add_cors_headers(JsonResponse({}, status=200), origin)
        if request.method != "GET":
            return error_response(405, "method_not_allowed", _("Use GET for the widget configuration."), origin, {"Allow": "GET, OPTIONS"})
        organization = channel.organization
        data = {
            "widget_id": str(channel.public_id),
            "organization": organization.name,
            "brand_color": organization.brand_color,
            "language": language,
            "texts": {
                "title": _("Ask %(organization)s") % {"organization": organization.name},
                "greeting": _("Hello! Ask a question and I will answer from %(organization)s's documents.")
                % {"organization": organization.name},
                "placeholder": _("Type your question…"),
                "send": _("Send"),
                "open": _("Open the chat"),
                "close": _("Close the chat"),
                "sources": _("Sources"),
                "thinking": _("Answering…"),
                "failed": _("The answer failed. Please try again."),
                "partial": _("The answer was cut off. Please ask again."),
            },
        }
        return add_cors_headers(JsonResponse(data), origin)


def parse_chat_body(body: bytes):
    """Return (message, conversation_id, visitor_id) from a chat request body, or raise ValueError."""
    if len(body) > MAX_BODY_BYTES:
        raise ValueError(_("The request body is larger than %(max)d bytes.") % {"max": MAX_BODY_BYTES})
    try:
        data = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError):
        raise ValueError(_('The request body is not valid JSON: send {"message": "...", "visitor_id": "..."}.'))
    if not isinstance(data, dict):
        raise ValueError(_("The request body must be a JSON object."))
    message = data.get("message")
    if not isinstance(message, str):
        raise ValueError(_('The field "message" is missing or not a string.'))
    conversation_id = data.get("conversation_id")
    if conversation_id is not None:
        try:
            conversation_id = uuid.UUID(str(conversation_id))
        except ValueError:
            raise ValueError(_('The field "conversation_id" is not a UUID: send null to start a conversation.'))
    visitor_id = data.get("visitor_id") or ""
    if not isinstance(visitor_id, str) or not VISITOR_ID.match(visitor_id):
        visitor_id = ""
    return message, conversation_id, visitor_id


def load_turn_context(channel, conversation_id, visitor_ref):
    """Return (agent, conversation) for a turn; conversation is None for a new conversation."""
    conversation = None
    if conversation_id is not None:
        conversation = Conversation.objects.filter(
            public_id=conversation_id, channel=channel, visitor_ref=visitor_ref
        ).first()
    return serving_agent(channel, conversation), conversation


@login_not_required
# CSRF exemption: the widget posts from the customer's website, which cannot hold our CSRF
# cookie. The view reads no session or cookie, so a forged request has no more authority than
# any anonymous visitor, and check_request rejects origins that the channel does not allow.
@csrf_exempt
async def widget_chat(request, widget_id):
    language = visitor_language(request.GET.get("lang", ""))
    with translation.override(language):
        channel = await run_in_db_worker(load_channel, widget_id)
        origin, rejection = check_request(request, channel, widget_id)
        if rejection is not None:
            return rejection
        if request.method == "OPTIONS":
            return add_cors_headers(JsonResponse({}, status=200), origin)
        if request.method != "POST":
            return error_response(405, "method_not_allowed", _("Use POST to send a message."), origin, {"Allow": "POST, OPTIONS"})
        try:
            text, conversation_id, visitor_id = parse_chat_body(request.body)
        except ValueError as invalid:
            return error_response(400, "invalid_request", invalid, origin)

        retry_after = await run_in_db_worker(take_rate_slot, channel, client_address(request))
        if retry_after is not None:
            return error_response(
                429,
                "rate_limited",
                _("Too many messages from this visitor: wait %(seconds)d seconds.") % {"seconds": retry_after},
                origin,
                {"Retry-After": str(retry_after)},
            )

        visitor_ref = f"widget:{visitor_id or 'anonymous'}"
        agent, conversation = await run_in_db_worker(load_turn_context, channel, conversation_id, visitor_ref)
        if conversation_id is not None and conversation is None:
            return error_response(
                404,
                "conversation_not_found",
                _("The conversation %(id)s does not exist for this visitor: start a new one.") % {"id": conversation_id},
                origin,
            )
        try:
            turn = await prepare_turn(agent, channel, text, conversation=conversation, visitor_ref=visitor_ref)
        except ChatError as failure:
            if failure.http_status == 422:
                return error_response(422, failure.code, failure.message, origin)
            # Other refusals describe the organization's key or plan problems, which visitors
            # must not read. Builders find them on the agent's page and in the usage refusals.
            logger.warning("Widget %s turn refused: %s", channel.public_id, failure.code)
            return error_response(
                503, failure.code, _("The assistant is not available right now. Please try again later."), origin
            )

    async def events():
        async for chunk in turn.stream():
            yield json.dumps({"type": "delta", "text": chunk}) + "\n"
        result = turn.result
        if result is None:
            return
        if result.error is not None and result.status == "failed":
            with translation.override(language):
                yield json.dumps({"type": "error", "error": {"code": result.error.code, "message": _("The answer failed. Please try again.")}}) + "\n"
            return
        yield json.dumps(
            {
                "type": "done",
                "status": result.status,
                "conversation_id": str(result.conversation.public_id) if result.conversation else None,
                "citations": result.citations,
            }
        ) + "\n"

    response = StreamingHttpResponse(events(), content_type=NDJSON)
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"
    return add_cors_headers(response, origin)
