"""The local SFTP server of `claimbatch serve --sftp-port`: asyncssh on the runtime's event loop.

    async with serve_sftp(data_dir, "127.0.0.1", 2222, inbox_jobs_of(runtime)) as sftp:
        print(sftp.port, sftp.fingerprint)
        ...   # clients are served until the block ends

SFTP only: no shell, no commands, no scp, no forwarding of ports or agents.
Algorithms are the current ones (no SHA-1, no CBC ciphers), as on the AWS
server.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh

from claimbatch.adapters.embedded.local_object_store import LOCAL_BUCKET
from claimbatch.domain.job import SourceObject, job_id_for
from claimbatch.observability import logger
from claimbatch.runtime.embedded import EmbeddedRuntime
from claimbatch.runtime.sftp.access import TenantLogins, load_host_key
from claimbatch.runtime.sftp.handles import OpenFileBudget
from claimbatch.runtime.sftp.session import TenantSftpSession
from claimbatch.runtime.sftp.tenant_files import InboxJobs, Pickup, TenantFiles
from claimbatch.runtime.sftp.uploads import prepare_staging

KEX_ALGORITHMS = (
    "mlkem768x25519-sha256",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "ecdh-sha2-nistp521",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp256",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group14-sha256",
)
CIPHERS = ("chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com", "aes128-gcm@openssh.com", "aes256-ctr", "aes128-ctr")
MACS = ("hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512")
SIGNATURES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256")
LOGIN_TIMEOUT_S = 30


class SftpUnavailable(Exception):
    """The SFTP server cannot be started as asked (the port is taken, the host key unreadable)."""


@dataclass(frozen=True)
class RunningSftp:
    host: str
    port: int
    fingerprint: str  # of the host key, as clients show it on first connection


@contextlib.asynccontextmanager
async def serve_sftp(data_dir: Path, host: str, port: int, jobs: InboxJobs) -> AsyncIterator[RunningSftp]:
    try:
        host_key = load_host_key(data_dir)
        staging = prepare_staging(data_dir)
    except (OSError, ValueError, asyncssh.KeyImportError) as error:
        raise SftpUnavailable(f"cannot prepare the SFTP server's files in {data_dir / 'sftp'}: {error}") from None
    budget = OpenFileBudget()

    def session(channel: asyncssh.SSHServerChannel) -> TenantSftpSession:
        tenant = str(channel.get_extra_info("username"))
        files = TenantFiles(data_dir, tenant, jobs)
        try:
            files.prepare()
        except OSError as error:  # the session still starts; each request then says what is wrong
            logger.warning("sftp inbox folder not made", extra={"tenant": tenant, "errno": error.errno})
        return TenantSftpSession(channel, files, staging, budget)

    try:
        server = await asyncssh.create_server(
            lambda: TenantLogins(data_dir),
            host,
            port,
            server_host_keys=[host_key],
            sftp_factory=session,
            sftp_version=3,
            allow_scp=False,
            agent_forwarding=False,
            x11_forwarding=False,
            kex_algs=list(KEX_ALGORITHMS),
            encryption_algs=list(CIPHERS),
            mac_algs=list(MACS),
            compression_algs=["none"],
            signature_algs=list(SIGNATURES),
            login_timeout=LOGIN_TIMEOUT_S,
            keepalive_interval=60,
            keepalive_count_max=3,
        )
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise SftpUnavailable(f"cannot serve SFTP on {host}:{port}: {reason}") from None
    bound = _bound_port(server, port)
    logger.info("sftp server started", extra={"port": bound})
    try:
        yield RunningSftp(host, bound, host_key.get_fingerprint())
    finally:
        server.close()
        await server.wait_closed()
        logger.info("sftp server stopped")


def inbox_jobs_of(runtime: EmbeddedRuntime) -> InboxJobs:
    """What the runtime made of this version of an inbox file: the job the watcher would make of it."""

    def pickup(key: str, version: str) -> Pickup:
        job = runtime.store.get_job(job_id_for(SourceObject(bucket=LOCAL_BUCKET, key=key, version=version)))
        if job is None:
            return Pickup.NOT_YET
        return Pickup.FINISHED if job.state.is_terminal else Pickup.RUNNING

    return pickup


def _bound_port(server: asyncssh.SSHAcceptor, asked: int) -> int:
    for sock in server.sockets:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            return int(sock.getsockname()[1])
    return asked
