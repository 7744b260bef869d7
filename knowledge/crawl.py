"""Same-site crawling: breadth-first from a start URL within depth and page limits.

robots.txt is read once per crawl through the same SSRF-safe fetcher and honoured for every
page, following RFC 9309: a missing robots.txt (4xx) allows everything, and an unreachable
one (5xx or a network error) disallows everything.
"""

import hashlib
import logging
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext_noop

from .fetch import Fetcher, FetchError
from .messages import StoredMessage, stored_lines
from .models import Crawl, Document
from .pipeline import process_document, queue_document

logger = logging.getLogger(__name__)
ROBOTS_AGENT = "FlexyAgentsBot"


class _LinkParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def same_site_links(html: str, page_url: str) -> list[str]:
    """Return the absolute http(s) links of page_url's site found in html, without fragments."""
    parser = _LinkParser()
    parser.feed(html)
    origin = urlsplit(page_url)
    links = []
    for href in parser.links:
        absolute, _fragment = urldefrag(urljoin(page_url, href.strip()))
        parts = urlsplit(absolute)
        if parts.scheme in ("http", "https") and parts.netloc == origin.netloc and absolute not in links:
            links.append(absolute)
    return links


def load_robots(fetcher: Fetcher, start_url: str) -> RobotFileParser:
    parts = urlsplit(start_url)
    robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
    parser = RobotFileParser(robots_url)
    try:
        response = fetcher.get(robots_url)
    except FetchError as error:
        if error.http_status is not None and 400 <= error.http_status < 500:
            parser.allow_all = True
        else:
            logger.warning("robots.txt of %s unavailable, crawling nothing: %s", parts.netloc, error)
            parser.disallow_all = True
        return parser
    parser.parse(response.content.decode("utf-8", errors="replace").splitlines())
    return parser


def _store_page(crawl, url, content, *, ingest_now):
    """Create or refresh the crawl's document for url; queue it when its content changed."""
    digest = hashlib.sha256(content).hexdigest()
    document = Document.objects.filter(knowledge_base=crawl.knowledge_base, url=url).first()
    if document is not None and document.indexed_sha256 == digest and not document.is_processing:
        return document, False
    if document is None:
        document = Document(
            organization=crawl.organization,
            knowledge_base=crawl.knowledge_base,
            crawl=crawl,
            source=Document.Source.CRAWL,
            url=url,
            title=url[:300],
        )
    elif document.file:
        document.file.delete(save=False)
    document.file.save("page.html", ContentFile(content), save=False)
    document.size = len(content)
    document.save()
    queue_document(document, enqueue=not ingest_now)
    if ingest_now:
        process_document(document.pk)
    return document, True


def run_crawl(crawl_id, *, ingest_now=False):
    """Crawl one site and return (pages fetched, pages changed, errors)."""
    crawl = Crawl.objects.select_related("organization", "knowledge_base").get(pk=crawl_id)
    Crawl.objects.filter(pk=crawl.pk).update(last_started_at=timezone.now())
    max_pages = min(crawl.max_pages, settings.KNOWLEDGE_CRAWL_MAX_PAGES)
    fetched = changed = blocked = 0
    errors = []
    with Fetcher() as fetcher:
        robots = load_robots(fetcher, crawl.start_url)
        queue, seen = deque([(crawl.start_url, 0)]), {crawl.start_url}
        while queue and fetched < max_pages:
            url, depth = queue.popleft()
            if not robots.can_fetch(ROBOTS_AGENT, url):
                blocked += 1
                continue
            try:
                response = fetcher.get(url)
            except FetchError as error:
                errors.append((url, error))
                continue
            fetched += 1
            _document, was_changed = _store_page(crawl, response.url, response.content, ingest_now=ingest_now)
            changed += was_changed
            if depth >= crawl.max_depth or "html" not in response.content_type.lower():
                continue
            html = response.content.decode("utf-8", errors="replace")
            for link in same_site_links(html, response.url):
                if link not in seen:
                    seen.add(link)
                    queue.append((link, depth + 1))

    summary = StoredMessage(
        gettext_noop(
            "%(fetched)s pages fetched, %(changed)s new or changed, %(blocked)s excluded by robots.txt, %(errors)s errors."
        ),
        fetched=fetched,
        changed=changed,
        blocked=blocked,
        errors=len(errors),
    )
    lines = [summary]
    if errors:
        url, error = errors[0]
        # Translators: the first page of a crawl that could not be fetched, and why.
        lines.append(StoredMessage(gettext_noop("%(url)s: %(error)s"), url=url, error=error.message))
    result, result_messages = stored_lines(lines, max_length=500)
    Crawl.objects.filter(pk=crawl.pk).update(
        last_finished_at=timezone.now(), last_result=result, last_result_messages=result_messages
    )
    logger.info("Crawl %s of %s: %s", crawl.public_id, crawl.start_url, result)
    return fetched, changed, [f"{url}: {error}" for url, error in errors]
