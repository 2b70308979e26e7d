"""The province sync against the fake Sheets server serving ten communes at once, plus a CSV
folder and a workbook commune: unchanged sheets are not read, a changed one is, a failing
one keeps its last good data and shows why, requests stay under the quota, 429s are waited
out. The store is the real one (DuckDB here; both stores in test_sync_stores.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.fake_sheets import FakeSheetsServer
from tests.province.sync_support import NOW, FakeClock, commune_book
from tests.sheets import write_csv_folder, write_xlsx
from tothu_core.errors import ConfigError
from tothu_core.province import sync as sync_module
from tothu_core.province.registry import Commune, Registry
from tothu_core.province.sync import (
    DONE,
    FAILED,
    READING,
    UNCHANGED,
    WAITING,
    Connections,
    requests_per_minute,
    sync_province,
)
from tothu_core.sheet.sources import gsheets
from tothu_core.sheet.sources.csvdir import CsvFolderSource
from tothu_core.sheet.sources.workbook import WorkbookSource

GOOGLE = [f"X{n:02d}" for n in range(1, 11)]
SHEETS_KINDS = ("metadata", "batchGet", "get", "append")


def key_of(code: str) -> str:
    return f"1Key{code}abcdefghijklmnopqrstuvwxyz0123456789"


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def server(clock):
    """Google's limits: 60 read requests a minute per user; Drive's own limit far above."""
    with FakeSheetsServer(quota_per_minute=60, drive_quota_per_minute=600, clock=clock) as fake:
        for code in GOOGLE:
            fake.add_spreadsheet(key_of(code), commune_book(code), title=f"Xã {code}")
        yield fake


@pytest.fixture
def province(tmp_path, server):
    """Ten Google Sheets, one CSV folder, one workbook (relative to the registry file)."""
    write_csv_folder(commune_book("C01"), tmp_path / "xa-c01")
    write_xlsx(commune_book("W01"), tmp_path / "xa-w01.xlsx")
    communes = [Commune(code, f"Xã {code}", f"gsheets:{key_of(code)}") for code in GOOGLE]
    communes += [Commune("C01", "Xã C01", "xa-c01"), Commune("W01", "Xã W01", "xa-w01.xlsx")]
    return Registry(communes=communes, problems=[], path=tmp_path / "danh-sach-xa.csv")


@pytest.fixture
def secrets(server):
    return {"gcp_service_account": server.service_account_info()}


@pytest.fixture
def connections(server, clock):
    return Connections(clock=clock, http_adapter=server.http_adapter())


@pytest.fixture
def store(tmp_path):
    from tothu_core.province.store import open_store

    return open_store(None, tmp_path / "kho")


def no_error(value) -> bool:
    return pd.isna(value) or value == ""


def run(province, store, secrets, connections, **options):
    return sync_province(
        province, store, now=NOW, secrets=secrets, environ={}, connections=connections, **options
    )


def groups_of(store, code: str) -> set[str]:
    return set(store.read_table("dataset.groups", [code])["group_id"])


def sheets_requests(server) -> int:
    return sum(server.count(kind) for kind in SHEETS_KINDS)


def test_first_sync_reads_and_stores_every_commune(province, store, secrets, connections, server):
    report = run(province, store, secrets, connections)

    assert [c.state for c in report.communes] == [DONE] * 12, report.summary()
    assert report.ok and report.summary() == "Đồng bộ 12 xã: 12 đọc lại, 0 không đổi, 0 lỗi."
    assert server.count("batchGet") == 10 and server.count("driveGet") == 10
    assert server.count("metadata") == 10
    groups = store.read_table("dataset.groups")
    assert set(groups["commune"]) == {*GOOGLE, "C01", "W01"}
    assert groups_of(store, "X03") == {"X03-T1", "X03-T2", "X03-T3"}
    months = store.read_table("rollup.months", ["W01"])
    assert months["groups"].max() == 3
    version = store.version("X01")
    assert version is not None and server.modified_time(key_of("X01")) in version


def test_unchanged_communes_are_not_read_again(province, store, secrets, connections, server):
    run(province, store, secrets, connections)
    server.reset_log()

    report = run(province, store, secrets, connections)

    assert [c.state for c in report.communes] == [UNCHANGED] * 12
    assert sheets_requests(server) == 0  # not one cell read
    assert server.count("driveGet") == 10  # one version check per Google commune
    assert report.summary() == "Đồng bộ 12 xã: 0 đọc lại, 12 không đổi, 0 lỗi."


def test_a_changed_commune_is_read_again(province, store, secrets, connections, server, tmp_path):
    run(province, store, secrets, connections)
    server.reset_log()
    server.edit(key_of("X04"), "Tổ", commune_book("X04", extra_group=True)["Tổ"])
    write_csv_folder(commune_book("C01", extra_group=True), tmp_path / "xa-c01")

    report = run(province, store, secrets, connections)

    states = {c.code: c.state for c in report.communes}
    assert states.pop("X04") == DONE and states.pop("C01") == DONE
    assert set(states.values()) == {UNCHANGED}
    assert server.count("batchGet") == 1
    assert server.count("metadata") == 0  # the tab list is kept from the first sync
    assert "X04-T4" in groups_of(store, "X04") and "C01-T4" in groups_of(store, "C01")
    assert "X05-T4" not in groups_of(store, "X05")


def test_force_reads_every_commune(province, store, secrets, connections, server):
    run(province, store, secrets, connections)
    server.reset_log()

    report = run(province, store, secrets, connections, force=True)

    assert [c.state for c in report.communes] == [DONE] * 12
    assert server.count("batchGet") == 10


def test_a_failing_commune_keeps_its_last_good_data(
    province, store, secrets, connections, server, tmp_path
):
    run(province, store, secrets, connections)
    server.edit(key_of("X02"), "Tổ", commune_book("X02", extra_group=True)["Tổ"])
    server.share(key_of("X02"), None)  # someone removed the service account's access
    (tmp_path / "xa-w01.xlsx").write_bytes(b"not a workbook")

    report = run(province, store, secrets, connections)

    failed = {c.code: c for c in report.failed}
    assert set(failed) == {"X02", "W01"}
    assert "chưa được chia sẻ cho tài khoản dịch vụ" in failed["X02"].error
    assert failed["X02"].line.startswith("X02 Xã X02: lỗi: Bảng tính chưa được chia sẻ")
    assert "xa-w01.xlsx" in failed["W01"].error
    assert not report.ok
    # the last good rows are still there, and the error is recorded beside them
    assert groups_of(store, "X02") == {"X02-T1", "X02-T2", "X02-T3"}
    assert groups_of(store, "W01") == {"W01-T1", "W01-T2", "W01-T3"}
    status = store.status().set_index("commune")
    assert "chưa được chia sẻ" in status.loc["X02", "error"]
    assert not pd.isna(status.loc["X02", "last_success"])
    assert no_error(status.loc["X03", "error"])

    server.share(key_of("X02"), "writer")
    again = run(province, store, secrets, connections)
    assert {c.code: c.state for c in again.communes}["X02"] == DONE
    assert "X02-T4" in groups_of(store, "X02")
    assert no_error(store.status().set_index("commune").loc["X02", "error"])


def test_a_commune_that_recovers_unchanged_no_longer_shows_its_error(
    province, store, secrets, connections, server, tmp_path
):
    """Access removed then given back, a folder moved away then back: the sheet itself never
    changed (same modifiedTime, same mtimes), yet the old error must not stay on show."""
    run(province, store, secrets, connections)
    server.share(key_of("X02"), None)
    (tmp_path / "xa-c01").rename(tmp_path / "xa-c01.cu")
    failed = run(province, store, secrets, connections)
    assert {c.code for c in failed.failed} == {"X02", "C01"}

    server.share(key_of("X02"), "reader")
    (tmp_path / "xa-c01.cu").rename(tmp_path / "xa-c01")
    report = run(province, store, secrets, connections)

    assert report.ok, [c.line for c in report.failed]
    status = store.status().set_index("commune")
    assert no_error(status.loc["X02", "error"]) and no_error(status.loc["C01", "error"])
    states = {c.code: c.state for c in report.communes}
    assert states["X02"] == DONE and states["C01"] == DONE
    assert states["X03"] == UNCHANGED


def test_a_sheet_whose_tabs_cannot_be_read_keeps_the_last_good_data(
    province, store, secrets, connections, server, tmp_path
):
    """A tab renamed, a header row overwritten: the read finds only errors, and storing it
    would wipe the commune's groups and meetings from the province view."""
    import openpyxl

    run(province, store, secrets, connections)
    book = commune_book("X06")
    book["Sinh hoat cu"] = book.pop("Sinh hoạt")
    server.add_spreadsheet(key_of("X06"), book, title="Xã X06")
    damaged = openpyxl.Workbook()
    damaged.active.title = "Tổ"
    damaged.active.append(["Ghi chép linh tinh"])
    damaged.save(tmp_path / "xa-w01.xlsx")

    report = run(province, store, secrets, connections)

    failed = {c.code: c for c in report.failed}
    assert set(failed) == {"X06", "W01"}
    assert "«Sinh hoạt»" in failed["X06"].error and "chưa bị thay" in failed["X06"].error
    assert "«Ấp»" in failed["W01"].error
    assert len(store.read_table("dataset.meetings", ["X06"])) == 3
    assert groups_of(store, "W01") == {"W01-T1", "W01-T2", "W01-T3"}
    assert "«Sinh hoạt»" in store.status().set_index("commune").loc["X06", "error"]
    assert not len(store.problems("X06"))  # the last good read's problems: none


