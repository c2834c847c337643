"""Errors a user can act on. The CLI prints their message as one line and exits with ``exit_code``."""


class ToolError(Exception):
    """A set-up problem (bad file, bad option, missing asset): message names the thing and the fix."""

    exit_code = 2


class ParityError(ToolError):
    """A prepared model disagrees with its source beyond the format's tolerance."""

    exit_code = 1
