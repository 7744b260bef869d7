"""Re-run a traced chat turn for support, with the request the trace stored.

A reproduction sends the same model, parameters, system prompt, messages and passages that
the original turn sent. It does not search the knowledge again, so a changed knowledge base
cannot hide the problem. The credential comes from `keys.resolver.resolve` with purpose
SUPPORT and the original turn's billing: a hosted turn is re-run on the hosted key, a BYOK
turn on the key that served it. Usage is recorded with purpose "support" and never counts
against the customer's hosted quota, so no quota is reserved.
"""

import logging
import time

from asgiref.sync import async_to_sync
from django.conf import settings
from django.utils.translation import gettext as _

from keys import resolver
from keys.resolver import BillingSource, Purpose, Strategy
from providers import get_adapter
from providers.base import ChatMessage, ChatRequest, Passage, ProviderError
from usage.recording import record_refusal, record_usage

from .chat import REJECTION_CODES, close_adapter, redact
from .models import Reproduction

logger = logging.getLogger(__name__)


class TraceNotReproducible(Exception):
    """The trace lacks what a re-run needs (an old or hand-made trace); the message names the gap."""


def request_from_trace(trace) -> ChatRequest:
    """Rebuild the ChatRequest that the traced turn sent, or raise TraceNotReproducible."""
    stored = trace.request or {}
    messages = stored.get("messages") or []
    if not messages:
        raise TraceNotReproducible(
            _("Trace %(trace)s stored no messages, so the turn cannot be re-run.") % {"trace": trace.public_id}
        )
    return ChatRequest(
        model=stored.get("model") or trace.model_id,
        system_prompt=stored.get("system_prompt") or "",
        messages=[ChatMessage(role=item["role"], content=item["content"]) for item in messages],
        temperature=stored.get("temperature"),
        max_output_tokens=stored.get("max_output_tokens"),
        passages=[
            Passage(
                text=item.get("text", ""),
                label=item.get("label", ""),
                url=item.get("url", ""),
                score=item.get("score") or 0.0,
            )
            for item in stored.get("passages") or []
        ],
    )


def resolve_for_trace(trace, *, decrypt=True):
    """Resolve the credential for re-running trace: the original billing, purpose SUPPORT."""
    byok = trace.billing_source == BillingSource.BYOK
    return resolver.resolve(
        trace.organization,
        purpose=Purpose.SUPPORT,
        provider=trace.provider,
        model=trace.model_id,
        strategy=Strategy.BYOK if byok else Strategy.HOSTED,
        pinned_key_id=str(trace.credential_key_id) if byok and trace.credential_key_id else None,
        decrypt=decrypt,
    )


async def _call_provider(provider, credential, request):
    adapter = get_adapter(
        provider,
        api_key=credential.api_key if credential else "",
        base_url=(credential.base_url if credential else None) or None,
        timeout=settings.AGENT_PROVIDER_TIMEOUT_SECONDS,
        max_retries=settings.AGENT_PROVIDER_MAX_RETRIES,
    )
    try:
        return await adapter.chat(request)
    finally:
        await close_adapter(adapter)


def reproduce(trace, *, requested_by) -> Reproduction:
    """Re-run trace and store the outcome as a Reproduction; refusals are stored too.

    Raises TraceNotReproducible when the trace stored no request to re-run.
    """
    request = request_from_trace(trace)
    organization = trace.organization
    agent = trace.agent
    resolution = resolve_for_trace(trace)
    if not resolution.ok:
        record_refusal(
            organization,
            purpose=str(Purpose.SUPPORT),
            reason=str(resolution.reason),
            agent_id=agent.public_id if agent else None,
            agent_name=agent.name if agent else "",
            provider=trace.provider,
            model=trace.model_id,
        )
        return Reproduction.objects.create(
            trace=trace,
            requested_by=requested_by,
            error_code=str(resolution.reason),
            error_message=resolution.message,
        )

    credential = resolution.credential
    api_key = credential.api_key if credential else ""
    started = time.monotonic()
    result, error = None, None
    try:
        result = async_to_sync(_call_provider)(trace.provider, credential, request)
    except ProviderError as exc:
        error = exc
    latency_ms = int((time.monotonic() - started) * 1000)

    error_code = str(error.code) if error is not None else ""
    # The adapters redact the key already; both guards run again before anything is stored.
    error_message = resolver.redact(redact(str(error), api_key), limit=2000) if error is not None else ""
    key_id = credential.key_id if credential else None
    if error is not None and key_id and error_code in REJECTION_CODES:
        resolver.report_provider_rejection(key_id, error.status_code or 401, detail=error_message[:500])
    elif key_id and error is None:
        resolver.mark_used(key_id)

    input_tokens = (result.input_tokens or 0) if result is not None else 0
    output_tokens = (result.output_tokens or 0) if result is not None else 0
    reproduction = Reproduction.objects.create(
        trace=trace,
        requested_by=requested_by,
        result_text=redact(result.text, api_key) if result is not None else "",
        error_code=error_code,
        error_message=error_message,
        latency_ms=latency_ms,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        billing_source=str(resolution.billing_source or ""),
        provider_request_id=(getattr(result, "request_id", "") or getattr(error, "request_id", "") or ""),
    )
    record_usage(
        organization,
        purpose=str(Purpose.SUPPORT),
        provider=trace.provider,
        model=trace.model_id,
        billing_source=str(resolution.billing_source),
        key_id=key_id or "",
        agent_id=agent.public_id if agent else None,
        agent_name=agent.name if agent else "",
        channel_id=trace.channel.public_id if trace.channel else None,
        channel_kind=trace.channel.kind if trace.channel else "",
        department=agent.department if agent else "",
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        status="failed" if error is not None else "ok",
        latency_ms=latency_ms,
        error_code=error_code,
        counts_against_quota=False,
    )
    if error is not None:
        logger.warning(
            "Reproduction %s of trace %s failed: %s (provider request id %s)",
            reproduction.public_id, trace.public_id, error_code, reproduction.provider_request_id or "none",
        )
    return reproduction
