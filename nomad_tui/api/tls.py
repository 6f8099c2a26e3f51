"""TLS for HTTP and WebSocket alike, built from Settings: verification on unless the user opts out."""

from __future__ import annotations

import os
import re
import ssl
from pathlib import Path

from nomad_tui.settings import Settings

_PEM_CERTIFICATE = re.compile(rb"-----BEGIN CERTIFICATE-----\s.*?-----END CERTIFICATE-----", re.DOTALL)


def ssl_context(settings: Settings) -> ssl.SSLContext:
    """CA file/dir, client certificate (mTLS) and skip-verify, as the nomad CLI applies them."""
    context = ssl.create_default_context(cafile=settings.ca_cert or None, cadata=_ca_path_pems(settings.ca_path))
    context.minimum_version = ssl.TLSVersion.TLSv1_2  # what Nomad's Go client insists on too
    if settings.client_cert and settings.client_key:
        context.load_cert_chain(settings.client_cert, settings.client_key)
    if settings.tls_skip_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class TlsFileError(ValueError):
    """A CA, client certificate or key file that cannot be used; `setting` is the Settings field."""

    def __init__(self, setting: str, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.setting = setting
        self.path = path
        self.reason = reason


def _ca_path_pems(directory: str | None) -> str | None:
    """Every certificate in every file under `directory`, as go-rootcerts' LoadCAPath reads NOMAD_CAPATH
    (OpenSSL's capath would only find files named by subject hash, `abcd1234.0`)."""
    if not directory:
        return None
    pems: list[bytes] = []
    for root, dirs, files in os.walk(directory, onerror=_raise):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            try:
                with open(path, "rb") as fh:
                    found = _PEM_CERTIFICATE.findall(fh.read())
            except OSError as exc:
                raise TlsFileError("ca_path", path, f"cannot read: {exc.strerror or exc}") from None
            if not found:
                raise TlsFileError("ca_path", path, "no PEM certificate in it")
            pems.extend(found)
    if not pems:
        raise TlsFileError("ca_path", directory, "no certificate files in it")
    return b"\n".join(pems).decode("ascii", "replace")


def _raise(error: OSError) -> None:
    raise TlsFileError("ca_path", str(error.filename), error.strerror or str(error))


def _must_be(setting: str, path: str, *, directory: bool = False) -> None:
    target = Path(path)
    if not target.exists():
        raise TlsFileError(setting, path, "no such file" if not directory else "no such directory")
    if directory and not target.is_dir():
        raise TlsFileError(setting, path, "not a directory")
    if not directory and target.is_dir():
        hint = " (a directory of CA certificates goes in --ca-path)" if setting == "ca_cert" else ""
        raise TlsFileError(setting, path, "is a directory" + hint)
    if not os.access(target, os.R_OK):
        raise TlsFileError(setting, path, "not readable (permission denied)")


def check_tls_files(settings: Settings) -> None:
    """Load every TLS file the settings name, as `ssl_context` will, and say which one is wrong.

    The nomad CLI loads them whatever the address's scheme, so a wrong file is an error even for an
    http:// address.  Raises TlsFileError naming the setting; returns quietly when all is well.
    """
    for setting in ("ca_cert", "client_cert", "client_key"):
        path = getattr(settings, setting)
        if path:
            _must_be(setting, path)
    if settings.ca_path:
        _must_be("ca_path", settings.ca_path, directory=True)
        try:
            ssl.create_default_context(cadata=_ca_path_pems(settings.ca_path))
        except (ssl.SSLError, ValueError) as exc:
            if isinstance(exc, TlsFileError):
                raise
            raise TlsFileError("ca_path", settings.ca_path, "its PEM certificates do not load") from None
    if settings.ca_cert:
        try:
            ssl.create_default_context(cafile=settings.ca_cert)
        except (ssl.SSLError, ValueError, OSError, UnicodeDecodeError):
            raise TlsFileError("ca_cert", settings.ca_cert, "not a PEM CA certificate") from None
    if settings.client_cert and settings.client_key:
        try:
            ssl.create_default_context().load_cert_chain(settings.client_cert, settings.client_key)
        except (ssl.SSLError, ValueError, OSError):
            raise TlsFileError(
                "client_cert",
                settings.client_cert,
                f"does not load with key {settings.client_key} (not PEM, or the key does not match)",
            ) from None
