"""The province store keeps each commune's frames exactly, swaps a commune in one transaction.

Every test runs twice, against DuckDB in process and against a real PostgreSQL server
(see conftest). Datasets are the real reader's output on the generated demo workbook and
on small hand-made sheets, so the dtypes checked are the ones the app produces.
"""

from __future__ import annotations

import datetime as dt
import itertools
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import psycopg
import pytest

from tests.sheets import meeting, small_book
from tothu_core.errors import ConfigError
from tothu_core.province import rollup, store_duckdb, store_postgres
from tothu_core.province.store import (
    DATASET_FRAMES,
    Store,
    StoreError,
    dataset_tables,
    open_store,
    store_setting,
    store_url,
)
from tothu_core.province.tablecodec import UnstorableFrame
from tothu_core.sheet.dataset import Dataset
from tothu_core.sheet.demo import generate_workbook
from tothu_core.sheet.reader import read_dataset

SYNCED = dt.datetime(2026, 11, 20, 9, 30)
ROOT = Path(__file__).resolve().parents[2]
READ_AT = dt.datetime(2026, 11, 20, 9, 29, 41, 123456)


def read(book, label="Tệp mythanh.xlsx") -> Dataset:
    return read_dataset(book, source_label=label, source_url=None, read_at=READ_AT)


@pytest.fixture(scope="module")
def demo() -> Dataset:
    """The demo commune (102 groups, 24 months of entries) as the reader gives it."""
    return read(generate_workbook(end_month="10/2026", today=dt.date(2026, 11, 20)))


@pytest.fixture(scope="module")
def flawed() -> Dataset:
    """A small sheet with problems: an unknown group, a bad date, a row without a group."""
    book = small_book(
        meetings=[
            meeting("09/2016", "T1", "CB01", "10/9/2016", 8, "x", at="12/9/2016 08:00"),
            meeting("09/2016", "T9", "CB02", "11/9/2016", 15, "x", at="12/9/2016 09:00"),
            meeting("09/2016", "T2", "CB02", "31/2/2016", 15, "x"),
            meeting("10/2016", "", "CB02", "1/10/2016", 15, "x"),
        ]
    )
    ds = read(book, label="Google Sheet Xã Phú Túc")
    assert len(ds.errors) >= 3 and len(ds.meetings) == 1
    return ds


def assert_same_dataset(back: Dataset, ds: Dataset) -> None:
    for name in DATASET_FRAMES:
        pd.testing.assert_frame_equal(getattr(back, name), getattr(ds, name), check_exact=True)
    assert back.problems == ds.problems
    assert back.layouts == ds.layouts
    assert (back.source_label, back.source_url, back.read_at) == (
        ds.source_label,
        ds.source_url,
        ds.read_at,
    )
    pd.testing.assert_frame_equal(back.latest_meetings, ds.latest_meetings)


def test_a_dataset_comes_back_exactly_as_the_reader_made_it(store: Store, demo, flawed):
    assert {str(demo.meetings[c].dtype) for c in ("month", "households_present")} == {
        "period[M]",
        "Int64",
    }
    assert isinstance(demo.meetings["topics"].iloc[0], tuple)

    store.replace_commune(
        "X001", dataset_tables(demo), demo.problems, version="v1", synced_at=SYNCED
    )
    store.replace_commune(
        "X002", dataset_tables(flawed), flawed.problems, version=None, synced_at=SYNCED
    )

    assert_same_dataset(store.dataset("X001"), demo)
    assert_same_dataset(store.dataset("X002"), flawed)
    assert store.dataset("X003") is None


def test_read_table_stacks_the_communes_with_a_commune_column_first(store, demo, flawed):
    store.replace_commune(
        "X002", dataset_tables(flawed), flawed.problems, version=None, synced_at=SYNCED
    )
    store.replace_commune(
        "X001", dataset_tables(demo), demo.problems, version="v1", synced_at=SYNCED
    )

    both = store.read_table("dataset.meetings")
    assert list(both.columns) == ["commune", *demo.meetings.columns]
    assert both["commune"].dtype == "str"
    assert both["commune"].value_counts().to_dict() == {
        "X001": len(demo.meetings),
        "X002": len(flawed.meetings),
    }
    for code, ds in (("X001", demo), ("X002", flawed)):
        part = both[both["commune"] == code].drop(columns="commune").reset_index(drop=True)
        pd.testing.assert_frame_equal(part, ds.meetings, check_exact=True)

    only = store.read_table("dataset.groups", ["X002"])
    assert set(only["commune"]) == {"X002"}
    pd.testing.assert_frame_equal(only.drop(columns="commune"), flawed.groups)


