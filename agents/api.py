"""The API channel: `POST /api/v1/agents/{agent_id}/chat` with a channel's bearer token.

A token belongs to one API channel of one organization. A request for an agent of another
organization gets 403. A request for an agent of the same organization that the token's
channel does not serve gets 403 too, because the token grants access to a channel, not to
every agent. The channel serves the agent it currently points at and every agent of the same
family (clones share `family_id`). The answer always comes from the channel's current agent,
so a client keeps its URL when traffic is swapped to a new version of the agent.

Every error is `{"error": {"code", "message"}}`. Nothing is stored for a request that fails
before the provider call.
"""

import json
import uuid

from django.core.exceptions import ObjectDoesNotExist
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.security.http import HttpAuthBase

from config.api_errors import error_response
from config.db_workers import run_in_db_worker

from .bluegreen.routing import serving_agent
from .chat import ChatError, prepare_turn_sync
from .models import Agent, ChannelToken, Conversation
from .models.agents import ChannelKind, split_token
from .token_lookup import load_token

router = Router(tags=["agents"])


class BearerCredentials:
    """The parsed Authorization header: (prefix, secret), or the reason it is unusable.

    It is always truthy, so django-ninja hands it to the view, which answers 401 in the
    API's own error format.
    """

    def __init__(self, prefix="", secret="", error=""):
        self.prefix = prefix
        self.secret = secret
        self.error = error

    def __bool__(self):
        return True


class ChannelTokenAuth(HttpAuthBase):
    """Bearer authentication with an API channel token (`fa_<prefix>_<secret>`)."""

    openapi_scheme = "bearer"

    async def __call__(self, request):
        value = request.headers.get("Authorization", "")
        scheme, _sep, token = value.partition(" ")
        if not value:
            return BearerCredentials(error=_("The Authorization header is missing: send 'Authorization: Bearer <token>'."))
        if scheme.lower() != "bearer" or not token.strip():
            return BearerCredentials(error=_("The Authorization header is invalid: use the form 'Bearer <token>'."))
        parts = split_token(token.strip())
        if parts is None:
            return BearerCredentials(error=_("The token is malformed: API tokens look like fa_<8 characters>_<secret>."))
        return BearerCredentials(prefix=parts[0], secret=parts[1])


class ChatIn(Schema):
    message: str
    conversation_id: uuid.UUID | None = None


class Citation(Schema):
    label: str
    url: str


class Usage(Schema):
    input_tokens: int
    output_tokens: int
    billing_source: str


class ChatOut(Schema):
    answer: str
    status: str
    citations: list[Citation]
    conversation_id: uuid.UUID
    usage: Usage


class ErrorDetail(Schema):
    code: str
    message: str


class ErrorOut(Schema):
    error: ErrorDetail


