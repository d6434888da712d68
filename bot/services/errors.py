"""User-facing refusals raised by services; handlers show their text as is."""

from __future__ import annotations


class VADeskError(Exception):
    """A refusal whose message is written for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(VADeskError):
    """The input could not be understood or is out of range."""


class NotFound(VADeskError):
    """The thing named does not exist (in this workspace)."""


class PermissionDenied(VADeskError):
    """The user's role does not allow this."""


class AlreadyDone(VADeskError):
    """The action already happened; the message says what happened."""


class FieldErrors(VADeskError):
    """Modal validation errors keyed by field (block id)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class Locked(VADeskError):
    """The change would alter time an open invoice bills; the message names the invoice."""