def test_replacing_one_commune_leaves_the_others_untouched(store, demo, flawed):
    store.replace_commune(
        "X001", dataset_tables(demo), demo.problems, version="v1", synced_at=SYNCED
    )
    store.replace_commune(
        "X002", dataset_tables(demo), demo.problems, version="v1", synced_at=SYNCED
    )

    store.replace_commune(
        "X002", dataset_tables(flawed), flawed.problems, version="v2", synced_at=SYNCED
    )

    assert_same_dataset(store.dataset("X001"), demo)
    assert_same_dataset(store.dataset("X002"), flawed)
    assert store.version("X001") == "v1"
    assert store.version("X002") == "v2"
    problems = store.problems()
    counts = {"X001": len(demo.problems), "X002": len(flawed.problems)}
    assert problems["commune"].value_counts().to_dict() == {k: n for k, n in counts.items() if n}
    assert list(store.problems("X002").columns) == [
        "commune",
        "severity",
        "tab",
        "row",
        "column",
        "value",
        "message",
    ]


def test_the_roll_up_frames_come_back_exactly(store, demo):
    tables = rollup.commune_tables(demo, now=SYNCED)
    assert tables, "the roll-up must give frames to store"

    store.replace_commune(
        "X001", {f"rollup.{k}": v for k, v in tables.items()}, [], version="v", synced_at=SYNCED
    )

    for name, frame in tables.items():
        back = store.read_table(f"rollup.{name}", ["X001"])
        assert list(back.columns)[0] == "commune"
        pd.testing.assert_frame_equal(back.drop(columns="commune"), frame, check_exact=True)


def figure_frame() -> pd.DataFrame:
    """Every dtype a figure may hold, gaps included, under Vietnamese headers."""
    zone = "Asia/Ho_Chi_Minh"
    return pd.DataFrame(
        {
            "Tên ấp": pd.Series(["Ấp Mỹ An", None, ""], dtype="str"),
            "ghi_chu": pd.Series(["a\tb", "dòng 1\ndòng 2", 'có "ngoặc", phẩy'], dtype="str"),
            "string_na": pd.Series(["x", pd.NA, "\\N"], dtype="string"),
            "Số tổ": pd.Series([3, None, -(2**62)], dtype="Int64"),
            "n": np.array([1, 2, 3], dtype="int64"),
            "small": np.array([1, 2, 3], dtype="int32"),
            "Tỷ lệ phủ (%)": [12.5, np.nan, 1 / 3],
            "inf": [np.inf, -np.inf, 0.1 + 0.2],
            "đã họp": [True, False, True],
            "maybe": pd.Series([True, None, False], dtype="boolean"),
            "when": pd.to_datetime(
                ["2026-01-03 08:42:55.123456", None, "2016-07-21"], format="ISO8601"
            ),
            "nano": pd.to_datetime(
                ["2026-01-03 08:42:55.123456789", None, "2016-07-21"], format="ISO8601"
            ),
            "zoned": pd.to_datetime(["2026-01-03 08:00", None, "2016-07-21 23:30"]).tz_localize(
                zone
            ),
            "seconds": pd.Series(pd.to_datetime(["2026-01-03", None, "2016-07-21"])).astype(
                "datetime64[s]"
            ),
            "late": pd.to_timedelta(["1 days", None, "3 hours"]),
            "Tháng": pd.PeriodIndex(["2026-01", None, "2016-07"], freq="M"),
            "day": pd.PeriodIndex(["2026-01-03", "2026-01-04", None], freq="D"),
            "rating": pd.Categorical(["Tốt", None, "Khá"], categories=["Tốt", "Khá", "Yếu"]),
            "ordered": pd.Categorical(["b", "a", "b"], categories=["b", "a"], ordered=True),
            "object_text": pd.Series(["x", None, "y"], dtype=object),
            "object_nan": pd.Series(["x", np.nan, "y"], dtype=object),
            "dates": pd.Series([dt.date(2026, 1, 3), None, dt.date(2016, 7, 21)], dtype=object),
            "topics": pd.Series([("An toàn giao thông",), (), ("a", 'b "c"')], dtype=object),
            "lists": pd.Series([["x", 1], None, []], dtype=object),
            "empty": pd.Series([None, None, None], dtype=object),
        }
    )


