"""What a management command's options may be: every value checked, with its bounds, before the
command does anything (issue #14).

Each function here (or the function it returns) is an argparse ``type=``. A bad value raises
``argparse.ArgumentTypeError``, which Django's parser turns into ``error: argument --x: …`` and
exit status 2 on the command line; a command with ``UsageErrorMixin`` raises a ``CommandError``
with that text and ``returncode`` 2 under ``call_command`` too. A valid value comes back as the
commands took it before. ``check`` applies one of them where a ``type=`` cannot: an argument whose
meaning depends on another, or a setting that stands in for an option left out.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.core.validators import MaxValueValidator, MinValueValidator

# The days a command evaluates, plans or refreshes at: the range the lifecycle summary API takes
# (lifecycle.forms.SummaryForm); a plan, a horizon or a service life counted from the last one
# stays far from the year 9999 that Python's dates end at.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(9000, 12, 31)
DAYS = f"{FIRST_DAY} … {LAST_DAY}"  # for help texts
STANDARD_STREAM = "-"  # a file argument that means standard output (or input)
SHOWN = 40  # characters of a bad value quoted in a message


class UsageErrorMixin:
    """For a ``BaseCommand``: an argument argparse refuses is bad usage, exit status 2, under
    ``call_command`` as on the command line (Django's parser raises a ``CommandError`` with the
    default 1 there), the same status the commands give the usage errors they find themselves."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        refuse = parser.error  # exits 2 on the command line; raises CommandError under call_command

        def error(message):
            try:
                refuse(message)
            except CommandError as e:
                e.returncode = 2
                raise

        parser.error = error
        return parser


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN else text[:SHOWN] + "…"


def _quoted(text: str) -> str:
    return repr(_cut(text))


def bounded_int(low: int, high: int, unit: str = "") -> Callable[[str], int]:
    """A whole number from ``low`` to ``high``, both included (``unit`` names what it counts)."""
    suffix = f" {unit}" if unit else ""

    def whole_number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:  # also a number of thousands of digits (Python's limit)
            raise argparse.ArgumentTypeError(f"{_quoted(text)} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{_cut(str(value))} is not between {low} and {high}{suffix}")
        return value

    return whole_number


port = bounded_int(1, 65535)


def field_bounds(field) -> tuple[int, int]:
    """The tightest limits the MinValueValidator and MaxValueValidator of a form or model field
    set: the option takes what the web form and the API take, from the same declaration."""
    lows = [v.limit_value for v in field.validators if isinstance(v, MinValueValidator)]
    highs = [v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)]
    return max(lows), min(highs)


def day(text: str) -> dt.date:
    """A date as YYYY-MM-DD, from FIRST_DAY to LAST_DAY."""
    try:
        value = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{_quoted(text)} is not a date (YYYY-MM-DD)") from None
    if not FIRST_DAY <= value <= LAST_DAY:
        raise argparse.ArgumentTypeError(f"{value} is outside {DAYS}")
    return value


def largest_amount(field) -> Decimal:
    """The largest amount a DecimalField (form or model) holds: 14 digits, 2 after the point give
    999999999999.99."""
    return Decimal(10) ** (field.max_digits - field.decimal_places) - Decimal(10) ** -field.decimal_places


def amount(maximum: Decimal) -> Callable[[str], Decimal]:
    """An amount in CHF from 0 to ``maximum``, thousands marked as people write them (1'250.50,
    1’250.50, 1_250.50); never nan or infinity."""

    def chf(text: str) -> Decimal:
        try:
            value = Decimal(text.replace("'", "").replace("’", "").replace("_", ""))
        except InvalidOperation:
            raise argparse.ArgumentTypeError(f"{_quoted(text)} is not an amount in CHF") from None
        if not value.is_finite():
            raise argparse.ArgumentTypeError(f"{_quoted(text)} is not an amount in CHF (not a finite number)")
        if value < 0:
            raise argparse.ArgumentTypeError(f"{_quoted(text)}: an amount cannot be negative")
        if value > maximum:
            raise argparse.ArgumentTypeError(f"{_cut(text)} is more than CHF {maximum}")
        return value

    return chf


def field_text(field) -> Callable[[str], str]:
    """A text the model field takes (its length and its validators, as the admin's and the API's
    forms check it); empty passes: the option left out."""

    def text(value: str) -> str:
        if value:
            try:
                field.run_validators(value)
            except ValidationError as e:
                raise argparse.ArgumentTypeError(" ".join(e.messages)) from None
        return value

    return text


def readable_file(text: str) -> str:
    """An existing file (not a folder) this process may read."""
    path = Path(text)
    if not text:
        raise argparse.ArgumentTypeError("'' is not a file name")
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such file")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: is a folder, not a file")
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"{text}: no permission to read it")
    return text


def input_file(text: str) -> str:
    """A file to read as ``readable_file``, or ``-``: standard input."""
    return text if text == STANDARD_STREAM else readable_file(text)


def output_file(text: str) -> str:
    """A file to write (``-``: standard output), in a folder that exists and this process may write
    in. Write it with ``whole_file``."""
    if text == STANDARD_STREAM:
        return text
    if not text:
        raise argparse.ArgumentTypeError("'' is not a file name")
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: is a folder, not a file")
    folder = path.parent
    if not folder.exists():
        raise argparse.ArgumentTypeError(f"{text}: no folder {folder}")
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{text}: no permission to write in {folder}")
    return text


def readable_folder(text: str) -> str:
    """An existing folder this process may read."""
    if not text:
        raise argparse.ArgumentTypeError("'' is not a folder name")
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such folder")
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: is a file, not a folder")
    if not os.access(path, os.R_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{text}: no permission to read it")
    return text


def folder(text: str) -> str:
    """A folder, or a path where one can be made: neither it nor the nearest part of it that
    exists is a file."""
    if not text:
        raise argparse.ArgumentTypeError("'' is not a folder name")
    path = Path(text)
    existing = next(p for p in (path, *path.absolute().parents) if p.exists())
    if not existing.is_dir():
        where = "" if existing == path else f" {existing}"
        raise argparse.ArgumentTypeError(f"{text}:{where} is a file, not a folder")
    return text


@contextlib.contextmanager
def whole_file(path: str | os.PathLike) -> Iterator[Path]:
    """A file beside ``path`` to write, put under its name only when the block ends without an
    error: a failed export never leaves half a file under the real name, nor its part file."""
    path = Path(path)
    part = path.with_name(f".{path.name}.part")
    try:
        yield part
        part.replace(path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def check(parse: Callable[[str], object], value: str, option: str = ""):
    """``parse(value)``, a bad value as a ``CommandError`` (exit status 2) naming ``option`` (a
    file names itself: leave it out)."""
    try:
        return parse(value)
    except argparse.ArgumentTypeError as e:
        raise CommandError(f"{option}: {e}" if option else str(e), returncode=2) from None
