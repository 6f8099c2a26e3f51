"""TLS for HTTP and WebSocket alike, built from Settings: verification on unless the user opts out."""

from __future__ import annotations

import ssl

from nomad_tui.settings import Settings


def ssl_context(settings: Settings) -> ssl.SSLContext:
    """CA file/dir, client certificate (mTLS) and skip-verify, as the nomad CLI applies them."""
    context = ssl.create_default_context(cafile=settings.ca_cert or None, capath=settings.ca_path or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2  # what Nomad's Go client insists on too
    if settings.client_cert and settings.client_key:
        context.load_cert_chain(settings.client_cert, settings.client_key)
    if settings.tls_skip_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
