"""Who may open which page and write what (enforced on the server, not by hiding widgets)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import contract
from .dataset import Dataset

OVERVIEW = "overview"
ASSIGNMENT_MAP = "assignment_map"
MEETINGS = "meetings"
REPORTS = "reports"
ENTRY_FORM = "entry_form"
MY_HISTORY = "my_history"
MONTHLY_REPORT = "monthly_report"
MONTH_LOCK = "month_lock"
DATA_CHECK = "data_check"
SETTINGS = "settings"

_LEADER_PAGES = (OVERVIEW, ASSIGNMENT_MAP, MEETINGS, REPORTS, MONTHLY_REPORT, ENTRY_FORM,
                 MY_HISTORY, MONTH_LOCK)
PAGES_BY_ROLE: dict[str, tuple[str, ...]] = {
    contract.ROLE_CADRE: (OVERVIEW, ENTRY_FORM, MY_HISTORY),
    contract.ROLE_LEADER: _LEADER_PAGES,
    contract.ROLE_ADMIN: _LEADER_PAGES + (DATA_CHECK, SETTINGS),
}


@dataclass(frozen=True)
class Viewer:
    """The signed-in person as the sheet knows them."""

    name: str
    cadre_id: str
    role: str
    via: str

    @property
    def pages(self) -> tuple[str, ...]:
        return PAGES_BY_ROLE.get(self.role, PAGES_BY_ROLE[contract.ROLE_CADRE])

    @property
    def sees_everything(self) -> bool:
        """Leadership and admins see every hamlet and cadre; a cadre only their own."""
        return self.role in (contract.ROLE_LEADER, contract.ROLE_ADMIN)

    @property
    def may_export(self) -> bool:
        return self.sees_everything

    @property
    def may_reopen_months(self) -> bool:
        return self.sees_everything


def _viewer(row: pd.Series, via: str) -> Viewer:
    return Viewer(name=row["name"], cadre_id=row["cadre_id"], role=row["role"], via=via)


def viewer_for_email(ds: Dataset, email: str | None, *, via: str = "google") -> Viewer | None:
    """Match a signed-in e-mail to the `Email` column, ignoring case and spaces."""
    if not email:
        return None
    match = ds.cadres[ds.cadres["email"].str.strip().str.lower() == email.strip().lower()]
    return _viewer(match.iloc[0], via) if len(match) else None


def viewer_for_cadre(ds: Dataset, cadre_id: str | None, *, via: str) -> Viewer | None:
    match = ds.cadres[ds.cadres["cadre_id"] == cadre_id]
    return _viewer(match.iloc[0], via) if len(match) else None