def test_requests_stay_under_the_quota(province, store, secrets, server, clock):
    """A small pace (12 a minute) over 10 sheets: 20 Sheets requests can only fit in two
    minutes; no 60-second window holds more than 12 and Google never answers 429."""
    paced = Connections(requests_per_minute=12, clock=clock, http_adapter=server.http_adapter())
    started = clock.time()

    report = run(province, store, secrets, paced)

    assert report.ok
    arrivals = sorted(r.at for r in server.requests() if r.kind in SHEETS_KINDS)
    assert len(arrivals) == 20
    assert max(sum(1 for t in arrivals if start <= t < start + 60) for start in arrivals) <= 12
    assert clock.time() - started >= 60  # it waited (on the fake clock) rather than burst
    assert not [r for r in server.requests() if r.status == 429]
    assert paced.sent()[sync_module.SHEETS_HOST] == 20


def test_default_pace_is_fifty_a_minute(province, store, secrets, server, clock):
    paced = Connections(clock=clock, http_adapter=server.http_adapter())
    for code in [f"Y{n:02d}" for n in range(1, 31)]:
        server.add_spreadsheet(key_of(code), commune_book(code))
        province.communes.append(Commune(code, f"Xã {code}", f"gsheets:{key_of(code)}"))

    run(province, store, secrets, paced)

    arrivals = sorted(r.at for r in server.requests() if r.kind in SHEETS_KINDS)
    assert len(arrivals) == 80
    assert max(sum(1 for t in arrivals if start <= t < start + 60) for start in arrivals) == 50


