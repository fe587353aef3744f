"""The sftp_users context value: tenants and their SSH public keys, checked before anything is built."""

from __future__ import annotations

import json

import pytest

from infra.settings import Settings
from infra.sftp_users import SftpUser, SftpUsersError, parse_sftp_users

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC/sRoMpP0ulDO57FC0Z0Z3J8jU15Hke7KtB6gbSh8P0 ops@acme"
RSA = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 comment with spaces"


class Context:
    def __init__(self, **values: object) -> None:
        self.values = values

    def try_get_context(self, key: str) -> object:
        return self.values.get(key)


def test_from_cdk_json_or_the_command_line():
    mapping = {"beta.co": [KEY, RSA], "acme": KEY}

    assert parse_sftp_users(mapping) == parse_sftp_users(json.dumps(mapping)) == (
        SftpUser("acme", (KEY,)),
        SftpUser("beta.co", (KEY, RSA)),
    )
    assert parse_sftp_users(None) == parse_sftp_users("") == ()


def test_settings_read_sftp_and_its_users_from_context():
    settings = Settings.from_context(Context(sftp="true", sftp_users=json.dumps({"acme": [KEY]})))

    assert settings.sftp is True and settings.sftp_users == (SftpUser("acme", (KEY,)),)
    assert Settings.from_context(Context()).sftp is False


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("{not json", "not valid JSON"),
        ('["acme"]', "must map each tenant"),
        ({"ab": [KEY]}, "'ab' is not a usable tenant name"),
        ({"../x": [KEY]}, "is not a usable tenant name"),
        ({"a/b/c": [KEY]}, "is not a usable tenant name"),
        ({"acme": []}, "needs a list of at least one SSH public key"),
        ({"acme": ["ssh-dss AAAAB3NzaC1kc3MAAACBAP"]}, "is not an OpenSSH public key"),
        ({"acme": ["-----BEGIN OPENSSH PRIVATE KEY-----"]}, "is not an OpenSSH public key"),
        ({"acme": [KEY + "\nssh-ed25519 AAAA"]}, "is not an OpenSSH public key"),
        ({"acme": [KEY] * 51}, "more than 50 keys"),
    ],
)
def test_a_bad_entry_is_one_sentence_naming_it(value, says):
    with pytest.raises(SftpUsersError, match=says):
        parse_sftp_users(value)
