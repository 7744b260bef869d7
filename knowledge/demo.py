"""seed_demo hook: the "Acme Handbook" knowledge base, ingested from knowledge/demo_docs/."""

from pathlib import Path

from django.core.files.base import ContentFile

from .models import Document, KnowledgeBase
from .pipeline import process_document

DEMO_KNOWLEDGE_BASE_NAME = "Acme Handbook"
DEMO_DOCS = Path(__file__).resolve().parent / "demo_docs"
DEMO_FILES = [
    ("acme-handbook.pdf", "Acme Employee Handbook"),
    ("onboarding-guide.md", "Onboarding guide"),
    ("returns-policy.html", "Returns and refunds"),
    ("office-floor-plan.png", "Office floor plan"),
    ("welcome-chime.wav", "Welcome chime"),
]


def demo_knowledge_base(organization):
    """Return the organization's demo knowledge base, or None before seed_demo ran."""
    return KnowledgeBase.objects.filter(organization=organization, name=DEMO_KNOWLEDGE_BASE_NAME).first()


def seed(organization, users, stdout):
    """Create the demo knowledge base and ingest each demo file once, synchronously."""
    base, _created = KnowledgeBase.objects.get_or_create(
        organization=organization,
        name=DEMO_KNOWLEDGE_BASE_NAME,
        defaults={"description": "Handbook, onboarding guide, returns policy, floor plan and a chime."},
    )
    for filename, title in DEMO_FILES:
        if Document.objects.filter(knowledge_base=base, original_filename=filename).exists():
            continue
        data = (DEMO_DOCS / filename).read_bytes()
        document = Document(
            organization=organization,
            knowledge_base=base,
            title=title,
            original_filename=filename,
            size=len(data),
        )
        document.file.save(filename, ContentFile(data), save=False)
        document.save()
        status = process_document(document.pk)
        document.refresh_from_db()
        line = f"  knowledge: {filename} -> {status}"
        if document.status_reason:
            line += f" ({document.status_reason.splitlines()[0]})"
        stdout.write(line)
    return base
