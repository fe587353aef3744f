"""The SFTP users of the AWS Transfer Family server, from CDK context.

`sftp_users` maps each tenant (the SFTP user name) to its SSH public keys, in
OpenSSH format. In cdk.json:

    "sftp": true,
    "sftp_users": {"acme": ["ssh-ed25519 AAAAC3Nza… ops@acme"]}

or on the command line, as JSON:

    cdk deploy -c sftp=true -c 'sftp_users={"acme": ["ssh-ed25519 AAAAC3Nza… ops@acme"]}'

A bad entry stops the synthesis with one sentence that names it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# Transfer Family user names: 3-100 of letters, digits, '_', '-', '.', '@', not starting with '-', '.' or '@'.
# A tenant is also the folder under inbox/ and results/, so '@' is left out.
_TENANT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{2,99}$")
# Transfer Family accepts RSA, ECDSA and ED25519 public keys for service-managed users.
KEY_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa")
_KEY = re.compile(r"^(?P<type>[a-z0-9-]+) (?P<body>[A-Za-z0-9+/]+={0,3})( [^\r\n]*)?$")
MAX_KEYS_PER_USER = 50  # Transfer Family's limit of SSH keys per service-managed user


class SftpUsersError(ValueError):
    """The sftp_users context value cannot be used."""


@dataclass(frozen=True)
class SftpUser:
    tenant: str
    public_keys: tuple[str, ...]


def parse_sftp_users(value: Any) -> tuple[SftpUser, ...]:
    """sftp_users as given (a mapping from cdk.json, or its JSON text from `-c`), checked."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise SftpUsersError("context sftp_users is not valid JSON (a map of tenant to a list of keys)") from None
    if not isinstance(value, dict):
        raise SftpUsersError("context sftp_users must map each tenant to a list of SSH public keys")
    return tuple(_user(str(tenant), keys) for tenant, keys in sorted(value.items()))


def _user(tenant: str, keys: Any) -> SftpUser:
    if not _TENANT.match(tenant):
        raise SftpUsersError(
            f"sftp_users: {tenant!r} is not a usable tenant name (3-100 letters, digits, '_', '-' or '.')"
        )
    if isinstance(keys, str):
        keys = [keys]
    if not isinstance(keys, list) or not keys:
        raise SftpUsersError(f"sftp_users: tenant {tenant!r} needs a list of at least one SSH public key")
    if len(keys) > MAX_KEYS_PER_USER:
        raise SftpUsersError(f"sftp_users: tenant {tenant!r} has more than {MAX_KEYS_PER_USER} keys")
    return SftpUser(tenant, tuple(_public_key(tenant, key) for key in keys))


def _public_key(tenant: str, key: Any) -> str:
    text = str(key).strip()
    found = _KEY.match(text)
    if found is None or found.group("type") not in KEY_TYPES:
        raise SftpUsersError(
            f"sftp_users: a key of tenant {tenant!r} is not an OpenSSH public key of type {', '.join(KEY_TYPES)}"
        )
    return text
