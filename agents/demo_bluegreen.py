"""Demo data for blue/green upgrades: golden questions and a web widget for "Acme Helpdesk".

Called at the end of `agents.demo.seed`; running it again changes nothing.
"""

from .models import Agent, Channel, GoldenQuestion
from .models.agents import ChannelKind
from .widget.policy import DEFAULT_RATE_LIMIT_PER_MINUTE

DEMO_AGENT_NAME = "Acme Helpdesk"
DEMO_WIDGET_NAME = "Acme website widget"
DEMO_WIDGET_ORIGINS = ["http://127.0.0.1:8000", "http://localhost:8000"]

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
            settings={"allowed_origins": DEMO_WIDGET_ORIGINS, "rate_limit_per_minute": DEFAULT_RATE_LIMIT_PER_MINUTE},
        )
        stdout.write(f"  Web widget for {DEMO_AGENT_NAME}: try it at http://127.0.0.1:8000/widget/demo/ (id {widget.public_id}).")
