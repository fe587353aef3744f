"""The local SFTP server: each tenant sees /inbox (upload) and /results (download) of the data folder."""

from claimbatch.runtime.sftp.server import RunningSftp, SftpUnavailable, inbox_jobs_of, serve_sftp

__all__ = ["RunningSftp", "SftpUnavailable", "inbox_jobs_of", "serve_sftp"]
