"""The sync's store journey on both stores (DuckDB in process, a real PostgreSQL server):
a first sync, an unchanged one, one commune changed and one failing, its last good rows kept.
"""

from __future__ import annotations

import pandas as pd

from tests.fake_sheets import FakeSheetsServer
from tests.province.sync_support import NOW, FakeClock, commune_book
from tests.sheets import write_csv_folder
from tothu_core.province.registry import Commune, Registry
from tothu_core.province.sync import DONE, FAILED, UNCHANGED, Connections, sync_province

KEYS = {f"G{n}": f"1StoreKeyG{n}abcdefghijklmnopqrstuvwxyz012345" for n in range(1, 5)}


def test_sync_journey_on_each_store(store, tmp_path):
    clock = FakeClock()
    with FakeSheetsServer(quota_per_minute=60, clock=clock) as server:
        for code, key in KEYS.items():
            server.add_spreadsheet(key, commune_book(code))
        write_csv_folder(commune_book("C1"), tmp_path / "c1")
        registry = Registry(
            communes=[Commune(code, f"Xã {code}", f"gsheets:{key}") for code, key in KEYS.items()]
            + [Commune("C1", "Xã C1", str(tmp_path / "c1"))],
            problems=[],
            path=tmp_path / "danh-sach.csv",
        )
        connections = Connections(clock=clock, http_adapter=server.http_adapter())
        secrets = {"gcp_service_account": server.service_account_info()}

        def sync():
            return sync_province(
                registry, store, now=NOW, secrets=secrets, environ={}, connections=connections
            )

        assert [c.state for c in sync().communes] == [DONE] * 5
        server.reset_log()
        assert [c.state for c in sync().communes] == [UNCHANGED] * 5
        assert server.count("batchGet") == 0

        server.edit(KEYS["G2"], "Tổ", commune_book("G2", extra_group=True)["Tổ"])
        server.share(KEYS["G3"], None)
        states = {c.code: c.state for c in sync().communes}

    assert states == {"G1": UNCHANGED, "G2": DONE, "G3": FAILED, "G4": UNCHANGED, "C1": UNCHANGED}
    groups = store.read_table("dataset.groups")
    by_commune = groups.groupby("commune")["group_id"].apply(set)
    assert by_commune["G2"] == {"G2-T1", "G2-T2", "G2-T3", "G2-T4"}
    assert by_commune["G3"] == {"G3-T1", "G3-T2", "G3-T3"}  # the last good rows
    status = store.status().set_index("commune")
    assert "chưa được chia sẻ" in status.loc["G3", "error"]
    assert pd.isna(status.loc["G2", "error"]) or status.loc["G2", "error"] == ""
    months = store.read_table("rollup.months", ["G2"])
    assert months.loc[months["month"] == pd.Period("2016-09", "M"), "groups"].item() == 4
    assert store.dataset("G2").groups["group_id"].tolist() == ["G2-T1", "G2-T2", "G2-T3", "G2-T4"]