def test_quota_answers_are_waited_out(province, store, secrets, server, clock):
    """Another program spends the same key's quota: Google answers 429 (and Drive 403
    userRateLimitExceeded); the sync waits into the next minute and finishes every commune."""
    server.quota_per_minute = 5
    server.drive_quota_per_minute = 1
    server.fail_next("batchGet", status=429, times=2)
    unpaced = Connections(requests_per_minute=1000, clock=clock, http_adapter=server.http_adapter())

    report = run(province, store, secrets, unpaced)

    assert [c.state for c in report.communes] == [DONE] * 12, [c.line for c in report.failed]
    refused = [r for r in server.requests() if r.status in (403, 429)]
    assert {r.kind for r in refused} >= {"batchGet", "driveGet"}
    assert {r.status for r in refused if r.kind == "driveGet"} == {403}
    assert len(store.read_table("dataset.groups", GOOGLE)) == 30


def test_a_read_that_gives_up_is_tried_again_at_the_end(
    province, store, secrets, connections, server
):
    server.fail_next("batchGet", status=503, times=5)  # X01's five attempts all fail

    seen = []
    report = run(province, store, secrets, connections, progress=seen.append)

    first = report.communes[0]
    assert first.state == DONE and "đã thử lại cuối lượt" in first.note
    assert "máy chủ Google đang gặp lỗi" in first.note
    x01 = [r.communes[0].state for r in seen]
    assert FAILED in x01 and x01[-1] == DONE
    assert server.count("batchGet") == 5 + 10


