"""Words for the codes of ``lifecycle.rules``, in the active language — only where people read
them (pages, the asset page, workbooks). Machines get the codes; nothing parses these back."""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lifecycle import rules
from lifecycle.choices import StartSource, SupportMilestone


def replacement_reason(basis: str, out_of_support: str, life_years: int | None, start_source: str) -> str:
    """Why the replace-by date is what it is, e.g. "out of support (last date of support)" or
    "service life of 8 years from purchase date"."""
    if basis == rules.BASIS_SUPPORT:
        milestone = (
            SupportMilestone(out_of_support).label if out_of_support in SupportMilestone.values else ""
        )
        words = str(milestone)
        # "Last date of support" -> "last date of support"; German nouns keep their capitals
        return _("out of support (%(milestone)s)") % {"milestone": words[:1].lower() + words[1:]}
    if basis == rules.BASIS_SERVICE_LIFE:
        start = StartSource(start_source).label if start_source in StartSource.values else ""
        return ngettext(
            "service life of %(years)d year from %(start)s",
            "service life of %(years)d years from %(start)s",
            int(life_years or 0),
        ) % {"years": int(life_years or 0), "start": start}
    return _("no dates")


def reasons(frame: pd.DataFrame) -> pd.Series:
    """``replacement_reason`` for every row of a frame of answers (each distinct reason worded
    once)."""
    keys = ["replacement_basis", "out_of_support", "service_life_years", "start_source"]
    if not len(frame):
        return pd.Series([], dtype=object, index=frame.index)
    parts = frame[keys].astype(object).where(frame[keys].notna(), None)
    tuples = list(parts.itertuples(index=False, name=None))
    words = {key: replacement_reason(*key) for key in set(tuples)}
    return pd.Series(np.array([words[t] for t in tuples], dtype=object), index=frame.index)


def reason_of(evaluation) -> str:
    """``replacement_reason`` of a ``rules.Evaluation`` (the asset page, the admin)."""
    e = evaluation
    return replacement_reason(e.basis, e.out_of_support, e.life_years, e.start_source)
