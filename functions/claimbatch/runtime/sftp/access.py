"""Who may log in to the local SFTP server, and the key the server proves itself with.

- Users: the user name is the tenant; its public keys are in
  DATA/sftp/<tenant>/authorized_keys (OpenSSH format), read at every login, so
  adding or removing a key needs no restart. Keys only: no passwords. An
  unknown user is refused exactly as a wrong key is, so that a stranger cannot
  tell which tenants exist.
- Host key: DATA/sftp/ssh_host_ed25519_key, made on the first start and kept
  (readable by its owner only), so clients see the same server every time.
"""

from __future__ import annotations

import os
from pathlib import Path

import asyncssh

from claimbatch.observability import logger
from claimbatch.runtime.sftp.tenant_view import valid_tenant

SFTP_FOLDER = "sftp"
HOST_KEY_NAME = "ssh_host_ed25519_key"
AUTHORIZED_KEYS = "authorized_keys"


def authorized_keys_path(data_dir: Path, tenant: str) -> Path:
    return data_dir / SFTP_FOLDER / tenant / AUTHORIZED_KEYS


def load_host_key(data_dir: Path) -> asyncssh.SSHKey:
    """The server's key; made (mode 0600) when there is none yet."""
    path = data_dir / SFTP_FOLDER / HOST_KEY_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)  # a private key others can read is one they could copy
        return asyncssh.read_private_key(path)
    key = asyncssh.generate_private_key("ssh-ed25519")
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.export_private_key())
    logger.info("sftp host key made")
    return key


def tenant_keys(data_dir: Path, tenant: str) -> asyncssh.SSHAuthorizedKeys | None:
    """The keys that may log in as `tenant`; None when the tenant has none (or they cannot be read)."""
    if not valid_tenant(tenant):
        return None
    path = authorized_keys_path(data_dir, tenant)
    try:
        return asyncssh.read_authorized_keys(str(path))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, asyncssh.KeyImportError) as error:
        logger.warning(
            "sftp authorized_keys unreadable", extra={"tenant": tenant, "error": type(error).__name__}
        )
        return None


class TenantLogins(asyncssh.SSHServer):
    """Public-key logins, one tenant per user name."""

    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir
        self._connection: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._connection = conn

    def begin_auth(self, username: str) -> bool:
        keys = tenant_keys(self._data_dir, username)
        if keys is not None and self._connection is not None:
            self._connection.set_authorized_keys(keys)
        return True  # always ask for a key: with no keys loaded, every key is refused

    def public_key_auth_supported(self) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def auth_completed(self) -> None:
        logger.info("sftp login", extra={"tenant": self._tenant()})

    def _tenant(self) -> str:
        return str(self._connection.get_extra_info("username")) if self._connection else ""
