"""One TLS context shared by every SDK client in the process.

Building a context loads the CA bundle, which took about 90 ms per client on the
development machine (2 shared cores), so a client per chat turn would spend more time on
that than on a local provider call. An SSLContext may be shared between clients and threads.
"""

import functools
import os
import ssl

import httpx2


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """Return the process-wide client TLS context.

    SSL_CERT_FILE and SSL_CERT_DIR select a private CA bundle (corporate gateways), as they
    do for google-genai; otherwise httpx2's default context is used.
    """
    cafile = os.environ.get("SSL_CERT_FILE")
    capath = os.environ.get("SSL_CERT_DIR")
    if cafile or capath:
        return ssl.create_default_context(cafile=cafile, capath=capath)
    return httpx2.create_ssl_context()
