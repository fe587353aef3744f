"""A tenant's folders on disk: no link followed, picked-up files kept, uploads published whole."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

from claimbatch.runtime.inbox_watcher import version_of
from claimbatch.runtime.sftp.handles import OpenFileBudget
from claimbatch.runtime.sftp.tenant_files import Pickup, TenantFiles
from claimbatch.runtime.sftp.tenant_view import Refusal, Refused, resolve
from claimbatch.runtime.sftp.uploads import Upload, prepare_staging


class PickedUpFiles:
    """The jobs the service made, by (key, version), and whether each is running."""

    def __init__(self) -> None:
        self.jobs: dict[tuple[str, str], Pickup] = {}

    def __call__(self, key: str, version: str) -> Pickup:
        return self.jobs.get((key, version), Pickup.NOT_YET)

    def pick_up(self, data: Path, key: str, state: Pickup = Pickup.FINISHED) -> None:
        found = (data / key).stat()
        self.jobs[(key, version_of(found.st_size, found.st_mtime_ns))] = state


@pytest.fixture
def data(tmp_path: Path) -> Path:
    (tmp_path / "inbox" / "acme").mkdir(parents=True)
    (tmp_path / "inbox" / "beta").mkdir(parents=True)
    (tmp_path / "results" / "acme").mkdir(parents=True)
    (tmp_path / "inbox" / "beta" / "secret.csv").write_text("beta's\n")
    return tmp_path


@pytest.fixture
def picked() -> PickedUpFiles:
    return PickedUpFiles()


@pytest.fixture
def acme(data: Path, picked: PickedUpFiles) -> TenantFiles:
    return TenantFiles(data, "acme", picked)


def test_the_root_shows_the_two_folders_and_results_read_only(acme):
    names = {entry.name: entry.status.st_mode for entry in acme.list_folder(resolve(b"/"))}
    assert set(names) == {"inbox", "results"}
    assert names["results"] & 0o222 == 0


def test_results_may_not_exist_yet(data, picked):
    fresh = TenantFiles(data, "newcomer", picked)
    fresh.prepare()
    assert (data / "inbox" / "newcomer").is_dir()
    assert fresh.list_folder(resolve(b"/results")) == []
    assert stat.S_ISDIR(fresh.status(resolve(b"/results")).st_mode)


def test_links_are_neither_shown_nor_followed(data, acme):
    inbox = data / "inbox" / "acme"
    (inbox / "other.csv").symlink_to(data / "inbox" / "beta" / "secret.csv")
    (inbox / "beta").symlink_to(data / "inbox" / "beta", target_is_directory=True)
    (inbox / "real.csv").write_text("mine\n")

    assert [entry.name for entry in acme.list_folder(resolve(b"/inbox"))] == ["real.csv"]
    for raw in (b"/inbox/other.csv", b"/inbox/beta/secret.csv"):
        with pytest.raises(Refused) as refused:
            acme.open_for_reading(resolve(raw))
        assert refused.value.kind is Refusal.NOT_FOUND
        with pytest.raises(Refused):
            acme.status(resolve(raw))
    with pytest.raises(Refused):
        acme.remove(resolve(b"/inbox/other.csv"))
    assert (data / "inbox" / "beta" / "secret.csv").exists()


def test_a_file_not_picked_up_may_be_renamed_and_deleted(data, acme):
    inbox = data / "inbox" / "acme"
    (inbox / "a.csv.filepart").write_text("x\n")

    acme.rename(resolve(b"/inbox/a.csv.filepart"), resolve(b"/inbox/a.csv"), replace=False)
    assert sorted(path.name for path in inbox.iterdir()) == ["a.csv"]
    acme.remove(resolve(b"/inbox/a.csv"))
    assert list(inbox.iterdir()) == []


def test_a_picked_up_file_can_neither_be_renamed_nor_deleted(data, acme, picked):
    inbox = data / "inbox" / "acme"
    (inbox / "a.csv").write_text("x\n")
    picked.pick_up(data, "inbox/acme/a.csv")

    with pytest.raises(Refused, match="picked up already; it can no longer be deleted"):
        acme.remove(resolve(b"/inbox/a.csv"))
    with pytest.raises(Refused, match="picked up already; it can no longer be renamed"):
        acme.rename(resolve(b"/inbox/a.csv"), resolve(b"/inbox/b.csv"), replace=True)
    assert sorted(path.name for path in inbox.iterdir()) == ["a.csv"]


def test_a_running_jobs_input_cannot_be_replaced_but_an_ended_jobs_can(data, acme, picked):
    inbox = data / "inbox" / "acme"
    (inbox / "a.csv").write_text("x\n")
    (inbox / "b.part").write_text("y\n")
    picked.pick_up(data, "inbox/acme/a.csv", Pickup.RUNNING)

    with pytest.raises(Refused, match="a.csv is being processed; replace it once its job has ended"):
        acme.upload_target(resolve(b"/inbox/a.csv"))
    with pytest.raises(Refused, match="is being processed"):
        acme.rename(resolve(b"/inbox/b.part"), resolve(b"/inbox/a.csv"), replace=True)

    picked.pick_up(data, "inbox/acme/a.csv", Pickup.FINISHED)
    assert acme.upload_target(resolve(b"/inbox/a.csv")) == inbox / "a.csv"
    acme.rename(resolve(b"/inbox/b.part"), resolve(b"/inbox/a.csv"), replace=True)
    assert (inbox / "a.csv").read_text() == "y\n"


def test_a_plain_rename_does_not_replace_and_a_posix_rename_does(data, acme):
    inbox = data / "inbox" / "acme"
    (inbox / "a.part").write_text("new\n")
    (inbox / "a.csv").write_text("old\n")

    with pytest.raises(Refused) as refused:
        acme.rename(resolve(b"/inbox/a.part"), resolve(b"/inbox/a.csv"), replace=False)
    assert refused.value.kind is Refusal.EXISTS
    acme.rename(resolve(b"/inbox/a.part"), resolve(b"/inbox/a.csv"), replace=True)
    assert (inbox / "a.csv").read_text() == "new\n"


def test_folders_in_the_inbox(data, acme):
    acme.make_folder(resolve(b"/inbox/east"))
    assert (data / "inbox" / "acme" / "east").is_dir()
    (data / "inbox" / "acme" / "east" / "a.csv").write_text("x\n")
    with pytest.raises(Refused, match="not empty"):
        acme.remove_folder(resolve(b"/inbox/east"))
    with pytest.raises(Refused, match="does not exist"):
        acme.make_folder(resolve(b"/inbox/west/north"))


def test_an_upload_is_invisible_until_published_then_whole(data):
    staging = prepare_staging(data)
    target = data / "inbox" / "acme" / "claims.csv"
    upload = Upload(staging, target)

    async def send() -> None:
        await upload.write(4, b"5678")  # clients send writes out of order
        await upload.write(0, b"1234")

    asyncio.run(send())
    assert not target.exists() and not list((data / "inbox" / "acme").iterdir())
    asyncio.run(upload.publish())
    upload.discard()
    assert target.read_bytes() == b"12345678"
    assert list(staging.iterdir()) == []
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_a_discarded_upload_leaves_nothing(data):
    staging = prepare_staging(data)
    target = data / "inbox" / "acme" / "claims.csv"
    upload = Upload(staging, target)
    asyncio.run(upload.write(0, b"half a fi"))

    upload.discard()
    upload.discard()
    assert not target.exists() and list(staging.iterdir()) == []


def test_staged_leftovers_of_a_stopped_server_are_removed_at_start(data):
    staging = prepare_staging(data)
    (staging / "0123456789abcdef.part").write_bytes(b"left behind")

    assert list(prepare_staging(data).iterdir()) == []
    assert stat.S_IMODE(os.stat(staging).st_mode) == 0o700


def test_open_files_are_capped_per_session_and_in_all():
    budget = OpenFileBudget(per_session=2, in_all=3)
    budget.take(0)
    budget.take(1)
    with pytest.raises(Refused, match="at most 2"):
        budget.take(2)
    budget.take(0)  # another session
    with pytest.raises(Refused, match="too many files open"):
        budget.take(0)
    budget.give_back()
    budget.take(0)
