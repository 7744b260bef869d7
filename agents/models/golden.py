"""Blue/green upgrades: golden questions, regression runs, channel swaps and canaries.

Golden questions belong to an agent family (`Agent.family_id`), so an agent and its clones
are tested against the same questions.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class GoldenQuestion(models.Model):
    """A question with the phrases its answer must and must not contain."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="golden_questions"
    )
    family_id = models.UUIDField(db_index=True)
    question = models.TextField(_("question"))
    # Phrases are matched case-insensitively as substrings of the answer.
    must_contain = models.JSONField(_("must contain"), default=list, blank=True)
    must_not_contain = models.JSONField(_("must not contain"), default=list, blank=True)
    # Matched case-insensitively against the labels and URLs of the answer's citations.
    expected_document = models.CharField(_("expected cited document"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organization", "family_id"])]
        verbose_name = _("golden question")
        verbose_name_plural = _("golden questions")

    def __str__(self):
        return self.question[:80]


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Failed")


ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class RegressionRun(models.Model):
    """One run of an agent family's golden questions against one agent."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="regression_runs"
    )
    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="regression_runs")
    # The agent's model when the run started; the agent may be edited afterwards.
    provider = models.CharField(_("provider"), max_length=20)
    model_id = models.CharField(_("model"), max_length=120)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    total = models.PositiveIntegerField(_("questions"), default=0)
    completed = models.PositiveIntegerField(_("answered"), default=0)
    passed = models.PositiveIntegerField(_("passed"), default=0)
    error = models.TextField(_("error"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agent", "status", "-created_at"])]
        verbose_name = _("regression run")
        verbose_name_plural = _("regression runs")

    def __str__(self):
        return f"{self.agent_id} {self.created_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def is_active(self):
        return self.status in ACTIVE_RUN_STATUSES

    @property
    def progress_percent(self):
        return int(100 * self.completed / self.total) if self.total else 0


class RegressionResult(models.Model):
    """The answer to one golden question in a run, with the outcome of each check."""

    run = models.ForeignKey(RegressionRun, on_delete=models.CASCADE, related_name="results")
    question = models.ForeignKey(
        GoldenQuestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="results"
    )
    # A copy of the question text, so results stay readable after the question is edited.
    question_text = models.TextField(_("question"))
    answer = models.TextField(_("answer"), blank=True)
    passed = models.BooleanField(_("passed"), default=False)
    # [{"kind": "contains" | "not_contains" | "cites", "value": str, "passed": bool}]
    checks = models.JSONField(_("checks"), default=list)
    citations = models.JSONField(_("citations"), default=list, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), null=True, blank=True)
    input_tokens = models.PositiveIntegerField(_("input tokens"), default=0)
    output_tokens = models.PositiveIntegerField(_("output tokens"), default=0)
    cost = models.DecimalField(_("estimated cost (USD)"), max_digits=14, decimal_places=6, default=0)
    billing_source = models.CharField(_("billing source"), max_length=20, blank=True)
    error_code = models.CharField(_("error code"), max_length=60, blank=True)
    error_message = models.TextField(_("error message"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("regression result")
        verbose_name_plural = _("regression results")

    def __str__(self):
        return f"{self.run_id}: {self.question_text[:40]}"


class SwapKind(models.TextChoices):
    SWAP = "swap", _("Swap")
    ROLLBACK = "rollback", _("Rollback")


class SwapEvent(models.Model):
    """One channel moved from one agent to another; channels swapped together share a batch."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    batch_id = models.UUIDField(db_index=True)
    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="swap_events")
    channel = models.ForeignKey("agents.Channel", on_delete=models.CASCADE, related_name="swap_events")
    kind = models.CharField(_("kind"), max_length=10, choices=SwapKind.choices, default=SwapKind.SWAP)
    from_agent = models.ForeignKey(
        "agents.Agent", null=True, on_delete=models.SET_NULL, related_name="swaps_out"
    )
    to_agent = models.ForeignKey("agents.Agent", null=True, on_delete=models.SET_NULL, related_name="swaps_in")
    # The gate as it was checked: pass counts of both latest runs, or why it did not apply.
    gate = models.JSONField(_("gate"), default=dict, blank=True)
    override_reason = models.TextField(_("override reason"), blank=True)
    # The swap batch that this rollback undid.
    reverts_batch_id = models.UUIDField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["channel", "-created_at"])]
        verbose_name = _("swap")
        verbose_name_plural = _("swaps")

    def __str__(self):
        return f"{self.kind} {self.channel_id}: {self.from_agent_id} -> {self.to_agent_id}"


class Canary(models.Model):
    """Sends a share of a channel's new conversations to a candidate agent of the same family."""

    channel = models.OneToOneField("agents.Channel", on_delete=models.CASCADE, related_name="canary")
    candidate = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="canaries")
    percent = models.PositiveSmallIntegerField(_("share of new conversations (%)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("canary")
        verbose_name_plural = _("canaries")

    def __str__(self):
        return f"{self.percent}% of {self.channel_id} to {self.candidate_id}"
