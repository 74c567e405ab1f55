"""Errors a person can act on. Each message is one line naming the file and line (or the
config key) and what is wrong; `uppfoljning` prints it as it is and exits 2."""

import re


class InputError(ValueError):
    """A delivery that cannot be read at all (not the format its source says, a required
    column missing, another encoding than configured): nothing of it can be loaded, so the
    load stops with the file and line instead of quarantining row by row."""


class ConfigError(InputError):
    """A config file that cannot be used; the message names the file and the key."""


PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check_period(value: str | None, option: str = "--through") -> str | None:
    """A month given on the command line (YYYY-MM), or one line saying what is wrong."""
    if value is not None and not PERIOD.match(value):
        raise InputError(f"{option} {value!r}: ska vara en månad som ÅÅÅÅ-MM, t.ex. 2025-08")
    return value


def literal_line(text: str, label: str = "fel:", style: str = "red", indent: str = ""):
    """A message line for the terminal (rich), printed literally: `indent`, `label` in its
    colour (none when empty), then `text` as it is. A message may hold a file name, a cell
    or a config value, so it is never read as rich markup ('[bold]', '[/]') or emoji codes
    (':x:'), and a control character in it is shown escaped, never sent to the terminal."""
    from rich.text import Text

    from pipelines.text import printable

    return Text.assemble(indent, (label, style), " " if label else "", printable(text))


def terminal(stderr: bool = False, **options):
    """A rich console that prints every string literally: a message, a table cell or a path
    may hold a file name, a cell or a config value, so nothing is read as markup ('[bold]')
    or emoji codes (':x:'); colour comes only from `literal_line` and rich's Text."""
    from rich.console import Console

    return Console(stderr=stderr, soft_wrap=True, markup=False, emoji=False,
                   highlight=False, **options)
