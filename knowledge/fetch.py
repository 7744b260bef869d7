"""SSRF-safe HTTP fetching for web pages, crawls and robots.txt.

Every connection goes through `VettingBackend.connect_tcp`, which resolves the host and then
connects to the address it vetted. It rejects the connection when any address is loopback,
private, link-local, multicast, reserved, unspecified or a cloud metadata address, including
their IPv4-mapped and NAT64 IPv6 forms. Redirects are followed by hand, one hop at a time, so each
hop goes through the same check; there is no gap between the check and the connection for
DNS rebinding to use. TLS still verifies the certificate against the host name (httpcore
sends the original host name as SNI). Proxy environment variables are ignored.
"""

import ipaddress
import logging
import socket
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpcore
from django.conf import settings
from django.utils.translation import gettext_noop

from .messages import MessageError, StoredMessage

logger = logging.getLogger(__name__)

USER_AGENT = "FlexyAgentsBot/1.0 (+knowledge ingestion)"
REDIRECT_STATUSES = {301, 302, 303, 307, 308}

# Metadata services listen on these addresses in AWS, GCP, Azure, Alibaba and AWS ECS. They
# are blocked even when KNOWLEDGE_ALLOW_PRIVATE_URLS is on.
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
    ipaddress.ip_address("100.100.100.200"),
    ipaddress.ip_address("169.254.170.2"),
}
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")

# The names that blocked_reason returns, as shown in the error message.
NETWORK_LABELS = {
    "cloud metadata": gettext_noop("cloud metadata network"),
    "unspecified": gettext_noop("unspecified network"),
    "multicast": gettext_noop("multicast network"),
    "link-local": gettext_noop("link-local network"),
    "loopback": gettext_noop("loopback network"),
    "private": gettext_noop("private network"),
    "reserved": gettext_noop("reserved network"),
}


class FetchError(MessageError):
    """A page could not be fetched. The message gives the reason in the user's words.

    `http_status` is the HTTP status code when the server returned an error status, else None.
    """

    def __init__(self, message, *, http_status=None, **params):
        super().__init__(message, **params)
        self.http_status = http_status


class BlockedURL(FetchError):
    """The URL or an address it resolves to is not allowed."""


@dataclass
class FetchResponse:
    url: str  # final URL after redirects
    status: int
    content_type: str
    content: bytes = field(repr=False)


def resolve_host(host: str, port: int) -> list[str]:
    """Return the IP addresses of host (tests replace this to simulate DNS answers)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(gettext_noop("The host %(host)s could not be resolved."), host=host) from error
    return list(dict.fromkeys(info[4][0] for info in infos))


def _embedded_ipv4(address):
    if address.version != 6:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    return None


def blocked_reason(address_text: str) -> str | None:
    """Return why connecting to the address is not allowed, or None when it is allowed."""
    address = ipaddress.ip_address(address_text.split("%", 1)[0])
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        reason = blocked_reason(str(embedded))
        if reason:
            return reason
    if address in METADATA_ADDRESSES:
        return "cloud metadata"
    if address.is_unspecified:
        return "unspecified"
    if address.is_multicast:
        return "multicast"
    if address.is_link_local:
        return "link-local"
    if settings.KNOWLEDGE_ALLOW_PRIVATE_URLS:
        return None
    if address.is_loopback:
        return "loopback"
    if address.is_private or (address.version == 6 and address.is_site_local):
        return "private"
    if address.is_reserved or not address.is_global:
        return "reserved"
    return None


def vetted_addresses(host: str, port: int) -> list[str]:
    """Resolve host and return its addresses, or raise BlockedURL if any of them is blocked.

    One blocked address rejects the host, so a name that resolves to both a public and a
    private address cannot be used to reach the private one.
    """
    addresses = resolve_host(host, port)
    if not addresses:
        raise FetchError(gettext_noop("The host %(host)s could not be resolved."), host=host)
    for address in addresses:
        reason = blocked_reason(address)
        if reason:
            logger.warning("Blocked fetch of %s: %s resolves to %s (%s)", host, host, address, reason)
            raise BlockedURL(
                gettext_noop("The address of %(host)s is not allowed (%(network)s). Use a public web address."),
                host=host,
                network=StoredMessage(NETWORK_LABELS[reason]),
            )
    return addresses


class VettingBackend(httpcore.NetworkBackend):
    """A network backend that connects only to vetted addresses of the requested host."""

    def __init__(self):
        self._backend = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        last_error = None
        for address in vetted_addresses(host.strip("[]"), port):
            try:
                return self._backend.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as error:
                last_error = error
        raise last_error

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise BlockedURL(gettext_noop("Unix sockets are not allowed."))

    def sleep(self, seconds):
        self._backend.sleep(seconds)


def check_url(url: str) -> str:
    """Return url if it is an absolute http(s) URL with a host, else raise BlockedURL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise BlockedURL(
            gettext_noop("Only http and https addresses can be fetched, not %(scheme)s."),
            scheme=parts.scheme or StoredMessage(gettext_noop("a relative address")),
        )
    if not parts.hostname:
        raise BlockedURL(gettext_noop("The address %(url)s has no host name."), url=url)
    try:
        parts.port
    except ValueError as error:
        raise BlockedURL(gettext_noop("The address %(url)s has an invalid port."), url=url) from error
    return url


