"""SSRF protection of knowledge.fetch: blocked addresses are rejected before any connection.

The only servers contacted are LocalSite instances on 127.0.0.1. Tests that reach them turn
KNOWLEDGE_ALLOW_PRIVATE_URLS on. Every SSRF test runs with it off (the default) and
replaces the resolver or the connection, so a mistake could never leave this machine.
"""

import httpcore
import pytest

from knowledge import fetch as fetch_module
from knowledge.fetch import BlockedURL, FetchError, blocked_reason, fetch

from .site import LocalSite


@pytest.fixture
def no_connections(monkeypatch):
    """Fail the test if any TCP connection is attempted."""
    attempts = []

    def refuse(self, host, port, *args, **kwargs):
        attempts.append((host, port))
        raise AssertionError(f"connection attempted to {host}:{port}")

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", refuse)
    return attempts


@pytest.fixture
def private_allowed(settings):
    settings.KNOWLEDGE_ALLOW_PRIVATE_URLS = True


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.1.2.3",
        "10.0.0.5",
        "172.16.4.4",
        "192.168.1.1",
        "169.254.169.254",
        "169.254.1.1",
        "0.0.0.0",
        "224.0.0.1",
        "100.64.0.1",
        "240.0.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd00:ec2::254",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe",
        "2002:7f00:1::",
    ],
)
def test_blocked_reason_rejects_internal_address(address):
    assert blocked_reason(address) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:c1c"])
def test_blocked_reason_allows_public_address(address):
    assert blocked_reason(address) is None


@pytest.mark.parametrize("address", ["169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254"])
def test_metadata_blocked_even_when_private_allowed(private_allowed, address):
    assert blocked_reason(address) is not None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0:8080/",
        "http://2130706433/",
    ],
)
def test_fetch_rejects_internal_literal_before_connecting(no_connections, url):
    with pytest.raises(BlockedURL):
        fetch(url)

    assert no_connections == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/", "gopher://x/", "javascript:alert(1)", "/relative"])
def test_fetch_rejects_non_http_scheme(no_connections, url):
    with pytest.raises(BlockedURL, match="Only http and https"):
        fetch(url)

    assert no_connections == []


def test_fetch_rejects_host_resolving_to_private_address(no_connections, monkeypatch):
    monkeypatch.setattr(fetch_module, "resolve_host", lambda host, port: ["10.1.2.3"])

    with pytest.raises(BlockedURL, match="private"):
        fetch("http://intranet.example.test/")

    assert no_connections == []


def test_fetch_rejects_host_with_any_private_address(no_connections, monkeypatch):
    monkeypatch.setattr(fetch_module, "resolve_host", lambda host, port: ["93.184.215.14", "127.0.0.1"])

    with pytest.raises(BlockedURL, match="loopback"):
        fetch("http://mixed.example.test/")

    assert no_connections == []


def test_connection_check_catches_dns_rebinding(monkeypatch):
    """The first lookup returns a public address and the one at connection time loopback."""
    answers = iter([["93.184.215.14"], ["127.0.0.1"]])
    monkeypatch.setattr(fetch_module, "resolve_host", lambda host, port: next(answers))
    connected = []
    monkeypatch.setattr(
        httpcore.SyncBackend, "connect_tcp", lambda self, host, port, *a, **k: connected.append(host)
    )

    with pytest.raises(BlockedURL, match="loopback"):
        fetch("http://rebind.example.test/")

    assert connected == []


def test_redirect_to_metadata_address_is_rejected(settings):
    with LocalSite({"/": (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b"")}) as site:
        settings.KNOWLEDGE_ALLOW_PRIVATE_URLS = True

        with pytest.raises(BlockedURL, match="169.254.169.254"):
            fetch(site.base_url + "/")

    assert site.requested == ["/"]


def test_redirect_to_loopback_is_rejected(monkeypatch, settings):
    """A public page that redirects to 127.0.0.1 is stopped at the second hop."""
    with LocalSite({"/next": (200, {}, b"internal")}) as internal:
        monkeypatch.setattr(fetch_module, "resolve_host", lambda host, port: ["93.184.215.14"] if host == "public.example.test" else ["127.0.0.1"])

        class FakeResponse:
            status = 302
            headers = [(b"Location", f"{internal.base_url}/next".encode())]

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

        calls = []

        def stream(self, method, url, **kwargs):
            calls.append(url)
            return FakeResponse()

        monkeypatch.setattr(httpcore.ConnectionPool, "stream", stream)

        with pytest.raises(BlockedURL, match="loopback"):
            fetch("http://public.example.test/")

    assert calls == ["http://public.example.test/"]
    assert internal.requested == []


def test_redirect_to_file_scheme_is_rejected(settings):
    with LocalSite({"/": (301, {"Location": "file:///etc/passwd"}, b"")}) as site:
        settings.KNOWLEDGE_ALLOW_PRIVATE_URLS = True

        with pytest.raises(BlockedURL, match="Only http and https"):
            fetch(site.base_url + "/")


def test_fetch_follows_allowed_redirects(private_allowed):
    pages = {"/old": (301, {"Location": "/new"}, b""), "/new": (200, {}, b"<p>Moved here</p>")}
    with LocalSite(pages) as site:
        response = fetch(site.base_url + "/old")

    assert response.url == site.base_url + "/new"
    assert response.content == b"<p>Moved here</p>"


def test_fetch_stops_redirect_loop(private_allowed, settings):
    settings.KNOWLEDGE_FETCH_MAX_REDIRECTS = 3
    with LocalSite({"/loop": (302, {"Location": "/loop"}, b"")}) as site:
        with pytest.raises(FetchError, match="Too many redirects"):
            fetch(site.base_url + "/loop")

    assert len(site.requested) == 4


def test_fetch_rejects_oversized_body(private_allowed):
    with LocalSite({"/big": (200, {}, b"x" * 5000)}) as site:
        with pytest.raises(FetchError, match="larger than the limit"):
            fetch(site.base_url + "/big", max_bytes=1000)


def test_fetch_reports_http_error(private_allowed):
    with LocalSite({}) as site:
        with pytest.raises(FetchError, match="HTTP 404"):
            fetch(site.base_url + "/missing")


def test_fetch_times_out(private_allowed):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        with pytest.raises(FetchError, match="timed out"):
            fetch(f"http://127.0.0.1:{listener.getsockname()[1]}/", timeout=0.3)
    finally:
        listener.close()
