"""SFTP clients nobody here wrote, against `claimbatch serve --sftp-port`: OpenSSH's
`sftp` in batch mode and paramiko. Keys are made with ssh-keygen in the test's folder."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import paramiko

from tests.e2e.cli_support import ServeProcess, wait_until

SFTP_BINARY = "/usr/bin/sftp"
_ADDRESS = re.compile(r"SFTP at sftp://([\d.]+):(\d+)")


@dataclass(frozen=True)
class Tenant:
    name: str
    key: Path  # private key file; its .pub is in DATA/sftp/<name>/authorized_keys


def make_key(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True, timeout=30
    )
    return key


def add_tenant(data: Path, keys: Path, name: str) -> Tenant:
    key = make_key(keys, f"{name}_key")
    folder = data / "sftp" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "authorized_keys").write_text(key.with_suffix(".pub").read_text())
    return Tenant(name, key)


def sftp_port(serve: ServeProcess) -> int:
    found = wait_until(lambda: _ADDRESS.search(serve.stdout), 30, "the SFTP address on serve's output")
    return int(found.group(2))


def openssh_options(key: Path) -> list[str]:
    """What OpenSSH's sftp and ssh both need against a test server: this key only, no prompts, no known hosts."""
    return [
        "-i",
        str(key),
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "LogLevel=ERROR",
    ]


def openssh_command(port: int, user: str, key: Path, *extra: str) -> list[str]:
    return [SFTP_BINARY, "-P", str(port), *openssh_options(key), *extra, f"{user}@127.0.0.1"]


def openssh_batch(port: int, user: str, key: Path, commands: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`sftp -b` with these commands (a leading '-' lets the batch go on after that command fails)."""
    batch = cwd / "batch.txt"
    batch.write_text("\n".join(commands) + "\n")
    return subprocess.run(
        openssh_command(port, user, key, "-b", str(batch)),
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@contextmanager
def paramiko_session(port: int, user: str, key: Path) -> Iterator[tuple[paramiko.Transport, paramiko.SFTPClient]]:
    transport = paramiko.Transport(("127.0.0.1", port))
    try:
        transport.connect(username=user, pkey=paramiko.Ed25519Key.from_private_key_file(str(key)))
        client = paramiko.SFTPClient.from_transport(transport)
        assert client is not None
        yield transport, client
    finally:
        transport.close()