def test_progress_shows_each_commune_as_it_goes(province, store, secrets, connections, server):
    server.share(key_of("X05"), None)
    seen = []

    run(province, store, secrets, connections, progress=seen.append)

    assert [c.state for c in seen[0].communes] == [WAITING] * 12
    x01 = [r.communes[0].state for r in seen]
    assert x01[:3] == [WAITING, READING, DONE]
    assert seen[-1].finished is not None
    x05 = seen[-1].communes[4]
    assert x05.state == FAILED and x05.at is not None and "chia sẻ" in x05.error
    frame = seen[-1].as_frame()
    assert list(frame.columns) == ["Mã xã", "Tên xã", "Trạng thái", "Lúc", "Lỗi", "Ghi chú"]
    assert frame.loc[4, "Trạng thái"] == "lỗi"


def test_without_a_drive_scope_the_sheet_is_read_every_time(
    province, store, secrets, connections, server, monkeypatch
):
    """A key whose token lacks the Drive scope: Drive refuses files.get, so the version is
    unknown; the commune is read (and says why) instead of being skipped or failing."""
    monkeypatch.setattr(gsheets, "SCOPES", ("https://www.googleapis.com/auth/spreadsheets",))
    run(province, store, secrets, connections)
    server.reset_log()

    report = run(province, store, secrets, connections)

    x01 = report.communes[0]
    assert x01.state == DONE and "Chưa biết bảng có đổi không" in x01.note
    assert server.count("batchGet") == 10
    assert {r.status for r in server.requests("driveGet")} == {403}


def test_versions_of_local_sources_follow_their_files(tmp_path):
    folder = write_csv_folder(commune_book("C09"), tmp_path / "csv")
    csv_source = CsvFolderSource(folder)
    first = csv_source.version()
    assert first is not None and csv_source.version() == first
    write_csv_folder(commune_book("C09", extra_group=True), folder)
    assert csv_source.version() != first
    second = csv_source.version()
    (folder / "Ghi chú.csv").write_text("a\n", encoding="utf-8")
    assert csv_source.version() != second
    assert CsvFolderSource(tmp_path / "none").version() is None

    path = write_xlsx(commune_book("W09"), tmp_path / "w.xlsx")
    workbook = WorkbookSource(path)
    before = workbook.version()
    assert before is not None and workbook.version() == before
    write_xlsx(commune_book("W09", extra_group=True), path)
    assert workbook.version() != before
    assert WorkbookSource(tmp_path / "none.xlsx").version() is None


def test_google_version_is_drive_modified_time(server, secrets, clock):
    source = gsheets.GoogleSheetSource(
        key_of("X01"),
        credentials_info=secrets["gcp_service_account"],
        http_adapter=server.http_adapter(),
        clock=clock,
    )
    first = source.version()
    assert first == server.modified_time(key_of("X01"))
    assert first.endswith("Z") and first[10] == "T"
    request = server.requests("driveGet")[0]
    assert request.param("fields") == "modifiedTime"
    source.read_raw()
    assert source.version() == first  # reading changes nothing
    server.edit(key_of("X01"), "Tổ", commune_book("X01", extra_group=True)["Tổ"])
    assert source.version() > first


def test_requests_per_minute_from_secrets():
    assert requests_per_minute(None) == 50
    assert requests_per_minute({"store": {"requests_per_minute": 30}}) == 30
    assert requests_per_minute({"store": {"url": "postgresql://x"}}) == 50
    for bad in (0, -5, "nhanh", 2.5, True):
        with pytest.raises(ConfigError, match="requests_per_minute"):
            requests_per_minute({"store": {"requests_per_minute": bad}})


def test_a_broken_progress_display_does_not_stop_the_sync(province, store, secrets, connections):
    def broken(report):
        raise RuntimeError("the page went away")

    report = run(province, store, secrets, connections, progress=broken)

    assert report.ok and [c.state for c in report.communes] == [DONE] * 12


