"""Template filters that render a chat answer as HTML, escaping every piece of its text.

Answers quote uploaded documents, so their text is untrusted: it only ever reaches the page
through `format_html`, which escapes it.
"""

import re

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from providers.extractive import QUOTE_PARAGRAPH

register = template.Library()

# Paragraphs are separated by a blank line, which may contain spaces.
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# Links in citations: absolute http(s) URLs and paths on this site. A "javascript:" or
# "data:" URL from a crawled page would otherwise run script when clicked, and browsers read
# "//host" and "/\\host" as another host.
LINKABLE_URL = re.compile(r"https?://\S+|/(?![/\\])\S*", re.IGNORECASE)


@register.filter
def answer_html(text):
    """Render answer text as HTML paragraphs, with quote paragraphs as block quotes.

    A quote paragraph is one that `providers.extractive.QUOTE_PARAGRAPH` matches as a whole.
    Its curly quotation marks are dropped because the block quote shows the quoting, and the
    source number stays after the quote. Line breaks inside a paragraph are kept by the CSS
    (`white-space: pre-wrap`). static/js/agents_playground.js and static/widget/flexy-widget.js
    build the same structure in the browser while an answer streams.
    """
    blocks = []
    for paragraph in PARAGRAPH_BREAK.split(str(text or "")):
        paragraph = paragraph.strip("\n")
        if not paragraph.strip():
            continue
        match = QUOTE_PARAGRAPH.fullmatch(paragraph.strip())
        if match is None:
            blocks.append(format_html("<p>{}</p>", paragraph))
            continue
        number = match["number"]
        reference = format_html(' <span class="answer-ref">[{}]</span>', number) if number else ""
        blocks.append(format_html('<blockquote class="answer-quote"><p>{}{}</p></blockquote>', match["quote"], reference))
    return mark_safe("".join(blocks))


@register.filter
def linkable_url(url):
    """Return url if a citation may link to it (http, https or a path on this site), else ""."""
    url = str(url or "").strip()
    return url if LINKABLE_URL.fullmatch(url) else ""
