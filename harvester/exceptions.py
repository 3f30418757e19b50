"""Errors a user can fix, each carrying the one line that says how."""

from __future__ import annotations


class HarvestError(Exception):
    """Base of user-facing errors: the message is shown as is, on one line."""


class ArgumentError(HarvestError):
    """A spider argument is missing, unknown or malformed."""


class ConfigurationError(HarvestError):
    """A setting or credential is wrong or missing."""
