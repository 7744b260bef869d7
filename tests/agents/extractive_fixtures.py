"""An extractive agent whose knowledge contains markup, for the answer rendering tests.

The document has one long section that the chunker splits in two, so two passages share one
source. A short "Parking permits" section is a second source, and a Chinese section answers
Chinese questions. The long section carries a <script> element and an <img onerror>
attribute, as an uploaded document might.
"""

import pytest

from knowledge.models import KnowledgeBase
from knowledge.pipeline import process_document
from tests.agents.conftest import make_agent
from tests.knowledge.conftest import make_document

SCRIPT_MARKUP = "<script>alert('xss-racks')</script>"
IMAGE_MARKUP = "<img src=x onerror=alert('xss-label')>"
# Sentences that match no test question, long enough to split the section into two chunks.
FILLER = " ".join(["The garage has lighting, ramps and signs that help drivers find the exits quickly."] * 8)
HANDBOOK = (
    "# Bicycle storage\n\n"
    f"Bicycle racks {SCRIPT_MARKUP} are in the basement next to the lockers. {FILLER}\n\n"
    f"{FILLER}\n\n"
    f"Bicycle owners {IMAGE_MARKUP} must label each bicycle with their badge number.\n\n"
    "# Parking permits\n\n"
    "Facilities issues parking permits for bicycles and cars on the first day.\n\n"
    "# 停车证\n\n"
    "停车证由设施部门在入职第一天发放。\n"
)
# Matches both chunks of "Bicycle storage" and the "Parking permits" section.
QUESTION = "Where are the bicycle racks, how do owners label a bicycle, and who issues parking permits?"
STORAGE_LABEL = "facilities.md › Bicycle storage"
PERMITS_LABEL = "facilities.md › Parking permits"
CHINESE_QUESTION = "停车证由谁发放？"
CHINESE_LABEL = "facilities.md › 停车证"


@pytest.fixture
def hostile_knowledge(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    base = KnowledgeBase.objects.create(organization=org, name="Facilities")
    document = make_document(base, "facilities.md", HANDBOOK.encode())
    process_document(document.pk)
    document.refresh_from_db()
    assert document.status == "ready", document.status_reason
    return base


@pytest.fixture
def extractive_agent(org, hostile_knowledge):
    agent = make_agent(org, provider="extractive", model_id="extractive-v1", name="Facilities desk")
    agent.knowledge_bases.add(hostile_knowledge)
    return agent
