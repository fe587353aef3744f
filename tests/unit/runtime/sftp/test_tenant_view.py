"""The SFTP view's paths and rules, without a disk or a server."""

from __future__ import annotations

import pytest

from claimbatch.runtime.sftp.tenant_view import (
    Area,
    Refusal,
    Refused,
    VirtualPath,
    check_change,
    check_read,
    check_rename,
    check_upload,
    resolve,
    valid_tenant,
)


@pytest.mark.parametrize(
    ("raw", "area", "parts"),
    [
        (b"/", Area.ROOT, ()),
        (b"", Area.ROOT, ()),
        (b".", Area.ROOT, ()),
        (b"inbox", Area.INBOX, ()),
        (b"/inbox/", Area.INBOX, ()),
        (b"/inbox/a.csv", Area.INBOX, ("a.csv",)),
        (b"inbox//east/./a.csv", Area.INBOX, ("east", "a.csv")),
        (b"/inbox/east/../a.csv", Area.INBOX, ("a.csv",)),
        (b"/results/../inbox/a.csv", Area.INBOX, ("a.csv",)),
        (b"/inbox/..", Area.ROOT, ()),
        ("/inbox/Résumé ü.csv".encode(), Area.INBOX, ("Résumé ü.csv",)),
    ],
)
def test_paths_inside_the_two_folders_resolve(raw, area, parts):
    assert resolve(raw) == VirtualPath(area, parts)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (b"/..", Refusal.DENIED),
        (b"..", Refusal.DENIED),
        (b"/inbox/../../etc/passwd", Refusal.DENIED),
        (b"/results/../../other/results", Refusal.DENIED),
        (b"/etc/passwd", Refusal.NOT_FOUND),
        (b"/sftp/acme/authorized_keys", Refusal.NOT_FOUND),
        (b"/claimbatch.db", Refusal.NOT_FOUND),
        (b"/inbox/a\x00.csv", Refusal.INVALID_NAME),
        (b"/inbox/a\nb.csv", Refusal.INVALID_NAME),
        (b"/inbox/..\\..\\x", Refusal.INVALID_NAME),
        (b"/inbox/\xff.csv", Refusal.INVALID_NAME),
        (b"/inbox/" + b"a" * 256, Refusal.INVALID_NAME),
        (b"/inbox/" + b"a/" * 3000, Refusal.INVALID_NAME),
    ],
)
def test_paths_that_leave_the_view_or_are_malformed_are_refused(raw, kind):
    with pytest.raises(Refused) as refused:
        resolve(raw)
    assert refused.value.kind is kind
    assert refused.value.message.endswith(".") and "\n" not in refused.value.message


def test_the_client_is_shown_paths_of_the_view():
    assert resolve(b"inbox/east/../a.csv").text == "/inbox/a.csv"
    assert resolve(b"/").text == "/"
    assert resolve(b"/results").text == "/results"


def test_results_and_the_root_are_read_only():
    for raw in (b"/results/a.results.csv", b"/", b"/results"):
        with pytest.raises(Refused) as refused:
            check_upload(resolve(raw))
        assert refused.value.kind is Refusal.DENIED
    with pytest.raises(Refused, match="/results is read-only"):
        check_change(resolve(b"/results/a.results.csv"), "deleted")
    with pytest.raises(Refused, match="read-only"):
        check_rename(resolve(b"/inbox/a.csv"), resolve(b"/results/a.csv"))
    with pytest.raises(Refused):
        check_rename(resolve(b"/results/a.csv"), resolve(b"/inbox/a.csv"))


def test_uploads_and_changes_go_into_the_inbox_only():
    check_upload(resolve(b"/inbox/a.csv"))
    check_upload(resolve(b"/inbox/east/a.csv.filepart"))
    check_change(resolve(b"/inbox/a.csv"), "deleted")
    check_rename(resolve(b"/inbox/a.csv.filepart"), resolve(b"/inbox/a.csv"))
    with pytest.raises(Refused, match="/inbox itself"):
        check_change(resolve(b"/inbox"), "deleted")
    with pytest.raises(Refused, match="upload a file into it"):
        check_upload(resolve(b"/inbox"))


def test_reading_needs_a_file_inside_a_folder():
    check_read(resolve(b"/results/a.results.csv"))
    check_read(resolve(b"/inbox/a.csv"))
    for raw in (b"/", b"/inbox", b"/results"):
        with pytest.raises(Refused, match="is a folder"):
            check_read(resolve(raw))


@pytest.mark.parametrize("name", ["acme", "clearing-house_2", "A.b"])
def test_tenant_names_are_folder_names(name):
    assert valid_tenant(name)


@pytest.mark.parametrize("name", ["", ".", "..", ".hidden", "a/b", "a\\b", "a b", "x" * 65, "ü"])
def test_other_user_names_are_no_tenant(name):
    assert not valid_tenant(name)
