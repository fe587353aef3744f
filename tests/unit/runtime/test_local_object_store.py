"""The data folder as object store: input files are read only as the regular files they were."""

from __future__ import annotations

import os

import pytest

from claimbatch.adapters.embedded.local_object_store import LocalObjectStore
from claimbatch.domain.errors import InputFileError


def _store(tmp_path):
    (tmp_path / "inbox" / "other").mkdir(parents=True)
    (tmp_path / "inbox" / "other" / "secret.csv").write_bytes(b"another tenant's patients")
    (tmp_path / "inbox" / "default").mkdir()
    return LocalObjectStore(tmp_path)


def test_a_regular_file_is_read(tmp_path):
    store = _store(tmp_path)

    assert b"".join(store.read_chunks("local", "inbox/other/secret.csv", None)) == b"another tenant's patients"


def test_a_file_swapped_for_a_symlink_after_it_was_checked_is_refused(tmp_path):
    store = _store(tmp_path)
    # Given a job whose file was a regular file when picked up, then replaced by a link
    (tmp_path / "inbox" / "default" / "steal.csv").symlink_to("../other/secret.csv")

    with pytest.raises(InputFileError) as raised:
        b"".join(store.read_chunks("local", "inbox/default/steal.csv", None))

    assert raised.value.message == "the input file is a symbolic link or not a regular file; it is not read"


def test_a_folder_swapped_for_a_symlink_is_refused(tmp_path):
    store = _store(tmp_path)
    (tmp_path / "inbox" / "default").rmdir()
    (tmp_path / "inbox" / "default").symlink_to("other", target_is_directory=True)

    with pytest.raises(InputFileError):
        b"".join(store.read_chunks("local", "inbox/default/secret.csv", None))


def test_a_fifo_is_refused_without_blocking(tmp_path):
    store = _store(tmp_path)
    os.mkfifo(tmp_path / "inbox" / "default" / "pipe.csv")

    with pytest.raises(InputFileError):
        b"".join(store.read_chunks("local", "inbox/default/pipe.csv", None))


def test_a_missing_file_is_still_an_os_error(tmp_path):
    store = _store(tmp_path)

    with pytest.raises(FileNotFoundError):
        b"".join(store.read_chunks("local", "inbox/default/gone.csv", None))