FRAMES = {
    "every dtype": figure_frame(),
    "named index": figure_frame().set_index("Tên ấp"),
    "two-level index": figure_frame().set_index(["n", "Tháng"]),
    "period columns": pd.DataFrame(
        [[1, 2], [3, 4]],
        columns=pd.PeriodIndex(["2026-01", "2026-02"], freq="M"),
        index=pd.Index(["A1", "A2"], name="hamlet_id"),
    ),
    "two-level columns": pd.DataFrame(
        [[1.0, 2.0]], columns=pd.MultiIndex.from_tuples([("Tổ", "họp"), ("Tổ", "tổng")])
    ),
    "number columns": pd.DataFrame({0: ["a"], 1: ["b"]}),
    "object columns": pd.DataFrame({"a": [1]}, columns=pd.Index(["a"], dtype=object)),
    "no rows": figure_frame().iloc[0:0],
    "no columns": pd.DataFrame(index=pd.RangeIndex(4)),
    "offset index": figure_frame().iloc[1:],
}


@pytest.mark.parametrize("name", FRAMES)
def test_a_figure_frame_comes_back_with_every_dtype_and_gap(store, name):
    frame = FRAMES[name]

    store.replace_commune("X001", {"rollup.x": frame}, [], version=None, synced_at=SYNCED)

    back = store.read_frame("rollup.x", "X001")
    pd.testing.assert_frame_equal(back, frame, check_exact=True, check_index_type=True)
    assert back.columns.name == frame.columns.name
    stacked = store.read_table("rollup.x", ["X001"])
    assert stacked.columns[0] in ("commune", ("commune", ""))
    assert list(stacked.columns[1:]) == list(frame.columns)
    assert (stacked.iloc[:, 0] == "X001").all() and len(stacked) == len(frame)
    for column in ("topics", "lists", "dates", "object_text", "object_nan"):
        if column in frame.columns:
            assert [type(v) for v in back[column]] == [type(v) for v in frame[column]]


def test_a_frame_that_cannot_be_stored_leaves_the_old_data_whole(store, demo, flawed):
    store.replace_commune(
        "X001", dataset_tables(demo), demo.problems, version="v1", synced_at=SYNCED
    )
    before = store.status()
    unstorable = pd.DataFrame({"value": pd.Series([1, "một", {"x": 1}], dtype=object)})
    tables = {**dataset_tables(flawed), "rollup.bad": unstorable, "rollup.after": flawed.groups}

    with pytest.raises(UnstorableFrame, match="rollup.bad"):
        store.replace_commune(
            "X001", tables, flawed.problems, version="v2", synced_at=SYNCED + dt.timedelta(1)
        )

    # The meetings of `flawed` were written before the bad frame, then rolled back.
    assert_same_dataset(store.dataset("X001"), demo)
    assert store.version("X001") == "v1"
    pd.testing.assert_frame_equal(store.status(), before)
    assert list(store.read_table("rollup.bad").columns) == ["commune"]


def test_a_database_failure_mid_way_leaves_the_old_data_whole(store, demo, flawed, monkeypatch):
    """The third bulk insert fails in the database's own way (a full disk, a dropped link)."""
    store.replace_commune(
        "X001", dataset_tables(demo), demo.problems, version="v1", synced_at=SYNCED
    )
    if store.dialect == "duckdb":
        session_class, failure = store_duckdb._DuckDBSession, duckdb.IOException
    else:
        session_class, failure = store_postgres._PostgresSession, psycopg.OperationalError
    real_insert = session_class.insert
    calls = []

    def failing_insert(self, sql_table, table):
        calls.append(sql_table)
        if len(calls) == 3:
            raise failure("đĩa đầy")
        return real_insert(self, sql_table, table)

    monkeypatch.setattr(session_class, "insert", failing_insert)
    with pytest.raises(StoreError, match="đĩa đầy"):
        store.replace_commune("X001", dataset_tables(flawed), [], version="v2", synced_at=SYNCED)

    monkeypatch.undo()
    assert len(calls) == 3
    assert_same_dataset(store.dataset("X001"), demo)
    assert store.version("X001") == "v1"


