"""`claimbatch serve --sftp-port` driven by real SFTP clients: OpenSSH's sftp and paramiko.

One service for the module; each test uses files of its own names. Tenants:
acme (OpenSSH's client) and beta (paramiko)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paramiko
import pytest

from tests.e2e.cli_support import (
    EXAMPLE_FILE,
    SEED_LINE,
    JobsTable,
    ServeProcess,
    assert_no_phi,
    claimbatch,
    claims_csv,
    phi_values,
    wait_until,
)
from tests.e2e.sftp_support import (
    Tenant,
    add_tenant,
    make_key,
    openssh_batch,
    openssh_command,
    openssh_options,
    paramiko_session,
    sftp_port,
)

pytestmark = pytest.mark.slow


@dataclass
class SftpService:
    data: Path
    work: Path
    port: int
    serve: ServeProcess
    acme: Tenant
    beta: Tenant

    @property
    def jobs(self) -> JobsTable:
        return JobsTable(self.data)

    def staged(self) -> list[Path]:
        return list((self.data / "sftp" / ".uploading").iterdir())


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SftpService]:
    root = tmp_path_factory.mktemp("sftp")
    data, keys = root / "data", root / "keys"
    acme, beta = add_tenant(data, keys, "acme"), add_tenant(data, keys, "beta")
    with ServeProcess(data, "--sim-latency-ms", "0", "--sftp-port", "0") as serve:
        yield SftpService(data, root, sftp_port(serve), serve, acme, beta)
        assert serve.process is not None and serve.process.poll() is None, "the service stopped"
    assert "Traceback" not in serve.output
    phi = phi_values(EXAMPLE_FILE)
    assert_no_phi(serve.output, phi, "serve's output")
    assert_no_phi((data / "claimbatch.log").read_text(), phi, "claimbatch.log")


def _listed(client: paramiko.SFTPClient, folder: str, name: str) -> bool:
    return name in client.listdir(folder)


def test_openssh_put_into_inbox_then_get_the_results(service: SftpService, tmp_path: Path):
    # When acme puts a file into /inbox with OpenSSH's sftp
    put = openssh_batch(service.port, "acme", service.acme.key, [f"put {EXAMPLE_FILE} /inbox/claims.csv"], tmp_path)
    assert put.returncode == 0, put.stderr

    # Then /results/claims.results.csv appears, and it can be fetched
    def results_listed() -> bool:
        listing = openssh_batch(service.port, "acme", service.acme.key, ["ls /results"], tmp_path)
        return "claims.results.csv" in listing.stdout

    wait_until(results_listed, 60, "the results in /results", interval=0.5)
    get = openssh_batch(
        service.port, "acme", service.acme.key, ["get /results/claims.results.csv got.csv"], tmp_path
    )
    assert get.returncode == 0, get.stderr
    lines = (tmp_path / "got.csv").read_text().splitlines()
    assert lines[1].startswith(SEED_LINE) and len(lines) == 51
    assert [job["state"] for job in service.jobs.for_key("inbox/acme/claims.csv")] == ["COMPLETED"]


def test_openssh_cannot_write_results_nor_leave_the_two_folders(service: SftpService, tmp_path: Path):
    (tmp_path / "x.csv").write_text(claims_csv(1))
    attempts = [
        "-put x.csv /results/x.csv",
        "-mkdir /results/sub",
        "-put x.csv /x.csv",
        "-cd ..",
        "-cd /inbox/../..",
        "-cd /etc",
        "-get /etc/passwd",
        "-get ../../../../etc/hostname",
        "-get /inbox/../../sftp/acme/authorized_keys",
        "-ls /inbox/../../inbox/beta",
        "-ln -s /etc/passwd /inbox/passwd",
        "-rm /results/claims.results.csv",
        "pwd",
    ]

    done = openssh_batch(service.port, "acme", service.acme.key, attempts, tmp_path)

    assert done.returncode == 0, done.stderr
    errors = done.stderr
    assert errors.count("Permission denied") >= 3  # put and mkdir in /results, put in /
    assert errors.count("The path leads outside your folders /inbox and /results.") >= 2
    assert "Only /inbox and /results exist here." in errors
    assert "Remote working directory: /" in done.stdout
    assert not (service.data / "results" / "acme" / "x.csv").exists()
    assert not (service.data / "results" / "acme" / "sub").exists()
    assert not (service.data / "x.csv").exists() and not (service.data / "inbox" / "acme" / "passwd").exists()
    assert not (tmp_path / "passwd").exists() and not (tmp_path / "hostname").exists()
    assert not (tmp_path / "authorized_keys").exists()


def test_paramiko_upload_as_filepart_then_rename_is_one_job(service: SftpService):
    with paramiko_session(service.port, "beta", service.beta.key) as (_, client):
        # When beta uploads under a temporary name, as WinSCP does, and renames it
        client.put(str(EXAMPLE_FILE), "/inbox/renamed.csv.filepart")
        client.rename("/inbox/renamed.csv.filepart", "/inbox/renamed.csv")

        # Then its results appear, with the seed claim on the first line
        wait_until(lambda: _listed(client, "/results", "renamed.results.csv"), 60, "the results", interval=0.5)
        with client.open("/results/renamed.results.csv") as handle:
            lines = handle.read().decode().splitlines()
        assert lines[1].startswith(SEED_LINE)

        # and, picked up, the file can no longer be deleted or renamed
        with pytest.raises(PermissionError, match="picked up already"):
            client.remove("/inbox/renamed.csv")
        with pytest.raises(PermissionError, match="picked up already"):
            client.posix_rename("/inbox/renamed.csv", "/inbox/other.csv")
        # nor can anything in /results be changed
        with pytest.raises(PermissionError, match="read-only"):
            client.remove("/results/renamed.results.csv")
        with pytest.raises(PermissionError):
            client.open("/results/renamed.results.csv", "wb")

    # The temporary name never was a job; the renamed file was, once
    keys = [job["key"] for job in service.jobs.rows() if str(job["key"]).startswith("inbox/beta/renamed")]
    assert keys == ["inbox/beta/renamed.csv"]


def test_a_file_not_picked_up_yet_can_be_deleted(service: SftpService):
    with paramiko_session(service.port, "beta", service.beta.key) as (_, client):
        client.putfo(io.BytesIO(claims_csv(1).encode()), "/inbox/oops.csv.part")
        client.remove("/inbox/oops.csv.part")
        assert "oops.csv.part" not in client.listdir("/inbox")


def test_a_tenant_cannot_read_another_tenants_files(service: SftpService):
    with paramiko_session(service.port, "acme", service.acme.key) as (_, acme):
        acme.putfo(io.BytesIO(claims_csv(2).encode()), "/inbox/acme-only.csv.part")
    with paramiko_session(service.port, "beta", service.beta.key) as (_, beta):
        assert "acme-only.csv.part" not in beta.listdir("/inbox")
        assert sorted(beta.listdir("/")) == ["inbox", "results"]
        for path in (
            "/inbox/acme-only.csv.part",
            "/inbox/../../inbox/acme/acme-only.csv.part",
            "../inbox/acme/acme-only.csv.part",
            "/results/claims.results.csv",
        ):
            with pytest.raises(OSError):
                beta.open(path).read()
        with pytest.raises(OSError):
            beta.listdir("/inbox/../../inbox/acme")
    assert (service.data / "inbox" / "acme" / "acme-only.csv.part").exists()


def test_an_upload_cut_off_by_paramiko_makes_no_file_and_no_job(service: SftpService):
    block = claims_csv(1000).encode()
    with paramiko_session(service.port, "beta", service.beta.key) as (transport, client):
        handle = client.open("/inbox/cut.csv", "wb")
        for _ in range(16):
            handle.write(block)
        handle.flush()
        # Then, while the file is being written, it is only in the staging folder
        wait_until(service.staged, 10, "the upload to be staged")
        assert not (service.data / "inbox" / "beta" / "cut.csv").exists()
        transport.close()  # the connection ends before the file is closed

    wait_until(lambda: not service.staged(), 10, "the staged upload to be removed")
    assert not (service.data / "inbox" / "beta" / "cut.csv").exists()
    assert service.jobs.for_key("inbox/beta/cut.csv") == []


def test_an_openssh_upload_killed_half_way_makes_no_file_and_no_job(service: SftpService, tmp_path: Path):
    # A big file, sent slowly (sftp -l: 8 Mbit/s) so that it is killed half-way
    big = tmp_path / "big.csv"
    with big.open("wb") as out:
        out.write(claims_csv(1).encode())
        out.write(os.urandom(64 * 1024 * 1024))
    batch = tmp_path / "put.txt"
    batch.write_text(f"put {big} /inbox/big.csv\n")
    command = openssh_command(service.port, "acme", service.acme.key, "-l", "8000", "-b", str(batch))
    client = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        # The data reaches the disk as it arrives (a staged file that grows), never the inbox
        staged = wait_until(service.staged, 20, "the upload to be staged")
        wait_until(lambda: staged[0].exists() and staged[0].stat().st_size > 1024 * 1024, 20, "a megabyte on disk")
        assert not (service.data / "inbox" / "acme" / "big.csv").exists()
    finally:
        os.killpg(client.pid, signal.SIGKILL)  # sftp and its ssh process, as a crash would
        client.wait(10)

    wait_until(lambda: not service.staged(), 10, "the staged upload to be removed")
    assert not (service.data / "inbox" / "acme" / "big.csv").exists()
    assert service.jobs.for_key("inbox/acme/big.csv") == []


def test_a_wrong_key_or_an_unknown_user_is_refused(service: SftpService, tmp_path: Path):
    stranger = make_key(tmp_path, "stranger")

    wrong_key = openssh_batch(service.port, "acme", stranger, ["ls /"], tmp_path)
    unknown_user = openssh_batch(service.port, "nobody", service.acme.key, ["ls /"], tmp_path)
    hostile_name = openssh_batch(service.port, "../acme", service.acme.key, ["ls /"], tmp_path)

    for refused in (wrong_key, unknown_user, hostile_name):
        assert refused.returncode != 0 and "Permission denied (publickey)" in refused.stderr
    with pytest.raises(paramiko.AuthenticationException):
        with paramiko_session(service.port, "beta", stranger):
            pass
    with pytest.raises(paramiko.AuthenticationException):
        with paramiko_session(service.port, "acme", service.beta.key):
            pass
    # and the service goes on serving
    with paramiko_session(service.port, "acme", service.acme.key) as (_, client):
        assert sorted(client.listdir("/")) == ["inbox", "results"]


def test_thousands_of_tiny_uploads_and_too_many_open_files(service: SftpService):
    with paramiko_session(service.port, "beta", service.beta.key) as (_, client):
        client.mkdir("/inbox/tiny")
        for number in range(2000):
            client.putfo(io.BytesIO(b"x"), f"/inbox/tiny/{number}.part", confirm=False)
        assert len(client.listdir("/inbox/tiny")) == 2000

        for number in range(500):  # failed opens take nothing from the server-wide budget (512)
            with pytest.raises(FileNotFoundError):
                client.open(f"/inbox/tiny/missing-{number}.csv")
        opened = [client.open(f"/inbox/tiny/open-{number}.part", "wb") for number in range(64)]
        with pytest.raises(PermissionError, match="Too many files open in this session"):
            client.open("/inbox/tiny/one-too-many.part", "wb")
        for handle in opened:
            handle.close()
        client.putfo(io.BytesIO(b"y"), "/inbox/tiny/after.part")
    assert len(list((service.data / "inbox" / "beta" / "tiny").iterdir())) == 2000 + 64 + 1
    assert service.staged() == []
    assert service.jobs.rows() is not None and service.serve.process.poll() is None


def test_a_taken_sftp_port_is_one_clear_error(service: SftpService, tmp_path: Path):
    rival = claimbatch("serve", "--data-dir", tmp_path / "other", "--sftp-port", service.port, timeout=60)

    assert rival.code == 1
    assert rival.lines[-1] == f"error: cannot serve SFTP on 127.0.0.1:{service.port}: Address already in use"
    assert "Traceback" not in rival.output


def test_hundreds_of_tiny_bad_files_each_fail_their_own_job_with_one_clear_error(service: SftpService):
    count = 300
    with paramiko_session(service.port, "beta", service.beta.key) as (_, client):
        client.mkdir("/inbox/bad")
        for number in range(count):
            client.putfo(io.BytesIO(b"x"), f"/inbox/bad/{number}.csv", confirm=False)

    def all_failed() -> list[dict[str, object]]:
        jobs = [job for job in service.jobs.rows() if str(job["key"]).startswith("inbox/beta/bad/")]
        return jobs if len(jobs) == count and all(job["state"] == "FAILED" for job in jobs) else []

    wait_until(all_failed, 600, "every tiny file's job to fail", interval=0.5)

    # A failed job's summary is written just after its state moves, so give the last ones a moment.
    def summaries() -> list[str]:
        with paramiko_session(service.port, "beta", service.beta.key) as (_, client):
            names = [name for name in client.listdir("/results/bad") if name.endswith(".summary.json")]
        return names if len(names) == count else []

    assert len(wait_until(summaries, 120, "every failed job's summary", interval=1.0)) == count
    with paramiko_session(service.port, "beta", service.beta.key) as (_, client):
        with client.open("/results/bad/0.summary.json") as handle:
            error = json.loads(handle.read())["error"]
    assert error.startswith("missing required columns: claim_number") and "\n" not in error
    assert service.serve.process.poll() is None


def test_only_sftp_is_served_no_command_or_shell(service: SftpService, tmp_path: Path):
    marker = tmp_path / "ran"
    ssh = ["ssh", "-p", str(service.port), *openssh_options(service.acme.key), "acme@127.0.0.1"]

    command = subprocess.run([*ssh, f"touch {marker}"], capture_output=True, text=True, timeout=60, check=False)
    shell = subprocess.run([*ssh, "-tt"], input="", capture_output=True, text=True, timeout=60, check=False)

    assert command.returncode != 0 and "exec request failed" in command.stderr
    assert shell.returncode != 0 and "shell request failed" in shell.stderr
    assert not marker.exists()
