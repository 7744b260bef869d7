"""Stored reasons: JSON round trip, translation at display time, and rows stored as text."""

import datetime

import pytest
from django.utils import translation

from knowledge.messages import StoredMessage, asset_warning, render_lines, stored_lines
from usage.quotas import QuotaExhausted, QuotaKind, exhausted_message

EMPTY = "The file is empty."
HTTP_ERROR = "The server answered HTTP %(status)s for %(url)s."


def in_chinese(function, *args):
    with translation.override("zh-hans"):
        return function(*args)


def test_message_round_trips_through_json():
    message = asset_warning(
        StoredMessage("page %(page)s", page=3),
        StoredMessage(HTTP_ERROR, status=503, url="https://example.com/a"),
    )

    restored = StoredMessage.from_json(message.to_json())

    assert restored == message
    assert restored.render() == "page 3: The server answered HTTP 503 for https://example.com/a."


def test_message_translates_msgid_but_not_params():
    message = StoredMessage(HTTP_ERROR, status=404, url="https://example.com/%(status)s")

    assert in_chinese(message.render) == "服务器对 https://example.com/%(status)s 返回了 HTTP 404。"


def test_nested_messages_translate():
    message = asset_warning(StoredMessage("page %(page)s", page=2), StoredMessage(EMPTY))

    assert in_chinese(message.render) == "第 2 页：文件为空。"


def test_literal_text_is_never_translated():
    assert in_chinese(StoredMessage.literal(EMPTY).render) == EMPTY


def test_unknown_msgid_renders_in_english():
    message = StoredMessage("Nothing translates %(this)s.", this="x")

    assert in_chinese(message.render) == "Nothing translates x."


def test_translation_with_wrong_placeholder_falls_back(monkeypatch):
    monkeypatch.setattr("knowledge.messages.gettext", lambda msgid: "%(missing)s")
    message = StoredMessage(HTTP_ERROR, status=500, url="u")

    assert message.render() == "The server answered HTTP 500 for u."


def test_quota_message_renders_with_usage_wording():
    reset = datetime.date(2026, 1, 15)
    error = QuotaExhausted(QuotaKind.IMAGE_UNITS, 10, 10, 1, "unused")
    message = StoredMessage.from_json(StoredMessage.quota_exhausted(error, reset).to_json())

    assert message.render() == exhausted_message(QuotaKind.IMAGE_UNITS, 10, 10, 1, reset)
    chinese = in_chinese(message.render)
    assert chinese == in_chinese(exhausted_message, QuotaKind.IMAGE_UNITS, 10, 10, 1, reset)
    assert "图像识别配额已用完" in chinese


def test_stored_lines_cut_text_but_keep_messages():
    messages = [StoredMessage(EMPTY), StoredMessage(HTTP_ERROR, status=404, url="https://example.com/")]

    text, data = stored_lines(messages, max_length=20)

    assert text == "The file is empty.\nT"
    assert render_lines(data, text) == [EMPTY, "The server answered HTTP 404 for https://example.com/."]


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("Ein Grund, den niemand übersetzt.", "Ein Grund, den niemand übersetzt."),
        (EMPTY, "文件为空。"),
        ("photo.png: The file is empty.", "photo.png：文件为空。"),
        ("photo.png: not a msgid", "photo.png: not a msgid"),
    ],
)
def test_text_rows_translate_known_lines(stored, expected):
    assert in_chinese(render_lines, [], stored) == [expected]


def test_text_rows_keep_blank_lines():
    # gettext("") would return the catalog header.
    assert in_chinese(render_lines, None, "The file is empty.\n\nlast") == ["文件为空。", "", "last"]
