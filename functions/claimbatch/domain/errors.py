"""Errors of the domain that reach a user as one clear sentence."""


class InputFileError(Exception):
    """A file-level error (docs/input-files.md): the job fails with this message.

    The message is written for the user and never contains row values.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
