"""A throwaway CA with a server certificate for a Nomad-style name and a client certificate, as files."""

from __future__ import annotations

from pathlib import Path

import trustme

SERVER_NAME = "server.global.nomad"


def write_pki(directory: Path) -> dict[str, str]:
    """ca.pem, a CA directory (`capath`, one file not named by subject hash), the server's certificate and
    key (for SERVER_NAME only), and a client certificate and key; returns their paths by name."""
    ca = trustme.CA()
    server = ca.issue_cert(SERVER_NAME)
    client = ca.issue_cert("cli.global.nomad")
    capath = directory / "cas"
    capath.mkdir()
    files = {
        "ca": directory / "ca.pem",
        "capath": capath,
        "cert": directory / "server.pem",
        "key": directory / "server-key.pem",
        "client_cert": directory / "cli.pem",
        "client_key": directory / "cli-key.pem",
    }
    ca.cert_pem.write_to_path(str(files["ca"]))
    ca.cert_pem.write_to_path(str(capath / "nomad-ca.pem"))
    server.cert_chain_pems[0].write_to_path(str(files["cert"]))
    server.private_key_pem.write_to_path(str(files["key"]))
    client.cert_chain_pems[0].write_to_path(str(files["client_cert"]))
    client.private_key_pem.write_to_path(str(files["client_key"]))
    return {name: str(path) for name, path in files.items()}
