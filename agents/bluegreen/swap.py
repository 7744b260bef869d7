"""Moving channels between agents of one family: the gate, the swap and the rollback.

A swap changes `Channel.agent` for the chosen channels in one transaction, with the channel
rows locked (`select_for_update`; SQLite locks the whole database for the write instead).
The chat pipeline reads `channel.agent` once when a request starts, so a request in flight
finishes on the agent that started it, and every later request goes to the new agent.
"""

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from orgs import audit

from ..models import Channel, RegressionRun, SwapEvent
from ..models.agents import ChannelKind
from ..models.golden import ACTIVE_RUN_STATUSES, SwapKind
from .runs import expire_stale_runs, latest_finished_run

MIN_OVERRIDE_REASON_CHARS = 10
# Playground channels belong to one agent each (the builder's test chat), so they never move.
SWAPPABLE_KINDS = (ChannelKind.API, ChannelKind.WEB_WIDGET)


class SwapRejected(Exception):
    """A swap or rollback that was not made; nothing changed. `status` is the HTTP status to show."""

    def __init__(self, message, status=409):
        super().__init__(message)
        self.message = str(message)
        self.status = status


@dataclass
class Gate:
    """Whether the candidate may take traffic from the live agent without an override."""

    live_agent: object
    candidate: object
    live_run: RegressionRun | None
    candidate_run: RegressionRun | None

    @property
    def passed(self) -> bool:
        if self.candidate_run is None or self.live_run is None:
            return False
        return self.candidate_run.passed >= self.live_run.passed

    @property
    def reason(self) -> str:
        if self.candidate_run is None:
            return _("The candidate has no finished regression run with its current model.")
        if self.live_run is None:
            return _("The live agent “%(name)s” has no finished regression run with its current model.") % {
                "name": self.live_agent.name
            }
        values = {
            "candidate": self.candidate_run.passed,
            "live": self.live_run.passed,
            "total": self.live_run.total,
            "name": self.live_agent.name,
        }
        if self.passed:
            return _("The candidate passed %(candidate)d questions and the live agent “%(name)s” passed %(live)d.") % values
        return _(
            "The candidate passed %(candidate)d questions, fewer than the %(live)d of the live agent “%(name)s”."
        ) % values

    def as_dict(self) -> dict:
        return {
            "passed": self.passed,
            "live_agent": str(self.live_agent.public_id),
            "live_run": str(self.live_run.public_id) if self.live_run else None,
            "live_passed": self.live_run.passed if self.live_run else None,
            "candidate_run": str(self.candidate_run.public_id) if self.candidate_run else None,
            "candidate_passed": self.candidate_run.passed if self.candidate_run else None,
        }


def check_gate(live_agent, candidate) -> Gate:
    """Compare the latest finished runs of both agents made with their current models."""
    return Gate(
        live_agent,
        candidate,
        latest_finished_run(live_agent, current_model_only=True),
        latest_finished_run(candidate, current_model_only=True),
    )


def swappable_channels(candidate):
    """Return the API and widget channels of candidate's family that another agent serves now."""
    return (
        Channel.objects.filter(
            organization_id=candidate.organization_id, agent__family_id=candidate.family_id, kind__in=SWAPPABLE_KINDS
        )
        .exclude(agent=candidate)
        .select_related("agent")
    )


def _reject_active_runs(agents):
    expire_stale_runs(agents)
    running = RegressionRun.objects.filter(agent__in=agents, status__in=ACTIVE_RUN_STATUSES).select_related("agent").first()
    if running is not None:
        raise SwapRejected(
            _("A regression run of “%(name)s” is still in progress: wait for it to finish, then swap.")
            % {"name": running.agent.name}
        )


