"""A file in the local inbox becomes a job once, and only when complete."""

from __future__ import annotations

import os

from claimbatch.runtime.inbox_watcher import InboxWatcher


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
