"""config.write_batch: writes that land together, one statement on PostgreSQL."""

import uuid

import pytest
from django.db import IntegrityError, connection, transaction

from agents.models import Conversation, Message
from agents.models.conversations import MessageRole
from config.write_batch import WriteBatch, _numbered_placeholders

pytestmark = pytest.mark.django_db


def new_conversation(org, **fields):
    return Conversation(organization=org, visitor_ref="visitor", **fields)


def parts_as_queries(count):
    """Queries a batch of `count` parts makes: one statement on PostgreSQL, one per part elsewhere."""
    return 1 if connection.vendor == "postgresql" else count


def test_insert_references_earlier_insert(org, django_assert_num_queries):
    conversation = new_conversation(org)
    question = Message(conversation=conversation, role=MessageRole.USER, content="Where is the invoice?")
    answer = Message(conversation=conversation, role=MessageRole.ASSISTANT, content="Under Billing.")
    batch = WriteBatch()
    batch.insert("conversation", conversation)
    batch.insert("question", question)
    batch.insert("answer", answer)

    with django_assert_num_queries(parts_as_queries(3)):
        batch.run()

    assert conversation.pk is not None and not conversation._state.adding
    assert question.conversation_id == conversation.pk
    assert question.conversation is conversation
    stored = Conversation.objects.get(pk=conversation.pk)
    assert [(m.pk, m.role, m.content) for m in stored.messages.order_by("id")] == [
        (question.pk, "user", "Where is the invoice?"),
        (answer.pk, "assistant", "Under Billing."),
    ]
    # auto_now_add fields were set on the objects and stored as set.
    assert stored.started_at == conversation.started_at
    assert Message.objects.get(pk=answer.pk).created_at == answer.created_at


def test_update_and_returning_statement(org):
    conversation = Conversation.objects.create(organization=org, visitor_ref="before")
    other = Conversation.objects.create(organization=org, visitor_ref="other")
    conversation.visitor_ref = "after"
    batch = WriteBatch()
    batch.update("conversation", conversation, ["visitor_ref"])
    batch.execute(
        "other",
        "UPDATE agents_conversation SET last_message_at = started_at WHERE id = %s RETURNING id, visitor_ref",
        [other.pk],
    )

    results = batch.run()

    conversation.refresh_from_db()
    other.refresh_from_db()
    assert conversation.visitor_ref == "after"
    assert other.last_message_at == other.started_at
    assert results == {"other": [{"id": other.pk, "visitor_ref": "other"}]}


def test_failing_part_writes_nothing(org):
    existing = Conversation.objects.create(organization=org, visitor_ref="existing")
    conversation = new_conversation(org)
    batch = WriteBatch()
    batch.insert("conversation", conversation)
    batch.insert("question", Message(conversation=conversation, role=MessageRole.USER, content="Hello"))
    batch.insert("duplicate", new_conversation(org, public_id=existing.public_id))

    with pytest.raises(IntegrityError), transaction.atomic():
        batch.run()

    assert list(Conversation.objects.values_list("pk", flat=True)) == [existing.pk]
    assert not Message.objects.exists()


def test_batch_without_query_log(org):
    """The path taken outside DEBUG and query counting: $n placeholders on PostgreSQL."""
    assert not connection.queries_logged
    conversation = new_conversation(org)
    batch = WriteBatch()
    batch.insert("conversation", conversation)
    batch.insert("answer", Message(conversation=conversation, role=MessageRole.ASSISTANT, content="100 % sure"))

    batch.run()

    assert Message.objects.get(conversation=conversation).content == "100 % sure"


def test_placeholders_are_numbered():
    assert _numbered_placeholders("SELECT %s, %s FROM t WHERE a = %s") == "SELECT $1, $2 FROM t WHERE a = $3"
    with pytest.raises(ValueError, match="no % other than %s"):
        _numbered_placeholders("SELECT 1 WHERE name LIKE 'a%'")


@pytest.mark.parametrize("name", ["Bad-Name", "1st", ""])
def test_part_names_must_be_identifiers(org, name):
    with pytest.raises(ValueError, match=repr(name)):
        WriteBatch().insert(name, new_conversation(org))


def test_part_names_are_unique(org):
    batch = WriteBatch()
    batch.insert("conversation", new_conversation(org))
    with pytest.raises(ValueError, match="repeated"):
        batch.insert("conversation", new_conversation(org))


def test_unsaved_related_object_rejected(org):
    conversation = new_conversation(org)
    message = Message(conversation=conversation, role=MessageRole.USER, content="Hi")

    with pytest.raises(ValueError, match="agents.Message.conversation points at an unsaved agents.Conversation"):
        WriteBatch().insert("question", message)
    assert conversation.pk is None


def test_empty_batch_runs_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert WriteBatch().run() == {}


def test_new_public_ids_are_generated(org):
    first, second = new_conversation(org), new_conversation(org)
    batch = WriteBatch()
    batch.insert("first", first)
    batch.insert("second", second)
    batch.run()

    assert isinstance(first.public_id, uuid.UUID) and first.public_id != second.public_id
    assert Conversation.objects.filter(public_id__in=[first.public_id, second.public_id]).count() == 2
