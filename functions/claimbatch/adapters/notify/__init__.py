"""Senders of notifications that both runtimes use: signed webhooks over HTTP, email over SMTP."""
