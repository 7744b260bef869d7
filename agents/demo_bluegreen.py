"""Demo data for blue/green upgrades: golden questions and a web widget for "Acme Helpdesk".

Called at the end of `agents.demo.seed`; running it again changes nothing.
"""

from django.conf import settings

from .models import Agent, Channel, GoldenQuestion
from .models.agents import ChannelKind
from .widget.policy import DEFAULT_RATE_LIMIT_PER_MINUTE

DEMO_AGENT_NAME = "Acme Helpdesk"
DEMO_WIDGET_NAME = "Acme website widget"


def demo_widget_origins():
    """Return the origins the demo widget accepts: DEMO_SITE_URL and its localhost twin."""
    origins = [settings.DEMO_SITE_URL]
    for loopback, alias in (("127.0.0.1", "localhost"), ("localhost", "127.0.0.1")):
        if f"//{loopback}:" in settings.DEMO_SITE_URL or settings.DEMO_SITE_URL.endswith(f"//{loopback}"):
            origins.append(settings.DEMO_SITE_URL.replace(f"//{loopback}", f"//{alias}", 1))
    return origins


# Questions that the offline extractive model answers from the demo handbook's documents
# (knowledge/demo_docs): (question, must contain, must not contain, expected cited document).
DEMO_QUESTIONS = [
    ("How long do I have to return a product?", ["30 days"], [], "Returns"),
    ("When do I get my money back after a return?", ["five working days"], [], "Returns"),
    ("How do I report a damaged product?", ["14 days"], [], "Returns"),
    ("Where do I collect my laptop on my first day?", ["reception"], [], "Onboarding"),
    ("What happens to accounts without two-factor authentication?", ["locked"], [], "Onboarding"),
    ("Who do I ask about holidays and contracts?", ["people@acme"], ["finance@acme"], "Onboarding"),
    ("How many days of paid holiday do full-time staff get?", ["27 days"], [], "Handbook"),
]


def seed(organization, users, stdout):
    """Add the demo golden questions and web widget to the demo agent's family."""
    agent = Agent.objects.filter(organization=organization, name=DEMO_AGENT_NAME).order_by("created_at").first()
    if agent is None:
        stdout.write(f"  Blue/green demo skipped: no agent named {DEMO_AGENT_NAME!r}.")
        return

    existing = set(
        GoldenQuestion.objects.filter(organization=organization, family_id=agent.family_id).values_list("question", flat=True)
    )
    created = 0
    for question, must_contain, must_not_contain, document in DEMO_QUESTIONS:
        if question in existing:
            continue
        GoldenQuestion.objects.create(
            organization=organization,
            family_id=agent.family_id,
            question=question,
            must_contain=must_contain,
            must_not_contain=must_not_contain,
            expected_document=document,
        )
        created += 1
    if created:
        stdout.write(f"  Golden questions for {DEMO_AGENT_NAME}: {created} added.")

    widget = Channel.objects.filter(
        organization=organization, kind=ChannelKind.WEB_WIDGET, agent__family_id=agent.family_id
    ).first()
    if widget is None:
        widget = Channel.objects.create(
            organization=organization,
            agent=agent,
            kind=ChannelKind.WEB_WIDGET,
            name=DEMO_WIDGET_NAME,
            settings={"allowed_origins": demo_widget_origins(), "rate_limit_per_minute": DEFAULT_RATE_LIMIT_PER_MINUTE},
        )
        stdout.write(f"  Web widget for {DEMO_AGENT_NAME}: try it at {settings.DEMO_SITE_URL}/widget/demo/ (id {widget.public_id}).")
    else:
        # `make run PORT=…` serves the demo elsewhere: allow that origin too, keeping the others.
        allowed = widget.settings.get("allowed_origins", [])
        missing = [origin for origin in demo_widget_origins() if origin not in allowed]
        if missing:
            widget.settings = {**widget.settings, "allowed_origins": [*allowed, *missing]}
            widget.save(update_fields=["settings"])
            stdout.write(f"  Web widget for {DEMO_AGENT_NAME}: now also allowed on {', '.join(missing)}.")