def test_a_source_that_cannot_be_one_fails_alone(tmp_path, store):
    (tmp_path / "bao-cao.doc").write_bytes(b"not a sheet")
    write_csv_folder(commune_book("C05"), tmp_path / "c05")
    registry = Registry(
        communes=[
            Commune("D1", "Xã D1", "bao-cao.doc"),
            Commune("D2", "Xã D2", "khong-co"),
            Commune("C05", "Xã C05", "c05"),
        ],
        problems=[],
        path=tmp_path / "danh-sach.csv",
    )

    report = sync_province(registry, store, now=NOW, environ={})

    d1, d2, c05 = report.communes
    assert d1.state == FAILED and "«" in d1.error and "không hợp lệ" in d1.error
    assert "danh sách xã" in d1.error
    assert d2.state == FAILED and d2.error.startswith("Không tìm thấy «")
    assert c05.state == DONE
    assert (
        store.version("D1") is None
        and "không hợp lệ" in store.status().set_index("commune").loc["D1", "error"]
    )


def test_a_store_another_program_holds_stops_the_run_with_a_vietnamese_sentence(
    tmp_path, monkeypatch
):
    """DuckDB lets one process open its file: one that keeps it (a DuckDB shell left open)
    must not cost every commune the whole wait twice over; the run stops, says why in
    Vietnamese, and the stored rows are whole once the file is free again."""
    import subprocess
    import sys
    import textwrap

    from tothu_core.province import store_duckdb
    from tothu_core.province.store import open_store

    codes = [f"C{n}" for n in range(1, 6)]
    for code in codes:
        write_csv_folder(commune_book(code), tmp_path / code)
    registry = Registry(
        communes=[Commune(code, f"Xã {code}", code) for code in codes],
        problems=[],
        path=tmp_path / "danh-sach.csv",
    )
    store = open_store(None, tmp_path / "kho")
    assert sync_province(registry, store, now=NOW, environ={}).ok
    for code in codes:
        write_csv_folder(commune_book(code, extra_group=True), tmp_path / code)
    monkeypatch.setattr(store_duckdb, "_BUSY_SECONDS", 0.5)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, duckdb
                con = duckdb.connect({str(store.path)!r})
                print("held", flush=True)
                sys.stdin.readline()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        connects = []
        real_connect = store_duckdb.DuckDBStore._connect
        monkeypatch.setattr(
            store_duckdb.DuckDBStore,
            "_connect",
            lambda self: connects.append(1) or real_connect(self),
        )

        report = sync_province(registry, store, now=NOW, environ={})
    finally:
        holder.communicate("\n", timeout=30)

    assert [c.state for c in report.communes] == [FAILED] * 5
    assert report.finished is not None
    first = report.communes[0].error
    assert "chương trình khác" in first and str(holder.pid) in first
    assert "IO Error" not in first
    assert all("chương trình khác" in c.error for c in report.communes[1:])
    assert len(connects) <= 4  # not three waits for every commune
    assert all(groups_of(store, code) == {f"{code}-T{n}" for n in (1, 2, 3)} for code in codes)


def test_the_fake_answers_quota_and_drive_as_google_does(clock):
    """Over the minute's quota: Google's 429 body (RESOURCE_EXHAUSTED, the read metric); the
    next minute serves again. Drive: the fields asked, 404 notFound for a sheet not shared."""
    with FakeSheetsServer(quota_per_minute=2, clock=clock) as fake:
        fake.add_spreadsheet("K1", commune_book("K1"))
        fake.add_spreadsheet("K2", commune_book("K2"), shared=False)
        session = fake.authorized_session(fake.service_account_info(), scopes=gsheets.SCOPES)
        url = "https://sheets.googleapis.com/v4/spreadsheets/K1"
        assert [session.get(url).status_code for _ in range(3)] == [200, 200, 429]
        error = session.get(url).json()["error"]
        assert error["code"] == 429 and error["status"] == "RESOURCE_EXHAUSTED"
        assert error["message"].startswith("Quota exceeded for quota metric 'Read requests'")
        clock.sleep(60)
        assert session.get(url).status_code == 200

        drive = "https://www.googleapis.com/drive/v3/files/"
        answer = session.get(drive + "K1", params={"fields": "modifiedTime,name"}).json()
        assert set(answer) == {"modifiedTime", "name"}
        assert session.get(drive + "K1").json()["mimeType"].endswith("spreadsheet")
        missing = session.get(drive + "K2", params={"fields": "modifiedTime"})
        assert missing.status_code == 404
        assert missing.json()["error"]["errors"][0]["reason"] == "notFound"
