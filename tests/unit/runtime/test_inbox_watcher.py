"""A file in the local inbox becomes a job once, and only when complete."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from claimbatch.runtime.inbox_watcher import InboxWatcher
from claimbatch.runtime.open_writers import open_for_writing


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_file_still_growing_is_not_picked_up_until_it_settles(tmp_path):
    clock = Clock()
    watcher = InboxWatcher(tmp_path, settle_s=1.0, clock=clock)
    target = tmp_path / "inbox" / "acme" / "claims.csv"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"claim_number,")

    assert watcher.poll() == []
    clock.now = 0.6
    with target.open("ab") as handle:
        handle.write(b"first_name\n")
    os.utime(target, ns=(1, 2_000_000_000))
    assert watcher.poll() == []  # changed: the clock starts again
    clock.now = 1.2
    assert watcher.poll() == []
    clock.now = 1.7

    (ready,) = watcher.poll()

    assert ready.key == "inbox/acme/claims.csv" and ready.size == len(b"claim_number,first_name\n")
    clock.now = 5
    assert watcher.poll() == []  # handed out once


def test_partial_and_hidden_names_are_never_picked_up(tmp_path):
    clock = Clock()
    watcher = InboxWatcher(tmp_path, settle_s=0.1, clock=clock)
    (tmp_path / "inbox").mkdir()
    for name in ("upload.csv.part", ".hidden.csv", "x.tmp", "empty.csv"):
        (tmp_path / "inbox" / name).write_bytes(b"" if name == "empty.csv" else b"data")

    watcher.poll()
    clock.now = 1

    assert watcher.poll() == []


def test_a_rewritten_file_is_a_new_job(tmp_path):
    clock = Clock()
    watcher = InboxWatcher(tmp_path, settle_s=0.1, clock=clock)
    target = tmp_path / "inbox" / "a.csv"
    target.parent.mkdir()
    target.write_bytes(b"one")
    watcher.poll()
    clock.now = 1
    (first,) = watcher.poll()
    target.write_bytes(b"two two")
    watcher.poll()
    clock.now = 2

    (second,) = watcher.poll()

    assert first.version != second.version


def test_a_settled_file_still_open_for_writing_waits_until_it_is_closed(tmp_path):
    clock = Clock()
    writing: set[Path] = set()
    watcher = InboxWatcher(tmp_path, settle_s=0.1, clock=clock, busy=lambda paths: writing & set(paths))
    target = tmp_path / "inbox" / "slow.csv"
    target.parent.mkdir()
    target.write_bytes(b"claim_number,first")  # a copy that paused half-way
    writing.add(target.resolve())
    watcher.poll()
    clock.now = 5

    assert watcher.poll() == []  # unchanged for long, but its writer still holds it

    writing.clear()
    (ready,) = watcher.poll()
    assert ready.size == len(b"claim_number,first")


def test_a_file_completed_during_the_poll_is_handed_out_once_with_its_final_version(tmp_path):
    clock = Clock()
    target = tmp_path / "inbox" / "slow.csv"

    def finish_writing_meanwhile(paths):
        with target.open("ab") as handle:  # the rest arrives between the stat and the check
            handle.write(b"_name\n")
        return set()

    watcher = InboxWatcher(tmp_path, settle_s=0.1, clock=clock, busy=finish_writing_meanwhile)
    target.parent.mkdir()
    target.write_bytes(b"claim_number,first")
    watcher.poll()
    clock.now = 1

    assert watcher.poll() == []  # the version it settled on is gone

    watcher = InboxWatcher(tmp_path, settle_s=0.1, clock=clock)
    watcher.poll()
    clock.now = 2
    (ready,) = watcher.poll()
    assert ready.size == len(b"claim_number,first_name\n")


@pytest.mark.skipif(not Path("/proc/self/fdinfo").is_dir(), reason="needs Linux /proc")
def test_open_for_writing_sees_writers_not_readers(tmp_path):
    written, read = tmp_path / "written.csv", tmp_path / "read.csv"
    read.write_bytes(b"x")
    with written.open("wb"), read.open("rb"):
        assert open_for_writing([written.resolve(), read.resolve()]) == {written.resolve()}
    assert open_for_writing([written.resolve(), read.resolve()]) == set()


def _settled(watcher: InboxWatcher, clock: Clock) -> list:
    watcher.poll()
    clock.now += 10
    return watcher.poll()


def test_a_name_that_is_not_utf8_is_skipped_and_the_others_go_on(tmp_path, captured_logs):
    clock = Clock()
    skipped: list[tuple[str, str]] = []
    watcher = InboxWatcher(tmp_path, settle_s=0.1, clock=clock, on_skip=lambda key, reason: skipped.append((key, reason)))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.csv").write_bytes(b"data")
    with open(os.path.join(os.fsencode(inbox), b"zqxbad\xff\xfename.csv"), "wb") as handle:
        handle.write(b"data")

    ready = _settled(watcher, clock)

    assert [file.key for file in ready] == ["inbox/good.csv"]
    ((key, reason),) = skipped
    assert reason == "a name that is not valid UTF-8 (rename the file)"
    assert key.encode("utf-8", "surrogateescape") == b"inbox/zqxbad\xff\xfename.csv"
    assert "not valid UTF-8" in captured_logs.text
    assert "zqxbad" not in captured_logs.text  # names stay out of the log (a word no hex id can hold)
    assert _settled(watcher, clock) == [] and len(skipped) == 1  # reported once


def test_symlinks_and_special_files_are_skipped_and_never_followed(tmp_path, captured_logs):
    clock = Clock()
    skipped: dict[str, str] = {}
    watcher = InboxWatcher(tmp_path, settle_s=0.1, clock=clock, on_skip=lambda key, reason: skipped.update({key: reason}))
    other = tmp_path / "inbox" / "other"
    other.mkdir(parents=True)
    (other / "secret.csv").write_bytes(b"another tenant's patients")
    mine = tmp_path / "inbox" / "default"
    mine.mkdir()
    outside = tmp_path / "outside.csv"
    outside.write_bytes(b"data")
    (mine / "steal.csv").symlink_to("../other/secret.csv")
    (mine / "outside.csv").symlink_to(outside)
    (mine / "all").symlink_to(other, target_is_directory=True)
    os.mkfifo(mine / "pipe.csv")

    ready = _settled(watcher, clock)

    assert [file.key for file in ready] == ["inbox/other/secret.csv"]
    assert skipped == {
        "inbox/default/all": "a symbolic link (never followed)",
        "inbox/default/outside.csv": "a symbolic link (never followed)",
        "inbox/default/steal.csv": "a symbolic link (never followed)",
        "inbox/default/pipe.csv": "not a regular file",
    }
    assert captured_logs.text.count('"inbox file skipped"') == 4


def test_a_scan_that_runs_out_of_descriptors_raises_nothing_and_retries(tmp_path, monkeypatch, captured_logs):
    clock = Clock()
    watcher = InboxWatcher(tmp_path, settle_s=0.1, clock=clock)
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "a.csv").write_bytes(b"data")
    real_scandir = os.scandir

    def exhausted(path):
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(os, "scandir", exhausted)
    assert _settled(watcher, clock) == []
    assert "inbox scan failed" in captured_logs.text

    monkeypatch.setattr(os, "scandir", real_scandir)
    (ready,) = _settled(watcher, clock)
    assert ready.key == "inbox/a.csv"