class Fetcher:
    """An HTTP client for several fetches (a crawl) that share a connection pool."""

    def __init__(self, *, max_bytes=None, timeout=None):
        self.max_bytes = max_bytes or settings.KNOWLEDGE_FETCH_MAX_MB * 1024 * 1024
        self.timeout = timeout or settings.KNOWLEDGE_FETCH_TIMEOUT_SECONDS
        self.pool = httpcore.ConnectionPool(
            ssl_context=ssl.create_default_context(),
            network_backend=VettingBackend(),
            max_connections=4,
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        self.pool.close()

    def get(self, url: str) -> FetchResponse:
        """Fetch url, following up to KNOWLEDGE_FETCH_MAX_REDIRECTS redirects, each one vetted."""
        deadline = time.monotonic() + self.timeout
        for _hop in range(settings.KNOWLEDGE_FETCH_MAX_REDIRECTS + 1):
            check_url(url)
            parts = urlsplit(url)
            # Checked before the request for a clear error; the backend checks again on connect.
            vetted_addresses(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
            status, headers, content = self._request(url, deadline)
            if status in REDIRECT_STATUSES and headers.get("location"):
                url = urljoin(url, headers["location"])
                continue
            if status >= 400:
                raise FetchError(
                    gettext_noop("The server answered HTTP %(status)s for %(url)s."),
                    http_status=status,
                    status=status,
                    url=url,
                )
            return FetchResponse(url, status, headers.get("content-type", ""), content)
        raise FetchError(
            gettext_noop("Too many redirects (more than %(limit)s) starting from %(url)s."),
            limit=settings.KNOWLEDGE_FETCH_MAX_REDIRECTS,
            url=url,
        )

    def _request(self, url, deadline):
        remaining = max(deadline - time.monotonic(), 0.1)
        timeouts = {"connect": remaining, "read": remaining, "write": remaining, "pool": remaining}
        request_headers = [(b"User-Agent", USER_AGENT.encode()), (b"Accept", b"*/*")]
        try:
            with self.pool.stream(
                "GET", url, headers=request_headers, extensions={"timeout": timeouts}
            ) as response:
                headers = {
                    name.decode("latin-1").lower(): value.decode("latin-1")
                    for name, value in response.headers
                }
                if response.status in REDIRECT_STATUSES:
                    return response.status, headers, b""
                declared = headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise FetchError(self._too_large_message(url))
                body = bytearray()
                for piece in response.iter_stream():
                    body.extend(piece)
                    if len(body) > self.max_bytes:
                        raise FetchError(self._too_large_message(url))
                    if time.monotonic() > deadline:
                        raise httpcore.ReadTimeout("deadline passed")
                return response.status, headers, bytes(body)
        except httpcore.TimeoutException as error:
            raise FetchError(
                gettext_noop("Fetching %(url)s timed out after %(seconds)s seconds."),
                url=url,
                seconds=int(self.timeout),
            ) from error
        except (httpcore.ConnectError, httpcore.NetworkError) as error:
            raise FetchError(gettext_noop("Could not connect to %(url)s."), url=url) from error
        except (httpcore.ProtocolError, httpcore.UnsupportedProtocol) as error:
            raise FetchError(gettext_noop("The server at %(url)s sent an invalid HTTP response."), url=url) from error

    def _too_large_message(self, url):
        return StoredMessage(
            gettext_noop("The page at %(url)s is larger than the limit of %(limit)s MB."),
            url=url,
            limit=self.max_bytes // (1024 * 1024) or 1,
        )


def fetch(url: str, **options) -> FetchResponse:
    """Fetch one URL with the SSRF checks and limits of Fetcher."""
    with Fetcher(**options) as fetcher:
        return fetcher.get(url)
