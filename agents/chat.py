"""The chat pipeline: one turn of a conversation with an agent, streamed or not.

A turn runs in three steps so that database work stays short and no provider call starts
before every check has passed:

1. `prepare_turn` (database, no network): validate the message, load the history, search the
   agent's knowledge, resolve the credential and, for hosted billing, reserve quota. A refusal
   raises a `ChatError` subclass here, before any network call.
2. `ChatTurn.stream()` or `ChatTurn.complete()` (network): call the provider adapter.
3. `ChatTurn` finishes (database): settle or release the quota, record usage once, mark the
   key used or rejected, and store the messages and the trace.

Nothing is stored for input that fails validation. A turn that gets no text from the provider
stores a trace and a failed usage event but no messages, so a conversation never contains a
question without its answer. A turn that breaks mid-stream keeps the text it got as a partial
answer.
"""

import asyncio
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.db_workers import run_in_db_worker
from config.write_batch import WriteBatch
from keys import resolver
from keys.resolver import BillingSource, Purpose, Reason, Strategy
from knowledge.search import search
from providers import shared_adapter
from providers.base import ChatMessage, ChatRequest, Passage, ProviderError, StreamEnd, TextDelta
from usage import quotas
from usage.recording import add_usage_to_batch, record_refusal, usage_event

from .models import Agent, Channel, Conversation, Message, Trace
from .models.conversations import MessageRole, MessageStatus
from .models.agents import Provider

logger = logging.getLogger(__name__)

# Most recent complete messages sent to the provider as history.
HISTORY_MESSAGES = 20
# Passages retrieved from the agent's knowledge per turn.
PASSAGES_PER_TURN = 5
# The usual rough ratio of characters to tokens, used to size quota reservations.
CHARS_PER_TOKEN = 4

REJECTION_CODES = {"authentication_failed", "permission_denied"}


class ChatError(Exception):
    """A turn that cannot be answered. `code` is stable for API clients; the message names the fix."""

    code = "chat_failed"
    http_status = 500

    def __init__(self, message, *, code=None, http_status=None, retry_after=None):
        super().__init__(message)
        self.message = str(message)
        if code:
            self.code = code
        if http_status:
            self.http_status = http_status
        self.retry_after = retry_after


class InvalidMessage(ChatError):
    code = "invalid_message"
    http_status = 422


class ConversationNotFound(ChatError):
    code = "conversation_not_found"
    http_status = 404


class CredentialRefused(ChatError):
    """Credential resolution refused the call; `reason` is a keys.resolver.Reason."""

    http_status = 409

    def __init__(self, resolution):
        super().__init__(resolution.message, code=str(resolution.reason))
        self.reason = resolution.reason


class QuotaExceeded(ChatError):
    code = "quota_exhausted"
    http_status = 402


class ProviderFailed(ChatError):
    """The provider answered with an error before any text arrived."""

    http_status = 502


class TurnInterrupted(Exception):
    """A turn that stopped for a reason other than a provider error (client gone, internal bug)."""

    status_code = None
    request_id = ""
    retry_after = None

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


async def close_adapter(adapter):
    """Close the adapter's HTTP client; a shared adapter and the extractive adapter ignore it."""
    close = getattr(adapter, "aclose", None)
    if close is not None:
        await close()


def provider_error_status(error: ProviderError) -> int:
    """Return the HTTP status the API channel reports for a provider error."""
    code = str(error.code)
    if code == "rate_limited":
        return 429
    if code == "timed_out":
        return 504
    return 502


@dataclass
class TurnResult:
    """The outcome of a finished turn, for the playground and the API channel."""

    answer: str
    status: str
    citations: list
    conversation: Conversation | None
    trace: Trace
    input_tokens: int
    output_tokens: int
    billing_source: str
    latency_ms: int
    error: ChatError | None = None