def test_a_failure_is_recorded_and_the_last_good_data_kept(store, demo):
    store.replace_commune(
        "X001", dataset_tables(demo), demo.problems, version="v1", synced_at=SYNCED
    )
    failed_at = SYNCED + dt.timedelta(hours=1)

    store.record_failure("X001", "Không mở được Google Sheet: chưa chia sẻ.", at=failed_at)
    store.record_failure("X002", "Không tìm thấy tệp.", at=failed_at)

    status = store.status().set_index("commune")
    assert list(store.status().columns) == [
        "commune",
        "last_attempt",
        "last_success",
        "version",
        "error",
    ]
    assert status.loc["X001", "last_attempt"] == failed_at
    assert status.loc["X001", "last_success"] == SYNCED
    assert status.loc["X001", "version"] == "v1"
    assert status.loc["X001", "error"] == "Không mở được Google Sheet: chưa chia sẻ."
    assert pd.isna(status.loc["X002", "last_success"])
    assert store.version("X002") is None
    assert store.dataset("X002") is None
    assert_same_dataset(store.dataset("X001"), demo)

    store.replace_commune(
        "X001", dataset_tables(demo), demo.problems, version="v2", synced_at=failed_at
    )
    again = store.status().set_index("commune")
    assert pd.isna(again.loc["X001", "error"])
    assert again.loc["X001", "last_success"] == failed_at


def test_a_zoned_sync_time_is_kept_in_office_time(store, demo):
    utc = dt.datetime(2026, 11, 20, 2, 30, tzinfo=dt.UTC)

    store.replace_commune("X001", {}, [], version="v", synced_at=utc)

    assert store.status()["last_success"].iloc[0] == pd.Timestamp("2026-11-20 09:30")


def test_tables_a_commune_no_longer_has_are_emptied_for_it(store, demo):
    store.replace_commune(
        "X001",
        {"rollup.old": demo.groups, "rollup.kept": demo.hamlets},
        [],
        version="v",
        synced_at=SYNCED,
    )
    store.replace_commune("X002", {"rollup.old": demo.groups}, [], version="v", synced_at=SYNCED)

    store.replace_commune("X001", {"rollup.kept": demo.hamlets}, [], version="v", synced_at=SYNCED)

    assert set(store.read_table("rollup.old")["commune"]) == {"X002"}
    assert set(store.read_table("rollup.kept")["commune"]) == {"X001"}


def test_forget_removes_a_commune_and_only_it(store, demo, flawed):
    store.replace_commune(
        "X001", dataset_tables(demo), demo.problems, version="v", synced_at=SYNCED
    )
    store.replace_commune(
        "X002", dataset_tables(flawed), flawed.problems, version="v", synced_at=SYNCED
    )

    store.forget("X002")

    assert store.dataset("X002") is None
    assert list(store.status()["commune"]) == ["X001"]
    assert set(store.read_table("dataset.meetings")["commune"]) == {"X001"}
    assert set(store.problems()["commune"]) == ({"X001"} if demo.problems else set())


def test_nothing_stored_gives_empty_typed_frames(store, demo):
    assert list(store.read_table("dataset.meetings").columns) == ["commune"]
    assert store.read_table("dataset.meetings")["commune"].dtype == "str"
    problems = store.problems()
    assert list(problems.columns) == [
        "commune",
        "severity",
        "tab",
        "row",
        "column",
        "value",
        "message",
    ]
    assert problems["row"].dtype == "Int64"
    assert len(store.status()) == 0
    assert store.version("X001") is None

    store.replace_commune(
        "X001", dataset_tables(demo), demo.problems, version="v", synced_at=SYNCED
    )
    none = store.read_table("dataset.meetings", ["X404"])
    assert len(none) == 0
    expected = demo.meetings.dtypes.to_dict()
    assert {k: v for k, v in none.dtypes.to_dict().items() if k != "commune"} == expected
    assert len(store.read_table("dataset.meetings", [])) == 0


