"""Errors a person can act on. Each message is one line naming the file and line (or the
config key) and what is wrong; `uppfoljning` prints it as it is and exits 2."""


class InputError(ValueError):
    """A delivery that cannot be read at all (not the format its source says, a required
    column missing, another encoding than configured): nothing of it can be loaded, so the
    load stops with the file and line instead of quarantining row by row."""