def validate_message(text) -> str:
    """Return the stripped message, or raise InvalidMessage naming the limit."""
    if not isinstance(text, str):
        raise InvalidMessage(_("The message must be a string."))
    text = text.strip()
    if not text:
        raise InvalidMessage(_("The message is empty: type a question."))
    limit = settings.AGENT_MAX_MESSAGE_CHARS
    if len(text) > limit:
        raise InvalidMessage(
            _("The message has %(length)d characters; the maximum is %(limit)d. Shorten it.")
            % {"length": len(text), "limit": limit}
        )
    # PostgreSQL text cannot contain NUL, and a lone UTF-16 surrogate (from a JSON escape
    # such as "\ud800") cannot be encoded at all: both would fail the turn after the call.
    if "\x00" in text:
        raise InvalidMessage(
            _("The message contains a NUL character (U+0000) at position %(position)d. Remove it and send the message again.")
            % {"position": text.index("\x00") + 1}
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidMessage(
            _(
                "The message contains an unpaired surrogate (U+%(code)04X) at position %(position)d, "
                "which is not valid text. Send the message as valid Unicode."
            )
            % {"code": ord(text[error.start]), "position": error.start + 1}
        ) from None
    return text


def storable_text(text: str) -> str:
    """Return text without NUL characters and with unpaired surrogates replaced by U+FFFD.

    Provider text and error messages are otherwise stored as received. PostgreSQL rejects
    both characters, and that would fail the store of a turn the provider has already billed.
    """
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def knowledge_base_ids(agent) -> list[int]:
    """Return the ids of the agent's knowledge bases.

    A caller that has already read that the agent has none sets `agent.has_knowledge_bases =
    False`, which saves the query. The API channel reads it with the token.
    """
    if getattr(agent, "has_knowledge_bases", True) is False:
        return []
    return list(agent.knowledge_bases.values_list("id", flat=True))


def hit_to_passage(hit) -> Passage:
    label = hit.citation_label or hit.document_title
    return Passage(text=hit.text, label=label, url=hit.url, score=hit.score)


def passage_to_dict(passage: Passage) -> dict:
    return {"text": passage.text, "label": passage.label, "url": passage.url, "score": passage.score}


def citation_list(result_citations, passages) -> list[dict]:
    """Return the citations of an answer as [{"label", "url"}], deduplicated in order.

    An adapter that cites by itself (the extractive model) passes its list, which is empty
    when nothing matched. For language models `result_citations` is None and every retrieved
    passage is listed, because the prompt asked the model to answer from them.
    """
    source = passages if result_citations is None else result_citations
    citations, seen = [], set()
    for item in source or []:
        if isinstance(item, dict):
            label, url = item.get("label", ""), item.get("url", "")
        elif isinstance(item, str):
            label, url = item, ""
        else:
            label, url = getattr(item, "label", ""), getattr(item, "url", "")
        if (label, url) in seen or not (label or url):
            continue
        seen.add((label, url))
        citations.append({"label": label, "url": url})
    return citations


def redact(text: str, secret: str) -> str:
    """Remove secret from text; adapters already redact, this is a second guard before storage."""
    if secret and secret in text:
        return text.replace(secret, "[redacted]")
    return text


def estimate_tokens(chars: int) -> int:
    return max(1, chars // CHARS_PER_TOKEN)


@dataclass
class ChatTurn:
    """A prepared turn: everything checked and reserved, ready for the provider call."""

    agent: Agent
    channel: Channel | None
    conversation: Conversation | None
    user_text: str
    user: object
    visitor_ref: str
    request: ChatRequest
    passages: list
    resolution: object
    reservation: object = None
    stream_requested: bool = False
    # Regression runs pass Purpose.EVAL, so their usage is reported apart from chat.
    purpose: str = str(Purpose.CHAT)
    started: float = 0.0
    result: TurnResult | None = None
    _chunks: list = field(default_factory=list)

    @property
    def billing_source(self) -> str:
        return str(self.resolution.billing_source or "")

    @property
    def credential(self):
        return self.resolution.credential

    def _adapter(self):
        # A process-wide adapter per (provider, key digest, base URL, timeout, retries) keeps
        # the SDK client and its pooled connections across turns. The key is resolved per turn,
        # so a revoked or rotated key stops being used at the next turn.
        credential = self.credential
        return shared_adapter(
            self.agent.provider,
            api_key=credential.api_key if credential else "",
            base_url=(credential.base_url if credential else None) or None,
            timeout=settings.AGENT_PROVIDER_TIMEOUT_SECONDS,
            max_retries=settings.AGENT_PROVIDER_MAX_RETRIES,
        )

    async def complete(self) -> TurnResult:
        """Call the provider without streaming and finish the turn."""
        self.started = time.monotonic()
        adapter = self._adapter()
        try:
            result = await adapter.chat(self.request)
        except ProviderError as error:
            return await self._finish(None, "", error)
        except asyncio.CancelledError:
            # The caller was cancelled (a client that went away, under a handler that cancels
            # the view). Give back the reservation and record the turn, shielded from the
            # cancellation, then let it proceed.
            interrupted = TurnInterrupted("client_disconnected", "The client disconnected.")
            await asyncio.shield(self._finish(None, "", interrupted))
            raise
        except Exception:
            # Any other failure must still release the quota reservation before it propagates.
            logger.exception("Chat call for agent %s failed unexpectedly", self.agent.public_id)
            await self._finish(None, "", TurnInterrupted("internal_error", "Internal error."))
            raise
        finally:
            await close_adapter(adapter)
        return await self._finish(result, result.text, None)

    async def stream(self):
        """Yield the answer's text as it arrives, then finish the turn (see `result`)."""
        self.stream_requested = True
        self.started = time.monotonic()
        final = None
        adapter = self._adapter()
        try:
            async for event in adapter.stream(self.request):
                if isinstance(event, TextDelta):
                    if event.text:
                        self._chunks.append(event.text)
                        yield event.text
                elif isinstance(event, StreamEnd):
                    final = event.result
        except ProviderError as error:
            await self._finish(None, "".join(self._chunks), error)
            return
        except (GeneratorExit, asyncio.CancelledError):
            # The client went away. Finish the turn (shielded from the cancellation) so the
            # quota is settled and usage recorded once, then let the close proceed.
            interrupted = TurnInterrupted("client_disconnected", "The client disconnected.")
            await asyncio.shield(self._finish(None, "".join(self._chunks), interrupted))
            raise
        except Exception:
            logger.exception("Chat stream for agent %s failed unexpectedly", self.agent.public_id)
            await self._finish(None, "".join(self._chunks), TurnInterrupted("internal_error", "Internal error."))
            raise
        finally:
            await close_adapter(adapter)
        text = final.text if final is not None and final.text else "".join(self._chunks)
        await self._finish(final, text, None)

    async def _finish(self, result, text, error) -> TurnResult:
        latency_ms = int((time.monotonic() - self.started) * 1000)
        self.result = await run_in_db_worker(self._store, result, text, error, latency_ms)
        return self.result

    def _store(self, result, text, error, latency_ms) -> TurnResult:
        """Settle quota, record usage once, mark the key, and store messages and trace."""
        agent, credential = self.agent, self.credential
        api_key = credential.api_key if credential else ""
        if error is None:
            status = MessageStatus.OK
        elif text:
            status = MessageStatus.PARTIAL
        else:
            status = MessageStatus.FAILED

        text = storable_text(text)
        if result is not None:
            input_tokens, output_tokens = result.input_tokens or 0, result.output_tokens or 0
        elif text and agent.provider != Provider.EXTRACTIVE:
            # The stream broke before the provider reported usage: estimate what was consumed
            # so the quota reflects the partial answer.
            prompt_chars = len(self.request.system_prompt) + sum(len(m.content) for m in self.request.messages)
            prompt_chars += sum(len(p.text) for p in self.request.passages)
            input_tokens, output_tokens = estimate_tokens(prompt_chars), estimate_tokens(len(text))
        else:
            input_tokens, output_tokens = 0, 0

        error_code = str(error.code) if error is not None else ""
        error_message = storable_text(redact(str(error), api_key)) if error is not None else ""
        key_id = credential.key_id if credential else None
        cited = getattr(result, "citations", None) if agent.provider == Provider.EXTRACTIVE else None
        citations = citation_list(cited, self.passages)

        rejected = error is not None and bool(key_id) and error_code in REJECTION_CODES
        # Every write of the turn goes in one batch: one statement on PostgreSQL, one
        # transaction on SQLite (see config/write_batch.py). Each round trip and each commit
        # adds to the API's latency, and the turn's records then land together or not at all.
        batch = WriteBatch()
        if self.reservation is not None:
            if status == MessageStatus.FAILED:
                batch.execute("quota", *quotas.release_statement(self.reservation))
            else:
                batch.execute("quota", *quotas.settle_statement(self.reservation, input_tokens + output_tokens))
        if key_id and not rejected and status != MessageStatus.FAILED:
            statement = resolver.mark_used_statement(key_id)
            if statement is not None:
                batch.execute("key_used", *statement)
        conversation, assistant_message = self.conversation, None
        if status != MessageStatus.FAILED:
            conversation, assistant_message = self._add_messages(batch, text, status, citations)
        trace = Trace(
            organization_id=agent.organization_id,
            conversation=conversation,
            message=assistant_message,
            agent=agent,
            channel=self.channel,
            provider=agent.provider,
            model_id=agent.model_id,
            request=self.trace_request(),
            response_text=text,
            status=status,
            error_code=error_code,
            error_message=error_message,
            latency_ms=latency_ms,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            billing_source=self.billing_source,
            credential_key_id=key_id,
            credential_fingerprint=credential.fingerprint if credential else "",
            provider_request_id=(getattr(result, "request_id", "") or getattr(error, "request_id", "") or ""),
            streamed=self.stream_requested,
        )
        batch.insert("trace", trace)
        event = usage_event(
            agent.organization,
            purpose=str(self.purpose),
            provider=agent.provider,
            model=agent.model_id,
            billing_source=self.billing_source,
            key_id=key_id or "",
            agent_id=agent.public_id,
            agent_name=agent.name,
            channel_id=self.channel.public_id if self.channel else None,
            channel_kind=self.channel.kind if self.channel else "",
            department=agent.department,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            status=str(status),
            latency_ms=latency_ms,
            error_code=error_code,
            counts_against_quota=self.reservation is not None,
        )
        add_usage_to_batch(batch, event)

        try:
            if rejected:
                # Rare: the key's status, its audit event and alert commit with the turn.
                with transaction.atomic():
                    resolver.report_provider_rejection(key_id, error.status_code or 401, detail=error_message[:500])
                    written = batch.run()
            else:
                written = batch.run()
        except Exception:
            # The turn's writes failed together, the quota settle with them. Release the
            # reservation on its own, or it would hold quota until the period ends.
            logger.exception("Storing the chat turn of agent %s failed", agent.public_id)
            self._release_after_failed_store()
            raise
        if self.reservation is not None:
            row = next(iter(written["quota"]), None)
            row = (row["used"], row["limit"]) if row is not None else None
            if status == MessageStatus.FAILED:
                quotas.after_release(self.reservation, row)
            else:
                quotas.after_settle(self.reservation, row)

        if error is not None:
            logger.warning(
                "Chat turn for agent %s ended %s: %s (provider request id %s)",
                agent.public_id, status, error_code, trace.provider_request_id or "none",
            )

        turn_error = None
        if error is not None:
            turn_error = self._turn_error(error, error_code, error_message)
        return TurnResult(
            answer=text,
            status=str(status),
            citations=citations,
            conversation=conversation,
            trace=trace,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            billing_source=self.billing_source,
            latency_ms=latency_ms,
            error=turn_error,
        )

    def _release_after_failed_store(self):
        if self.reservation is None:
            return
        try:
            quotas.release(self.reservation)
        except Exception:
            logger.exception(
                "Releasing quota reservation of %s on period %s after a failed store also failed",
                self.reservation.amount, self.reservation.period_id,
            )

    def _turn_error(self, error, error_code, error_message) -> ChatError:
        if isinstance(error, TurnInterrupted):
            return ChatError(error_message, code=error_code, http_status=500)
        if self.credential and self.credential.key_id and error_code in REJECTION_CODES:
            return ChatError(
                _(
                    "The provider rejected the organization's %(provider)s key, so it is now "
                    "marked rejected. Add a working key under Settings → LLM API Keys."
                )
                % {"provider": self.agent.get_provider_display()},
                code=str(Reason.KEY_REJECTED),
                http_status=409,
            )
        return ProviderFailed(
            _("The provider failed: %(error)s") % {"error": error_message},
            code=error_code if error_code.startswith("provider_") else f"provider_{error_code}",
            http_status=provider_error_status(error),
            retry_after=getattr(error, "retry_after", None),
        )

    def _add_messages(self, batch, text, status, citations):
        conversation = self.conversation
        now = timezone.now()
        if conversation is None:
            conversation = Conversation(
                organization_id=self.agent.organization_id,
                agent=self.agent,
                channel=self.channel,
                user=self.user,
                visitor_ref=self.visitor_ref,
                last_message_at=now,
            )
            batch.insert("conversation", conversation)
        else:
            conversation.last_message_at = now
            batch.update("conversation", conversation, ["last_message_at"])
        question = Message(conversation=conversation, role=MessageRole.USER, content=self.user_text)
        assistant = Message(
            conversation=conversation,
            role=MessageRole.ASSISTANT,
            content=text,
            status=status,
            citations=citations,
        )
        batch.insert("question", question)
        batch.insert("answer", assistant)
        return conversation, assistant

    def trace_request(self) -> dict:
        """Return the request as sent to the provider, with no credential in it."""
        request = self.request
        return {
            "provider": self.agent.provider,
            "model": request.model,
            "temperature": request.temperature,
            "max_output_tokens": request.max_output_tokens,
            "stream": self.stream_requested,
            "system_prompt": request.system_prompt,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "passages": [passage_to_dict(p) for p in request.passages],
        }


def system_prompt_with_passages(agent, passages) -> str:
    """Return the system prompt as sent: language models get the passages folded into it.

    The extractive adapter reads `ChatRequest.passages` itself, so its prompt stays as written.
    """
    if agent.provider == Provider.EXTRACTIVE or not passages:
        return agent.system_prompt
    parts = [agent.system_prompt.strip()] if agent.system_prompt.strip() else []
    parts.append(
        "Answer from the numbered passages below when they are relevant, and cite them as [n]. "
        "If they do not contain the answer, say so."
    )
    # Passages of one source share the number that the answer's citation list gives it.
    numbers = {}
    for passage in passages:
        source = (passage.label, passage.url)
        if not (passage.label or passage.url):
            parts.append(passage.text)
            continue
        number = numbers.setdefault(source, len(numbers) + 1)
        parts.append(f"[{number}] {passage.label}\n{passage.text}")
    return "\n\n".join(parts)


def load_history(conversation) -> list[ChatMessage]:
    """Return the last complete turns of conversation, oldest first.

    Turns whose answer is partial or failed are left out (with their question), so a retry
    does not send the provider a broken answer as context.
    """
    if conversation is None:
        return []
    messages = list(conversation.messages.order_by("-created_at", "-id")[: HISTORY_MESSAGES * 2])
    messages.reverse()
    history, pending_question = [], None
    for message in messages:
        if message.role == MessageRole.USER:
            pending_question = message
        elif pending_question is not None:
            if message.status == MessageStatus.OK:
                history.append(ChatMessage(role="user", content=pending_question.content))
                history.append(ChatMessage(role="assistant", content=message.content))
            pending_question = None
    return history[-HISTORY_MESSAGES:]


def _prepare(agent, channel, text, conversation, user, visitor_ref, decrypt=True, purpose=Purpose.CHAT) -> ChatTurn:
    organization = agent.organization
    history = load_history(conversation)

    kb_ids = knowledge_base_ids(agent)
    hits = search(organization, kb_ids, text, k=PASSAGES_PER_TURN) if kb_ids else []
    passages = [hit_to_passage(hit) for hit in hits]

    resolution = resolver.resolve(
        organization,
        purpose=purpose,
        provider=agent.provider,
        model=agent.model_id,
        strategy=Strategy(agent.strategy),
        pinned_key_id=str(agent.pinned_key_id) if agent.pinned_key_id else None,
        decrypt=decrypt,
    )
    if not resolution.ok:
        record_refusal(
            organization,
            purpose=str(purpose),
            reason=str(resolution.reason),
            agent_id=agent.public_id,
        )
        raise CredentialRefused(resolution)

    request = ChatRequest(
        model=agent.model_id,
        system_prompt=system_prompt_with_passages(agent, passages),
        messages=[*history, ChatMessage(role="user", content=text)],
        temperature=agent.temperature,
        max_output_tokens=agent.max_output_tokens,
        passages=passages,
    )
    turn = ChatTurn(
        agent=agent,
        channel=channel,
        conversation=conversation,
        user_text=text,
        user=user,
        visitor_ref=visitor_ref,
        request=request,
        passages=passages,
        resolution=resolution,
        purpose=str(purpose),
    )
    if resolution.billing_source == BillingSource.HOSTED and agent.provider != Provider.EXTRACTIVE:
        prompt_chars = len(agent.system_prompt) + sum(len(m.content) for m in request.messages)
        prompt_chars += sum(len(p.text) for p in passages)
        estimate = estimate_tokens(prompt_chars) + agent.max_output_tokens
        try:
            turn.reservation = quotas.reserve(organization, quotas.QuotaKind.HOSTED_TOKENS, estimate)
        except quotas.QuotaExhausted as exhausted:
            record_refusal(
                organization,
                purpose=str(purpose),
                reason=str(Reason.HOSTED_QUOTA_EXHAUSTED),
                agent_id=agent.public_id,
            )
            raise QuotaExceeded(str(exhausted)) from exhausted
    return turn


def prepare_turn_sync(
    agent, channel, text, *, conversation=None, user=None, visitor_ref="", purpose=Purpose.CHAT
) -> ChatTurn:
    """Run `prepare_turn` in the calling thread, for callers already on a database thread.

    The API channel reads its token and prepares the turn in one thread hop this way.
    """
    text = validate_message(text)
    return _prepare(agent, channel, text, conversation, user, visitor_ref, purpose=purpose)


async def prepare_turn(
    agent, channel, text, *, conversation=None, user=None, visitor_ref="", purpose=Purpose.CHAT
) -> ChatTurn:
    """Check and reserve everything a turn needs, or raise a ChatError before any network call.

    `agent` must have its organization (and plan) loaded. `conversation` must belong to agent.
    """
    text = validate_message(text)
    return await run_in_db_worker(_prepare, agent, channel, text, conversation, user, visitor_ref, purpose=purpose)
