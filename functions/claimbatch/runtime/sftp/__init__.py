"""The local SFTP server: each tenant sees /inbox (upload) and /results (download) of the data folder."""

from claimbatch.runtime.sftp.server import RunningSftp, SftpUnavailable, picked_up_by, serve_sftp

__all__ = ["RunningSftp", "SftpUnavailable", "picked_up_by", "serve_sftp"]