def swap_channels(candidate, channel_ids, *, actor=None, request=None, override_reason="", can_override=False):
    """Move the channels with channel_ids (public ids) to candidate; return the batch's SwapEvents.

    Raises SwapRejected, with nothing changed, when a channel is not in candidate's family,
    a regression run of an involved agent is queued or running, or the gate fails and no
    permitted override with a reason was given.
    """
    if not channel_ids:
        raise SwapRejected(_("Choose at least one channel to swap."), status=400)
    override_reason = (override_reason or "").strip()
    if override_reason and not can_override:
        raise SwapRejected(_("Only an organization admin can override the regression gate."), status=403)

    with transaction.atomic():
        channels = list(
            Channel.objects.select_for_update()
            .filter(organization_id=candidate.organization_id, public_id__in=channel_ids)
            .select_related("agent")
            .order_by("pk")
        )
        found = {str(channel.public_id) for channel in channels}
        missing = [str(channel_id) for channel_id in channel_ids if str(channel_id) not in found]
        if missing:
            raise SwapRejected(_("No channel %(id)s exists in this organization.") % {"id": missing[0]}, status=404)
        for channel in channels:
            if channel.kind not in SWAPPABLE_KINDS:
                raise SwapRejected(
                    _("The channel “%(channel)s” is a playground: only API and web widget channels can be swapped.")
                    % {"channel": channel.name},
                    status=400,
                )
            if channel.agent.family_id != candidate.family_id:
                raise SwapRejected(
                    _("The channel “%(channel)s” serves another agent family: only clones of “%(agent)s” can take it over.")
                    % {"channel": channel.name, "agent": channel.agent.name},
                    status=400,
                )
            if channel.agent_id == candidate.pk:
                raise SwapRejected(
                    _("The channel “%(channel)s” is already served by this agent.") % {"channel": channel.name}, status=400
                )

        live_agents = {channel.agent_id: channel.agent for channel in channels}
        _reject_active_runs([candidate, *live_agents.values()])

        gates = {agent_id: check_gate(agent, candidate) for agent_id, agent in live_agents.items()}
        failed = [gate for gate in gates.values() if not gate.passed]
        if failed and not override_reason:
            raise SwapRejected(
                _("%(reason)s An admin can still swap by giving a written reason.") % {"reason": failed[0].reason}
            )
        if failed and len(override_reason) < MIN_OVERRIDE_REASON_CHARS:
            raise SwapRejected(
                _("The override reason is too short: write at least %(min)d characters on why the swap is safe.")
                % {"min": MIN_OVERRIDE_REASON_CHARS},
                status=400,
            )

        batch_id = uuid.uuid4()
        events = []
        for channel in channels:
            gate = gates[channel.agent_id]
            events.append(
                SwapEvent.objects.create(
                    batch_id=batch_id,
                    organization_id=candidate.organization_id,
                    channel=channel,
                    kind=SwapKind.SWAP,
                    from_agent=channel.agent,
                    to_agent=candidate,
                    gate=gate.as_dict(),
                    override_reason=override_reason if not gate.passed else "",
                    actor=actor,
                )
            )
            Channel.objects.filter(pk=channel.pk).update(agent=candidate)
        # A canary that sent traffic to the candidate is done once the candidate serves the channel.
        candidate.canaries.filter(channel__in=channels).delete()
        audit.record(
            candidate.organization,
            "agent.swap",
            request=request,
            actor=actor,
            target=candidate,
            details={
                "batch": str(batch_id),
                "channels": [str(channel.public_id) for channel in channels],
                "from_agents": sorted(str(agent.public_id) for agent in live_agents.values()),
                "gate_passed": not failed,
                "override_reason": override_reason if failed else "",
            },
        )
    return events


def rollback_batch(organization, batch_id, *, actor=None, request=None):
    """Move every channel of a swap batch back to the agent it came from; return the new events.

    A channel that has moved on since (another swap) is left alone, so a rollback never
    undoes a later change. Raises SwapRejected when nothing can be rolled back.
    """
    with transaction.atomic():
        swaps = list(
            SwapEvent.objects.filter(organization=organization, batch_id=batch_id, kind=SwapKind.SWAP).select_related(
                "from_agent", "to_agent"
            )
        )
        if not swaps:
            raise SwapRejected(_("No swap %(id)s exists in this organization.") % {"id": batch_id}, status=404)
        if SwapEvent.objects.filter(organization=organization, reverts_batch_id=batch_id).exists():
            raise SwapRejected(_("This swap has already been rolled back."))
        channels = {
            channel.pk: channel
            for channel in Channel.objects.select_for_update().filter(pk__in=[swap.channel_id for swap in swaps]).order_by("pk")
        }
        new_batch = uuid.uuid4()
        events, skipped = [], []
        for swap in swaps:
            channel = channels[swap.channel_id]
            if swap.from_agent is None or channel.agent_id != swap.to_agent_id:
                skipped.append(str(channel.public_id))
                continue
            Channel.objects.filter(pk=channel.pk).update(agent=swap.from_agent)
            events.append(
                SwapEvent.objects.create(
                    batch_id=new_batch,
                    organization=organization,
                    channel=channel,
                    kind=SwapKind.ROLLBACK,
                    from_agent=swap.to_agent,
                    to_agent=swap.from_agent,
                    reverts_batch_id=batch_id,
                    actor=actor,
                )
            )
        if not events:
            raise SwapRejected(
                _("Nothing to roll back: every channel of this swap has been moved again or its previous agent was deleted.")
            )
        audit.record(
            organization,
            "agent.rollback",
            request=request,
            actor=actor,
            target=("SwapBatch", str(batch_id)),
            details={
                "reverted_batch": str(batch_id),
                "channels": [str(event.channel.public_id) for event in events],
                "skipped_channels": skipped,
            },
        )
    return events
