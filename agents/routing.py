"""Model choices per billing strategy, and the routing explanation shown on an agent's page."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from keys import resolver
from keys.resolver import BillingSource, Purpose, Strategy
from usage import catalog, quotas

from .models.agents import AgentStrategy, Provider

EXTRACTIVE_MODEL_ID = "extractive-v1"

HOSTED_KEY_SETTINGS = {
    Provider.OPENAI: "HOSTED_OPENAI_API_KEY",
    Provider.ANTHROPIC: "HOSTED_ANTHROPIC_API_KEY",
    Provider.GEMINI: "HOSTED_GEMINI_API_KEY",
}


def configured_hosted_providers() -> list[str]:
    """Return the providers whose hosted key the operator has set."""
    return [provider for provider, name in HOSTED_KEY_SETTINGS.items() if getattr(settings, name, "")]


def byok_providers(organization) -> list[str]:
    """Return the providers for which the organization has a key the resolver would use now."""
    providers = []
    for provider in HOSTED_KEY_SETTINGS:
        resolution = resolver.resolve(
            organization, purpose=Purpose.CHAT, provider=provider, strategy=Strategy.BYOK, decrypt=False
        )
        if resolution.ok:
            providers.append(provider)
    return providers


def model_choices(organization, strategy) -> list[tuple[str, str]]:
    """Return ("provider:model_id", label) pairs valid for strategy under the organization's plan."""
    plan = organization.plan
    if strategy == AgentStrategy.HOSTED:
        if not plan.hosted_allowed:
            return []
        providers = configured_hosted_providers()
    else:
        if not plan.byok_allowed:
            return []
        providers = byok_providers(organization)

    choices = []
    if providers:
        for model in catalog.chat_models(providers=providers).order_by("provider", "display_name"):
            if model.provider == Provider.EXTRACTIVE:
                continue
            provider_label = Provider(model.provider).label
            choices.append((f"{model.provider}:{model.model_id}", f"{provider_label} · {model.display_name}"))
    if strategy == AgentStrategy.HOSTED:
        # The offline model needs no provider key, so every plan with hosted models offers it.
        choices.append(
            (f"{Provider.EXTRACTIVE}:{EXTRACTIVE_MODEL_ID}", _("Offline extractive model (quotes your knowledge, no language model)"))
        )
    return choices


@dataclass
class RoutingExplanation:
    """The credential, quota and outcome of a chat call for an agent right now, worded for its page."""

    ok: bool
    billing_source: str
    credential: str
    credential_reason: str
    quota: str
    problem: str


def estimated_reservation(agent) -> int:
    """Return the tokens a one-line question would reserve: prompt estimate plus output cap."""
    return max(1, len(agent.system_prompt) // 4) + agent.max_output_tokens


def explain(agent) -> RoutingExplanation:
    """Explain which credential and which quota a chat call for agent would use now, and why."""
    organization = agent.organization
    resolution = resolver.resolve(
        organization,
        purpose=Purpose.CHAT,
        provider=agent.provider,
        model=agent.model_id,
        strategy=Strategy(agent.strategy),
        pinned_key_id=str(agent.pinned_key_id) if agent.pinned_key_id else None,
        decrypt=False,
    )
    if not resolution.ok:
        return RoutingExplanation(
            ok=False,
            billing_source="",
            credential=_("None"),
            credential_reason=resolution.explanation or resolution.message,
            quota=_("Not used: the call fails before any quota is reserved."),
            problem=resolution.message,
        )

    credential = resolution.credential
    if agent.provider == Provider.EXTRACTIVE:
        credential_label = _("None needed: the offline model runs on this server.")
    elif credential is not None and credential.key_id:
        credential_label = _("Organization key %(key_id)s (…%(fingerprint)s)") % {
            "key_id": credential.key_id,
            "fingerprint": credential.fingerprint,
        }
    else:
        credential_label = _("The platform's hosted %(provider)s key") % {"provider": agent.get_provider_display()}

    problem = ""
    if resolution.billing_source == BillingSource.HOSTED and agent.provider != Provider.EXTRACTIVE:
        left = quotas.remaining(organization, quotas.QuotaKind.HOSTED_TOKENS)
        needed = estimated_reservation(agent)
        if left is None:
            quota = _("Hosted tokens: the plan sets no limit.")
        else:
            quota = _(
                "Hosted tokens: %(left)s left this period; a short question reserves about %(needed)s "
                "(prompt estimate plus the %(max)s-token output cap) and settles at the reported usage."
            ) % {"left": f"{left:,}", "needed": f"{needed:,}", "max": f"{agent.max_output_tokens:,}"}
            if left < needed:
                problem = _(
                    "The hosted token quota has too little room for a call. Upgrade the plan, "
                    "switch this agent to your own key (BYOK), or wait for the next billing period."
                )
    elif agent.provider == Provider.EXTRACTIVE:
        quota = _("None: the offline model reports zero tokens and consumes no quota.")
    else:
        quota = _("None on this platform: the provider bills your organization directly.")

    return RoutingExplanation(
        ok=not problem,
        billing_source=str(resolution.billing_source),
        credential=credential_label,
        credential_reason=resolution.explanation,
        quota=quota,
        problem=problem,
    )