def test_communes_whose_columns_differ_share_a_table(store, demo):
    """One commune without reminders (an empty list column), one with; a column added later."""
    empty = demo.reminders
    assert len(empty) == 0 and empty["groups"].dtype == object
    filled = pd.DataFrame(
        {
            "reminded_at": pd.to_datetime(["2026-11-06 08:00"]),
            "month": pd.PeriodIndex(["2026-10"], freq="M"),
            "groups": pd.Series([("T001", "T002")], dtype=object),
            "note": pd.Series(["Nhắc qua Zalo"], dtype="str"),
        }
    )
    wider = filled.assign(extra=pd.Series([7], dtype="Int64"))

    store.replace_commune("X001", {"dataset.reminders": empty}, [], version="v", synced_at=SYNCED)
    store.replace_commune("X002", {"dataset.reminders": filled}, [], version="v", synced_at=SYNCED)
    store.replace_commune("X003", {"dataset.reminders": wider}, [], version="v", synced_at=SYNCED)

    for code, frame in (("X001", empty), ("X002", filled), ("X003", wider)):
        back = store.read_table("dataset.reminders", [code]).drop(columns="commune")
        pd.testing.assert_frame_equal(back, frame, check_exact=True)
    both = store.read_table("dataset.reminders", ["X002", "X003"])
    assert list(both["commune"]) == ["X002", "X003"]
    assert both["extra"].isna().tolist() == [True, False]


def test_a_column_whose_type_changed_drops_the_others_for_a_fresh_sync(store):
    """Text where numbers were: the others' rows go and their version is cleared."""
    numbers = pd.DataFrame({"x": pd.Series([1, 2], dtype="Int64")})
    text = pd.DataFrame({"x": pd.Series(["một"], dtype="str")})
    store.replace_commune("X001", {"rollup.t": numbers}, [], version="v1", synced_at=SYNCED)
    store.replace_commune("X002", {"rollup.t": numbers}, [], version="v1", synced_at=SYNCED)

    store.replace_commune("X002", {"rollup.t": text}, [], version="v2", synced_at=SYNCED)

    pd.testing.assert_frame_equal(
        store.read_table("rollup.t", ["X002"]).drop(columns="commune"), text
    )
    assert len(store.read_table("rollup.t", ["X001"])) == 0
    assert store.version("X001") is None
    assert store.version("X002") == "v2"


def test_a_frame_with_its_own_commune_column_is_refused(store):
    with pytest.raises(UnstorableFrame, match="commune"):
        store.replace_commune(
            "X001",
            {"rollup.t": pd.DataFrame({"commune": ["X001"]})},
            [],
            version=None,
            synced_at=SYNCED,
        )


def test_the_store_is_reopened_with_its_data(store, demo, tmp_path):
    store.replace_commune(
        "X001", dataset_tables(demo), demo.problems, version="v1", synced_at=SYNCED
    )
    url = getattr(store, "url", None)

    again = open_store(url, tmp_path)

    assert again.version("X001") == "v1"
    assert_same_dataset(again.dataset("X001"), demo)


def test_the_store_url_comes_from_secrets_then_the_environment():
    secrets = {"store": {"url": "postgresql://tothu@db.tinh/tonghop"}}
    environ = {"TOTHU_STORE_URL": "postgresql://other@x/y"}

    assert store_url(secrets=secrets, environ=environ) == "postgresql://tothu@db.tinh/tonghop"
    assert store_url(secrets={}, environ=environ) == "postgresql://other@x/y"
    assert store_url(secrets={}, environ={}) is None
    assert store_setting(secrets=secrets, environ={})[1] == "mục [store] url của tệp secrets.toml"
    assert store_setting(secrets={}, environ=environ)[1] == "biến môi trường TOTHU_STORE_URL"


def test_an_unknown_store_url_is_a_vietnamese_configuration_error(tmp_path):
    with pytest.raises(ConfigError) as caught:
        open_store("mysql://u:bímật@db/x", tmp_path, where="biến môi trường TOTHU_STORE_URL")

    message = str(caught.value)
    assert "không hợp lệ" in message
    assert "biến môi trường TOTHU_STORE_URL" in message
    assert "bímật" not in message and "***" in message


