"""The answer template filters: paragraphs, block quotes, escaping and citation links."""

import pytest
from django.template import Context, Template

from agents.templatetags.answers import answer_html, linkable_url

SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(2)>"


def test_quote_paragraph_becomes_block_quote():
    html = answer_html("Intro line.\n\n“Refunds take 14 days.” [1]")

    assert html == (
        "<p>Intro line.</p>"
        '<blockquote class="answer-quote"><p>Refunds take 14 days. <span class="answer-ref">[1]</span></p></blockquote>'
    )


def test_quote_without_number():
    assert answer_html("“Refunds take 14 days.”") == '<blockquote class="answer-quote"><p>Refunds take 14 days.</p></blockquote>'


def test_other_paragraphs_keep_line_breaks():
    assert answer_html("One\ntwo\n\n\n  \nThree “quoted” word [1]") == "<p>One\ntwo</p><p>Three “quoted” word [1]</p>"


@pytest.mark.parametrize("markup", [SCRIPT, IMAGE, '"><svg onload=alert(3)>'])
def test_markup_in_quote_escaped(markup):
    html = answer_html(f"Intro.\n\n“Refunds {markup} take 14 days.” [1]")

    assert markup not in html
    assert "<script" not in html
    assert "<img" not in html
    assert "<svg" not in html
    assert "&lt;" in html


@pytest.mark.parametrize("markup", [SCRIPT, IMAGE])
def test_markup_in_paragraph_escaped(markup):
    html = answer_html(f"Plain {markup} text")

    assert html.startswith("<p>Plain &lt;")
    assert markup not in html


def test_filter_in_template_not_escaped_twice():
    template = Template("{% load answers %}{{ text|answer_html }}")

    html = template.render(Context({"text": "“a < b” [1]"}))

    assert html == '<blockquote class="answer-quote"><p>a &lt; b <span class="answer-ref">[1]</span></p></blockquote>'


def test_empty_answer():
    assert answer_html("") == ""
    assert answer_html(None) == ""


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://kb.example/page", "https://kb.example/page"),
        ("HTTP://kb.example/", "HTTP://kb.example/"),
        ("/knowledge/documents/1/", "/knowledge/documents/1/"),
        ("javascript:alert(1)", ""),
        ("JavaScript:alert(1)", ""),
        ("data:text/html,<script>alert(1)</script>", ""),
        ("//evil.example/", ""),
        ("/\\evil.example/", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_linkable_url(url, expected):
    assert linkable_url(url) == expected
