"""Widget channel settings: allowed origins, the per-visitor rate limit and the visitor's language.

They are stored in `Channel.settings` under "allowed_origins" (list of "scheme://host[:port]")
and "rate_limit_per_minute" (messages per visitor per minute).
"""

import hashlib
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

DEFAULT_RATE_LIMIT_PER_MINUTE = 10
MAX_RATE_LIMIT_PER_MINUTE = 600
RATE_WINDOW_SECONDS = 60
DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidOrigin(ValueError):
    """An origin that is not "scheme://host[:port]"; the message names the value and the fix."""


def normalize_origin(value: str) -> str:
    """Return value as a lowercase "scheme://host[:port]" without a default port, or raise InvalidOrigin."""
    raw = (value or "").strip()
    if raw == "null" or not raw:
        raise InvalidOrigin(_("“%(value)s” is not an origin: write it as https://www.example.com.") % {"value": raw})
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as error:
        raise InvalidOrigin(_("“%(value)s” is not a valid origin (%(error)s).") % {"value": raw, "error": error}) from error
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise InvalidOrigin(
            _("“%(value)s” is not an origin: it must start with http:// or https:// and name a host.") % {"value": raw}
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise InvalidOrigin(
            _("“%(value)s” contains more than an origin: remove the path, e.g. %(origin)s.")
            % {"value": raw, "origin": f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"}
        )
    origin = f"{parts.scheme}://{parts.hostname.lower()}"
    if port is not None and port != DEFAULT_PORTS[parts.scheme]:
        origin += f":{port}"
    return origin


def allowed_origins(channel) -> list[str]:
    return list((channel.settings or {}).get("allowed_origins") or [])


def rate_limit_per_minute(channel) -> int:
    value = (channel.settings or {}).get("rate_limit_per_minute")
    return value if isinstance(value, int) and value > 0 else DEFAULT_RATE_LIMIT_PER_MINUTE


def request_origin(request) -> str | None:
    """Return the normalized origin of a request from its Origin header, else from its Referer.

    Browsers omit Origin on same-origin GET requests, so there the Referer's origin is used.
    Both headers are set by the browser; the check keeps other websites from embedding the
    widget, and is no authentication of non-browser clients, which can send any header.
    """
    for header in ("Origin", "Referer"):
        value = request.headers.get(header, "")
        if value:
            try:
                return normalize_origin(value if header == "Origin" else _origin_of_url(value))
            except InvalidOrigin:
                return None
    return None


def _origin_of_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def client_address(request) -> str:
    # NOTE: behind a reverse proxy every visitor shares the proxy's address unless the proxy
    # sets REMOTE_ADDR to the client's (for example uvicorn's --proxy-headers).
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def take_rate_slot(channel, visitor: str) -> int | None:
    """Count one message of visitor on channel; return None if allowed, else seconds to wait."""
    # NOTE: the default in-process cache (locmem) counts per worker process, so with several
    # workers a visitor gets up to that many times the limit. Set CACHE_URL to Redis to share it.
    limit = rate_limit_per_minute(channel)
    now = time.time()
    window = int(now // RATE_WINDOW_SECONDS)
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{visitor}".encode()).hexdigest()[:24]
    key = f"widget-rate:{channel.public_id}:{digest}:{window}"
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:
        # The entry expired between add and incr: start the window again.
        cache.set(key, 1, timeout=RATE_WINDOW_SECONDS * 2)
        count = 1
    if count <= limit:
        return None
    return max(1, int((window + 1) * RATE_WINDOW_SECONDS - now) + 1)


def visitor_language(value: str) -> str:
    """Return "zh-hans" for Chinese language tags (zh, zh-CN, zh-Hans, …) and "en" otherwise."""
    return "zh-hans" if (value or "").strip().lower().startswith("zh") else "en"