def test_an_unreachable_server_is_a_configuration_error_naming_where(tmp_path):
    closed = free_port()
    url = f"postgresql://tothu:bímật@127.0.0.1:{closed}/tonghop"

    with pytest.raises(ConfigError) as caught:
        open_store(url, tmp_path, where="mục [store] url của tệp secrets.toml")

    message = str(caught.value)
    assert message.startswith("Không kết nối được kho dữ liệu PostgreSQL")
    assert "mục [store] url của tệp secrets.toml" in message
    assert "bímật" not in message


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://tothu@127.0.0.1:{port}/tonghop?password=bímật",
        "postgresql://tothu:bí%zzmật@127.0.0.1:{port}/tonghop",
        "postgresql://tothu:b%C3%AD_m%E1%BA%ADt@127.0.0.1:{port}/tonghop?sslmode=gì",
    ],
)
def test_a_password_never_shows_in_a_store_error(tmp_path, url):
    """libpq takes the password in the URL's user part or as `?password=`, and its own
    error may quote the part it could not parse: neither may reach the message."""
    with pytest.raises(ConfigError) as caught:
        open_store(url.format(port=free_port()), tmp_path, where="biến môi trường TOTHU_STORE_URL")

    message = str(caught.value)
    assert "biến môi trường TOTHU_STORE_URL" in message
    for secret in ("bímật", "bí%zzmật", "b%C3%AD_m%E1%BA%ADt", "bí_mật", "zzm"):
        assert secret not in message, message


def test_a_missing_database_is_a_configuration_error(tmp_path, postgres_url):
    base, _, _ = postgres_url.rpartition("/")

    with pytest.raises(ConfigError, match="khai báo ở biến môi trường"):
        open_store(f"{base}/khong_co", tmp_path, where="biến môi trường TOTHU_STORE_URL")


def test_a_duckdb_file_that_cannot_be_made_is_a_configuration_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")

    with pytest.raises(ConfigError, match="Không mở được tệp kho dữ liệu"):
        open_store(None, blocker)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_duckdb_waits_while_another_process_holds_the_file(tmp_path, demo):
    """A scheduled sync (another process) and the app take turns on the one file."""
    store = open_store(None, tmp_path)
    store.replace_commune(
        "X001", dataset_tables(demo), demo.problems, version="v1", synced_at=SYNCED
    )
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time, duckdb
                con = duckdb.connect({str(store.path)!r})
                print("held", flush=True)
                time.sleep(1.5)
                con.close()
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert store.version("X001") == "v1"
    finally:
        holder.wait(timeout=30)
    assert holder.returncode == 0


def test_two_writers_of_one_commune_at_once_leave_one_copy(store, tmp_path):
    """The scheduled sync and the app's worker may store the same commune at the same
    moment (each with its own connection): the commune must end with one copy of its rows
    and one status line, never both writers' rows."""
    import threading

    frame = pd.DataFrame({"value": pd.Series(range(20_000), dtype="int64")})
    errors = []

    def write(version: str) -> None:
        other = open_store(getattr(store, "url", None), tmp_path)
        try:
            other.replace_commune(
                "X001", {"rollup.t": frame}, [], version=version, synced_at=SYNCED
            )
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    for round_ in range(3):
        writers = [threading.Thread(target=write, args=(f"v{round_}.{n}",)) for n in range(3)]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()

    assert not errors
    assert len(store.read_table("rollup.t", ["X001"])) == 20_000
    assert list(store.status()["commune"]) == ["X001"]


def test_a_read_while_a_commune_is_rewritten_gives_one_saved_frame(store, tmp_path):
    """The province page reads while the sync rewrites a commune: each read gives one of
    the frames saved, never the columns of one write over the rows of another."""
    import threading
    import time

    narrow = pd.DataFrame({"a": pd.Series(range(1000), dtype="int64")})
    wide = pd.DataFrame(
        {"a": pd.Series(range(2000), dtype="int64"), "b": pd.Series(["x"] * 2000, dtype="str")}
    )
    store.replace_commune("X001", {"rollup.t": wide}, [], version="v", synced_at=SYNCED)
    done = threading.Event()

    def rewrite() -> None:
        writer = open_store(getattr(store, "url", None), tmp_path)
        for turn in itertools.count():
            if done.is_set():
                return
            frame = narrow if turn % 2 else wide
            writer.replace_commune("X001", {"rollup.t": frame}, [], version="v", synced_at=SYNCED)

    thread = threading.Thread(target=rewrite)
    thread.start()
    seen = []
    try:
        until = time.monotonic() + 5
        while time.monotonic() < until:
            read = store.read_table("rollup.t").drop(columns="commune")
            seen.append(read.equals(narrow) or read.equals(wide))
    finally:
        done.set()
        thread.join()
    assert all(seen), f"{seen.count(False)} of {len(seen)} reads mixed two writes"


