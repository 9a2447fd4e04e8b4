"""Django's ``makemessages``, also extracting ``N_("…")``.

``N_`` is ``gettext_noop`` under a short name (lifecycle/exports.py): labels marked where they are
defined and translated where they are shown, in the language of the download. xgettext knows
``gettext_noop`` but not the alias, so without this the catalogue lost those labels on every run
(``--no-obsolete``) and the German workbook kept English headers."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]
