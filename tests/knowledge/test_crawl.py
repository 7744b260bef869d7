"""Crawling a local site: same-site links, depth and page limits, robots.txt, re-crawl."""

import pytest
from django.utils import translation

from knowledge.crawl import run_crawl, same_site_links
from knowledge.models import Crawl, Document
from knowledge.pipeline import process_document
from knowledge.search import search

from .site import LocalSite

pytestmark = pytest.mark.django_db


def page(title, body, links=()):
    anchors = "".join(f'<a href="{href}">{href}</a> ' for href in links)
    return (200, {}, f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1><p>{body}</p>{anchors}</article></body></html>")


SITE = {
    "/robots.txt": (200, {"Content-Type": "text/plain"}, "User-agent: *\nDisallow: /private/\n"),
    "/": page("Home", "Welcome to the garden centre.", ["/plants", "/private/staff", "https://elsewhere.example/", "/plants#top"]),
    "/plants": page("Plants", "Tomatoes need six hours of sun.", ["/plants/roses"]),
    "/plants/roses": page("Roses", "Prune roses in early spring.", ["/plants/roses/deep"]),
    "/plants/roses/deep": page("Deep", "Too deep to reach."),
    "/private/staff": page("Staff", "Internal phone list."),
}


@pytest.fixture
def site(settings):
    settings.KNOWLEDGE_ALLOW_PRIVATE_URLS = True
    with LocalSite(dict(SITE)) as running:
        yield running


def make_crawl(org, knowledge_base, site, **fields):
    return Crawl.objects.create(
        organization=org, knowledge_base=knowledge_base, start_url=site.base_url + "/", **{"max_depth": 2, **fields}
    )


def test_crawl_indexes_same_site_pages_within_depth(org, knowledge_base, site):
    crawl = make_crawl(org, knowledge_base, site)

    fetched, changed, errors = run_crawl(crawl.pk, ingest_now=True)

    urls = set(Document.objects.filter(crawl=crawl).values_list("url", flat=True))
    assert urls == {site.base_url + "/", site.base_url + "/plants", site.base_url + "/plants/roses"}
    assert (fetched, changed, errors) == (3, 3, [])
    assert "/private/staff" not in site.requested
    assert "/plants/roses/deep" not in site.requested
    hits = search(org, [knowledge_base.pk], "prune roses")
    assert hits[0].url == site.base_url + "/plants/roses"
    assert hits[0].document_title == "Roses"


def test_crawl_respects_page_limit(org, knowledge_base, site):
    crawl = make_crawl(org, knowledge_base, site, max_pages=2)

    run_crawl(crawl.pk, ingest_now=True)

    assert Document.objects.filter(crawl=crawl).count() == 2
    crawl.refresh_from_db()
    assert crawl.last_finished_at is not None
    assert "2 pages fetched" in crawl.last_result


def test_recrawl_skips_unchanged_and_updates_changed(org, knowledge_base, site):
    crawl = make_crawl(org, knowledge_base, site)
    run_crawl(crawl.pk, ingest_now=True)
    site.pages["/plants"] = page("Plants", "Tomatoes need eight hours of sun.", ["/plants/roses"])

    fetched, changed, _errors = run_crawl(crawl.pk, ingest_now=True)

    assert (fetched, changed) == (3, 1)
    assert Document.objects.filter(crawl=crawl).count() == 3
    assert search(org, [knowledge_base.pk], "eight hours")


def test_crawl_without_robots_file_crawls(org, knowledge_base, site):
    del site.pages["/robots.txt"]
    crawl = make_crawl(org, knowledge_base, site, max_depth=0)

    fetched, _changed, _errors = run_crawl(crawl.pk, ingest_now=True)

    assert fetched == 1


def test_crawl_with_failing_robots_file_crawls_nothing(org, knowledge_base, site):
    site.pages["/robots.txt"] = (503, {}, "busy")
    crawl = make_crawl(org, knowledge_base, site)

    fetched, _changed, _errors = run_crawl(crawl.pk, ingest_now=True)

    assert fetched == 0


def test_crawl_of_blocked_address_fetches_nothing(org, knowledge_base, settings):
    settings.KNOWLEDGE_ALLOW_PRIVATE_URLS = False
    crawl = Crawl.objects.create(organization=org, knowledge_base=knowledge_base, start_url="http://127.0.0.1:9/")

    fetched, _changed, _errors = run_crawl(crawl.pk, ingest_now=True)

    assert fetched == 0
    assert not Document.objects.filter(crawl=crawl).exists()


def test_same_site_links_drop_fragments_and_other_hosts():
    html = '<a href="/a#x">a</a><a href="b">b</a><a href="https://other.example/">o</a><a href="mailto:x@y">m</a>'

    assert same_site_links(html, "https://site.example/dir/") == [
        "https://site.example/a",
        "https://site.example/dir/b",
    ]


def test_url_document_fetches_page(org, knowledge_base, site):
    document = Document.objects.create(
        organization=org, knowledge_base=knowledge_base, source=Document.Source.URL, url=site.base_url + "/plants", title="x"
    )

    process_document(document.pk)

    document.refresh_from_db()
    assert document.status == Document.Status.READY, document.status_reason
    assert document.title == "Plants"
    assert document.chunks.first().url == site.base_url + "/plants"


def test_url_document_unreachable_fails_with_reason(org, knowledge_base, site):
    document = Document.objects.create(
        organization=org, knowledge_base=knowledge_base, source=Document.Source.URL, url=site.base_url + "/gone", title="x"
    )

    process_document(document.pk)

    document.refresh_from_db()
    assert document.status == Document.Status.FAILED
    assert "HTTP 404" in document.status_reason


def test_url_document_blocked_fails_with_reason(org, knowledge_base):
    document = Document.objects.create(
        organization=org, knowledge_base=knowledge_base, source=Document.Source.URL,
        url="http://169.254.169.254/latest/meta-data/", title="x",
    )

    process_document(document.pk)

    document.refresh_from_db()
    assert document.status == Document.Status.FAILED
    assert "not allowed" in document.status_reason


def test_crawl_result_translates_when_shown(org, knowledge_base, site):
    site.pages["/"] = page("Home", "Welcome to the garden centre.", ["/gone"])
    crawl = make_crawl(org, knowledge_base, site, max_depth=1)

    run_crawl(crawl.pk, ingest_now=True)

    crawl.refresh_from_db()
    missing_url = site.base_url + "/gone"
    assert crawl.last_result == (
        "1 pages fetched, 1 new or changed, 0 excluded by robots.txt, 1 errors.\n"
        f"{missing_url}: The server answered HTTP 404 for {missing_url}."
    )
    with translation.override("zh-hans"):
        displayed = crawl.get_last_result_display()
    assert displayed == (
        "已抓取 1 个页面，1 个新增或有变化，0 个被 robots.txt 排除，1 个错误。\n"
        f"{missing_url}：服务器对 {missing_url} 返回了 HTTP 404。"
    )
