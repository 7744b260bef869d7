"""The shared TLS context."""

import ssl

import certifi

from providers.tls import shared_ssl_context


def test_context_is_shared():
    shared_ssl_context.cache_clear()

    assert shared_ssl_context() is shared_ssl_context()
    assert isinstance(shared_ssl_context(), ssl.SSLContext)


def test_ssl_cert_file_selects_bundle(monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    shared_ssl_context.cache_clear()
    try:
        context = shared_ssl_context()

        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.cert_store_stats()["x509_ca"] > 0
    finally:
        shared_ssl_context.cache_clear()