class RequestRejected(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _load_call(credentials, agent_id, conversation_id):
    """Return (token, agent, channel, conversation) for a request, or raise RequestRejected.

    One query (agents.token_lookup) reads the token with its channel, the channel's agent,
    organization, plan and canary, and whether that agent has knowledge bases. A request for the channel's own agent
    (the usual case) needs no other read unless it continues a conversation.
    """
    token = load_token(credentials.prefix, ChannelKind.API)
    if token is None or not token.matches(credentials.secret):
        raise RequestRejected(401, "invalid_token", _("The API token is invalid or revoked: create a new one on the agent's page."))
    channel = token.channel
    serving = channel.agent

    if agent_id == serving.public_id:
        agent = serving
    else:
        agent = Agent.objects.filter(public_id=agent_id).only("id", "organization_id", "family_id").first()
    if agent is None:
        raise RequestRejected(404, "agent_not_found", _("No agent has the id %(id)s.") % {"id": agent_id})
    if agent.organization_id != channel.organization_id:
        raise RequestRejected(403, "agent_not_in_organization", _("The agent %(id)s belongs to another organization than this token.") % {"id": agent_id})
    if agent.family_id != serving.family_id:
        raise RequestRejected(
            403,
            "agent_not_served_by_token",
            _("This token's channel serves agent %(serving)s, not %(id)s: use a token created on that agent's page.")
            % {"serving": serving.public_id, "id": agent_id},
        )

    conversation = None
    if conversation_id is not None:
        conversation = Conversation.objects.filter(
            public_id=conversation_id, channel=channel, organization_id=channel.organization_id
        ).first()
        if conversation is None:
            raise RequestRejected(
                404,
                "conversation_not_found",
                _("No conversation %(id)s exists on this channel: send conversation_id null to start one.")
                % {"id": conversation_id},
            )

    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        # Written at most once a minute per token, to keep the hot path to reads.
        ChannelToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token, _agent_for_turn(channel, conversation), channel, conversation


def _agent_for_turn(channel, conversation):
    """Return the agent that serves the turn: the channel's agent, or a canary candidate.

    A canary may send a new conversation to a candidate, and a conversation keeps its agent.
    The token query loaded the channel's canary, so without one no routing query runs.
    """
    try:
        channel.canary
    except ObjectDoesNotExist:
        return channel.agent
    return serving_agent(channel, conversation)


def _load_and_prepare(credentials, agent_id, conversation_id, message):
    """Return the prepared ChatTurn, or raise RequestRejected or ChatError before any network call.

    One function, so the request's synchronous database work takes one hop to a database
    worker thread (config.db_workers), whose connection stays open across requests.
    """
    token, agent, channel, conversation = _load_call(credentials, agent_id, conversation_id)
    return prepare_turn_sync(agent, channel, message, conversation=conversation, visitor_ref=f"token:{token.prefix}")


def _parse_body(body: bytes):
    """Return (message, conversation_id) from the JSON body, or raise RequestRejected."""
    try:
        data = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError):
        raise RequestRejected(400, "malformed_json", _('The request body is not valid JSON: send {"message": "...", "conversation_id": null}.'))
    if not isinstance(data, dict):
        raise RequestRejected(400, "malformed_json", _("The request body must be a JSON object."))
    message = data.get("message")
    if not isinstance(message, str):
        raise RequestRejected(422, "invalid_message", _('The field "message" is missing or not a string.'))
    raw_conversation = data.get("conversation_id")
    conversation_id = None
    if raw_conversation is not None:
        try:
            conversation_id = uuid.UUID(str(raw_conversation))
        except ValueError:
            raise RequestRejected(
                422,
                "invalid_conversation_id",
                _('The field "conversation_id" is %(value)r, not a UUID: send a conversation_id from an earlier answer, or null.')
                % {"value": raw_conversation},
            )
    return message, conversation_id


CHAT_REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["message"],
                "properties": {
                    "message": {"type": "string", "minLength": 1, "description": "The user's message."},
                    "conversation_id": {
                        "type": ["string", "null"],
                        "format": "uuid",
                        "description": "The conversation to continue, or null to start one.",
                    },
                },
            }
        }
    },
}


@router.post(
    "/{agent_id}/chat",
    auth=ChannelTokenAuth(),
    response={
        200: ChatOut,
        400: ErrorOut,
        401: ErrorOut,
        402: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
        502: ErrorOut,
        504: ErrorOut,
    },
    openapi_extra={"requestBody": CHAT_REQUEST_BODY},
    summary="Send a message to an agent",
    description=(
        "Answers one message with the agent that the token's channel serves. 400 malformed "
        "JSON; 401 missing, malformed or revoked token; 403 agent of another organization or "
        "not served by the token's channel; 404 unknown agent or conversation; 409 the "
        "organization's provider key is missing, expired, revoked or rejected, or the plan does "
        "not allow the agent's strategy; 402 hosted quota exhausted; 422 empty or over-long "
        "message; 429 the provider rate-limited the call (see Retry-After); 502 provider error; "
        "504 provider timed out."
    ),
)
async def chat(request, agent_id: str):
    credentials = request.auth
    if credentials.error:
        return error_response(401, "invalid_token", credentials.error)
    try:
        agent_uuid = uuid.UUID(agent_id)
    except ValueError:
        return error_response(404, "agent_not_found", _("No agent has the id %(id)s: agent ids are UUIDs.") % {"id": agent_id})

    try:
        message, conversation_id = _parse_body(request.body)
        turn = await run_in_db_worker(_load_and_prepare, credentials, agent_uuid, conversation_id, message)
    except RequestRejected as rejected:
        return error_response(rejected.status, rejected.code, rejected.message)
    except ChatError as failure:
        return error_response(failure.http_status, failure.code, failure.message)
    result = await turn.complete()
    if result.error is not None:
        failure = result.error
        headers = {"Retry-After": str(int(failure.retry_after))} if failure.retry_after else None
        return error_response(failure.http_status, failure.code, failure.message, headers)
    # A JsonResponse skips django-ninja's validation of the body against ChatOut, which cost
    # more than building it; tests/agents/test_api.py checks the body against ChatOut.
    body = {
        "answer": result.answer,
        "status": result.status,
        "citations": result.citations,
        "conversation_id": result.conversation.public_id,
        "usage": {
            "input_tokens": result.input_tokens,
            "output_tokens": result.output_tokens,
            "billing_source": result.billing_source,
        },
    }
    return JsonResponse(body)
