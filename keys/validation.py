"""Checks on what people type for a key: the base URL, and the secret through a live call."""

import ipaddress
import logging
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def _is_private(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


def _resolve(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def check_base_url(value: str) -> str:
    """Return the normalized base URL, or raise ValidationError naming the problem and the fix.

    Only https URLs are accepted. Hosts that resolve to a loopback, private, link-local or
    otherwise reserved address are rejected unless ALLOW_PRIVATE_PROVIDER_URLS is on.
    """
    value = value.strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise ValidationError(
            _("“%(url)s” is not a valid base URL: enter an https:// URL, for example https://gateway.example.com/v1.")
            % {"url": value},
            code="invalid_base_url",
        )
    if parts.username or parts.password:
        raise ValidationError(
            _("The base URL must not contain a user name or password; store the secret in the secret field."),
            code="credentials_in_url",
        )
    if settings.ALLOW_PRIVATE_PROVIDER_URLS:
        return value
    try:
        addresses = _resolve(parts.hostname)
    except (socket.gaierror, UnicodeError):
        raise ValidationError(
            _("The host “%(host)s” could not be resolved. Check the spelling of the base URL.")
            % {"host": parts.hostname},
            code="unresolvable_host",
        ) from None
    # NOTE: the name is resolved again when the SDK connects, so a DNS answer that changes
    # after this check (DNS rebinding) is not caught here.
    if any(_is_private(address) for address in addresses):
        raise ValidationError(
            _(
                "The host “%(host)s” resolves to a loopback, private or link-local address. Use a "
                "public gateway address, or ask the operator to set ALLOW_PRIVATE_PROVIDER_URLS."
            )
            % {"host": parts.hostname},
            code="private_host",
        )
    return value


class KeyValidationFailed(Exception):
    """The provider rejected the secret, or could not be reached; the message is translated."""


def validate_secret(provider: str, secret: str, base_url: str | None) -> None:
    """Check the secret with one model-list call through the provider adapter.

    Raises KeyValidationFailed with a translated message that names the fix.
    """
    import providers

    try:
        providers.validate_key(provider, secret, base_url or None)
    except providers.ProviderError as exc:
        logger.info("Key validation failed for provider %s: %s", provider, exc.code)
        raise KeyValidationFailed(_validation_message(exc)) from None
    except ValueError as exc:
        raise KeyValidationFailed(str(exc)) from None


def _validation_message(exc) -> str:
    from providers import ErrorCode

    if exc.code in (ErrorCode.AUTHENTICATION_FAILED, ErrorCode.PERMISSION_DENIED):
        return _(
            "The provider rejected this key (HTTP %(status)s). Check that you copied the whole "
            "secret and that the key is active in the provider's console."
        ) % {"status": exc.status_code or "401"}
    if exc.code in (ErrorCode.PROVIDER_UNAVAILABLE, ErrorCode.TIMED_OUT):
        return _(
            "The provider could not be reached to validate the key (%(error)s). Try again, or tick "
            "“Save without validating” if this server has no route to the provider."
        ) % {"error": exc.message[:200]}
    return _("Validation failed: %(error)s. Check the key and the base URL.") % {"error": exc.message[:200]}