def test_a_sync_killed_mid_write_leaves_the_duckdb_file_whole(tmp_path):
    """A scheduled job killed (out of memory, a reboot) while it writes: on reopening, each
    table of the commune holds one whole write, the one its status names."""
    import signal
    import time

    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import datetime, itertools
                from pathlib import Path
                import pandas as pd
                from tothu_core.province.store import open_store
                store = open_store(None, Path({str(tmp_path)!r}))
                for i in itertools.count():
                    tables = {{
                        f"rollup.t{{k}}": pd.DataFrame({{"marker": [i] * (100_000 + k)}})
                        for k in range(3)
                    }}
                    store.replace_commune(
                        "K", tables, [], version=f"v{{i}}",
                        synced_at=datetime.datetime(2026, 1, 1),
                    )
                    print(i, flush=True)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=str(ROOT),
    )
    try:
        committed = [int(child.stdout.readline()) for _ in range(3)][-1]
        time.sleep(0.05)  # somewhere inside the next write
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)

    store = open_store(None, tmp_path)
    version = store.version("K")
    assert int(version[1:]) >= committed
    for k in range(3):
        stored = store.read_table(f"rollup.t{k}", ["K"])
        assert len(stored) == 100_000 + k
        assert set(stored["marker"]) == {int(version[1:])}


def test_a_re_synced_commune_still_reads_back_whole_and_in_order(store, demo, flawed):
    for code in ("X001", "X002", "X003"):
        store.replace_commune(code, dataset_tables(demo), [], version="v1", synced_at=SYNCED)
    store.replace_commune("X001", dataset_tables(flawed), [], version="v2", synced_at=SYNCED)

    stacked = store.read_table("dataset.meetings")

    assert isinstance(stacked.index, pd.RangeIndex) and stacked.index.start == 0
    runs = stacked["commune"].ne(stacked["commune"].shift()).sum()
    assert runs == 3
    for code, ds in (("X001", flawed), ("X002", demo), ("X003", demo)):
        part = stacked[stacked["commune"] == code].drop(columns="commune").reset_index(drop=True)
        pd.testing.assert_frame_equal(part, ds.meetings, check_exact=True)


def test_rows_the_database_mixed_up_are_put_back_in_order():
    """The check behind the fast path: runs that do not count 0, 1, 2… are sorted."""
    import pyarrow as pa

    from tothu_core.province.store import _in_commune_order

    mixed = pa.table({"commune": ["B", "A", "B", "A"], "_pos": [0, 0, 1, 1], "v": [1, 2, 3, 4]})
    runs = pa.table({"commune": ["B", "B", "A"], "_pos": [0, 1, 0], "v": [1, 3, 2]})

    assert _in_commune_order(mixed).to_pydict() == {
        "commune": ["A", "A", "B", "B"],
        "_pos": [0, 1, 0, 1],
        "v": [2, 4, 1, 3],
    }
    assert _in_commune_order(runs) is runs


def test_line_breaks_in_one_commune_do_not_disturb_the_others(store):
    """A cell with Alt+Enter lines (and a lone carriage return) next to plain communes."""
    plain = pd.DataFrame({"situation": pd.Series(["Tổ họp đủ", None], dtype="str")})
    broken = pd.DataFrame(
        {"situation": pd.Series(["Dòng 1\nDòng 2", "a\rb", 'x\r\n"y"'], dtype="str")}
    )
    store.replace_commune("X001", {"rollup.t": plain}, [], version=None, synced_at=SYNCED)
    store.replace_commune("X002", {"rollup.t": broken}, [], version=None, synced_at=SYNCED)
    store.replace_commune("X003", {"rollup.t": plain}, [], version=None, synced_at=SYNCED)

    stacked = store.read_table("rollup.t")

    assert stacked["commune"].value_counts().to_dict() == {"X001": 2, "X002": 3, "X003": 2}
    for code, frame in (("X001", plain), ("X002", broken), ("X003", plain)):
        part = stacked[stacked["commune"] == code].drop(columns="commune").reset_index(drop=True)
        pd.testing.assert_frame_equal(part, frame, check_exact=True)
