"""A pandas frame as plain SQL columns and back, every dtype exactly as it was.

Both stores keep a frame as an Arrow table of a few storage kinds (text, integers, floats,
booleans, timestamps, dates, JSON text) plus a small JSON description of what each column
was in pandas (`str`, `Int64`, `period[M]`, tuples of topics…). Reading applies the
description back, so a Dataset read from the store is the Dataset that was saved.
Lists and tuples are encoded once per distinct value (a province's 2.2 M meetings carry a
few hundred distinct topic combinations), which keeps both directions vectorised.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tothu_core.errors import TothuError

#: storage kind -> SQL type, per backend dialect
SQL_TYPES = {
    "duckdb": {
        "text": "VARCHAR",
        "int": "BIGINT",
        "float": "DOUBLE",
        "bool": "BOOLEAN",
        "timestamp": "TIMESTAMP",
        "date": "DATE",
        "json": "VARCHAR",
    },
    "postgres": {
        "text": "TEXT",
        "int": "BIGINT",
        "float": "DOUBLE PRECISION",
        "bool": "BOOLEAN",
        "timestamp": "TIMESTAMP",
        "date": "DATE",
        "json": "TEXT",
    },
}
ARROW_TYPES = {
    "text": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "timestamp": pa.timestamp("us"),
    "date": pa.date32(),
    "json": pa.string(),
}
_NAT = np.iinfo(np.int64).min
#: columns every stored table has besides the frame's own
RESERVED = ("commune", "_pos")


class UnstorableFrame(TothuError):
    """A frame holds a value the store has no exact column type for."""


@dataclass(frozen=True)
class Column:
    """One stored column: its SQL name and kind, and how to make it pandas again."""

    sql: str
    kind: str
    label: object
    restore: dict

    def as_json(self) -> dict:
        return {"sql": self.sql, "kind": self.kind, "label": self.label, "restore": self.restore}

    @classmethod
    def from_json(cls, data: dict) -> Column:
        return cls(data["sql"], data["kind"], data["label"], data["restore"])


def describe_and_encode(
    frame: pd.DataFrame, table: str
) -> tuple[list[Column], dict, list[pa.Array]]:
    """(stored columns, frame-level details, one Arrow array per stored column)."""
    if "commune" in frame.columns:
        raise UnstorableFrame(
            f"Bảng «{table}» đã có cột «commune»; kho dữ liệu tự thêm cột này, hãy bỏ nó đi."
        )
    details = {
        "index": None,
        "columns_name": _label(frame.columns.name, table),
        "columns_dtype": str(frame.columns.dtype),
    }
    index = frame.index
    if isinstance(index, pd.RangeIndex) and not _default_index(index):
        details["range"] = [index.start, index.step, _label(index.name, table)]
    elif not _default_index(index):
        names = list(frame.index.names)
        details["index"] = [_label(n, table) for n in names]
        frame = frame.reset_index(names=[f"__index_{i}" for i in range(len(names))])
        details["index_sql"] = [_sql_name(f"__index_{i}", set()) for i in range(len(names))]
    if frame.columns.has_duplicates:
        raise UnstorableFrame(f"Bảng «{table}» có tên cột trùng nhau, không lưu được.")
    columns, arrays = [], []
    taken: set[str] = set()
    for position, label in enumerate(frame.columns):
        series = frame.iloc[:, position]
        kind, restore, array = _encode(series, label, table)
        sql = _sql_name(label, taken)
        taken.add(sql)
        columns.append(Column(sql, kind, _label(label, table), restore))
        arrays.append(array)
    return columns, details, arrays


def storage_of(columns: list[Column]) -> list[tuple[str, str]]:
    """What the SQL table needs to hold these columns (names and kinds)."""
    return [(c.sql, c.kind) for c in columns]


def decode(table: pa.Table, columns: list[Column], details: dict) -> pd.DataFrame:
    """The pandas frame `describe_and_encode` was given, from an Arrow table of its columns."""
    index_sql = details.get("index_sql") or []
    rows = pd.RangeIndex(table.num_rows)
    values = {c.sql: _decode(table.column(c.sql), c.kind, c.restore) for c in columns}
    data = [c for c in columns if c.sql not in index_sql]
    frame = pd.DataFrame({c.sql: values[c.sql] for c in data}, index=rows, copy=False)
    frame.columns = _axis([c.label for c in data], details.get("columns_dtype"))
    if details.get("range"):
        start, step, name = details["range"]
        stop = start + step * table.num_rows
        frame.index = pd.RangeIndex(start, stop, step, name=_unlabel(name))
    elif index_sql:
        names = [_unlabel(n) for n in details["index"]]
        levels = [values[sql].set_axis(rows) for sql in index_sql]
        if len(levels) == 1:
            frame.index = pd.Index(levels[0].array, name=names[0])
        else:
            frame.index = pd.MultiIndex.from_arrays([level.array for level in levels], names=names)
    frame.columns.name = _unlabel(details.get("columns_name"))
    return frame


def _axis(labels: list, dtype: str | None) -> pd.Index:
    values = [_unlabel(label) for label in labels]
    if values and all(isinstance(v, tuple) for v in values):
        return pd.MultiIndex.from_tuples(values)
    if not values:
        return pd.RangeIndex(0) if dtype == "int64" else pd.Index([], dtype=dtype or object)
    if dtype == "object":
        return pd.Index(values, dtype=object)
    return pd.Index(values)


def _default_index(index: pd.Index) -> bool:
    return (
        isinstance(index, pd.RangeIndex)
        and index.start == 0
        and index.step == 1
        and index.name is None
    )


def _sql_name(label, taken: set[str]) -> str:
    """The label itself when it is a plain identifier; else `c_` and a digest of the label.

    The name depends on the label only, so every commune's frame of a table lands in the
    same SQL columns whatever their order.
    """
    plain = isinstance(label, str) and re.fullmatch(r"[a-z][a-z0-9_]{0,50}", label)
    if plain and label not in RESERVED and label not in taken:
        return label
    text = json.dumps(_label(label, ""), ensure_ascii=False, sort_keys=True)
    name = "c_" + hashlib.sha1(text.encode()).hexdigest()[:12]
    while name in taken:
        name += "_"
    return name


def _label(label, table: str):
    """A column or index label as JSON (str, int, float, bool, None, Period, Timestamp, tuple)."""
    if label is None or isinstance(label, (str, bool)):
        return label
    if isinstance(label, (int, np.integer)):
        return {"int": int(label)}
    if isinstance(label, (float, np.floating)):
        return {"float": float(label)}
    if isinstance(label, pd.Period):
        return {"period": str(label), "freq": str(pd.PeriodDtype(label.freq))}
    if isinstance(label, pd.Timestamp):
        return {"timestamp": label.isoformat()}
    if isinstance(label, tuple):
        return {"tuple": [_label(part, table) for part in label]}
    raise UnstorableFrame(f"Bảng «{table}» có tên cột «{label}» không lưu được.")


def _unlabel(data):
    if not isinstance(data, dict):
        return data
    if "int" in data:
        return data["int"]
    if "float" in data:
        return data["float"]
    if "period" in data:
        return pd.Period(data["period"], freq=pd.api.types.pandas_dtype(data["freq"]).freq)
    if "timestamp" in data:
        return pd.Timestamp(data["timestamp"])
    return tuple(_unlabel(part) for part in data["tuple"])


def _missing_marker(series: pd.Series) -> str:
    """How an object column wrote its gaps (None or NaN), so they come back the same."""
    missing = series[series.isna()]
    if not len(missing):
        return "none"
    return "none" if missing.iloc[0] is None else "nan"


def _encode(series: pd.Series, label, table: str) -> tuple[str, dict, pa.Array]:
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype):
        restore = {"dtype": "string", "storage": dtype.storage, "na": _na_name(dtype.na_value)}
        return "text", restore, pa.array(series, type=pa.large_string(), from_pandas=True)
    if isinstance(dtype, pd.CategoricalDtype):
        categories = dtype.categories
        if categories.inferred_type not in ("string", "empty"):
            raise UnstorableFrame(
                f"Cột «{label}» của bảng «{table}» là danh mục không phải chữ, không lưu được."
            )
        restore = {"dtype": "category", "categories": list(categories), "ordered": dtype.ordered}
        values = np.asarray(series.astype(object).where(series.notna(), None))
        return "text", restore, pa.array(values, type=pa.string(), from_pandas=True)
    if isinstance(dtype, pd.PeriodDtype):
        ordinals = series.array.asi8
        array = pa.array(ordinals, type=pa.int64(), mask=ordinals == _NAT)
        return "int", {"dtype": "period", "period": str(dtype)}, array
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return _encode_time(series, dtype)
    if pd.api.types.is_bool_dtype(dtype):
        return "bool", {"dtype": str(dtype)}, pa.array(series, type=pa.bool_(), from_pandas=True)
    if pd.api.types.is_integer_dtype(dtype):
        try:
            array = pa.array(series, type=pa.int64(), from_pandas=True)
        except (pa.ArrowInvalid, OverflowError) as exc:
            raise UnstorableFrame(
                f"Cột «{label}» của bảng «{table}» có số quá lớn, không lưu được."
            ) from exc
        return "int", {"dtype": str(dtype)}, array
    if pd.api.types.is_float_dtype(dtype):
        return "float", {"dtype": str(dtype)}, pa.array(series, type=pa.float64(), from_pandas=True)
    if pd.api.types.is_object_dtype(dtype):
        return _encode_objects(series, label, table)
    raise UnstorableFrame(
        f"Cột «{label}» của bảng «{table}» có kiểu {dtype} chưa lưu được vào kho dữ liệu."
    )


def _na_name(value) -> str:
    return "NA" if value is pd.NA else "nan"


def _encode_time(series: pd.Series, dtype) -> tuple[str, dict, pa.Array]:
    """Whole microseconds as TIMESTAMP (UTC when zoned); finer values as raw integers."""
    restore = {"dtype": str(dtype)}
    values = series.array
    raw = values.asi8 if hasattr(values, "asi8") else series.to_numpy().view("i8")
    unit = np.datetime_data(dtype.base if hasattr(dtype, "base") else dtype)[0]
    if pd.api.types.is_timedelta64_dtype(dtype) or (
        unit == "ns" and bool(((raw % 1000 != 0) & (raw != _NAT)).any())
    ):
        return "int", {**restore, "raw": True}, pa.array(raw, type=pa.int64(), mask=raw == _NAT)
    if getattr(dtype, "tz", None) is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    stamps = series.astype("datetime64[us]")
    return "timestamp", restore, pa.array(stamps, type=pa.timestamp("us"), from_pandas=True)


def _encode_objects(series: pd.Series, label, table: str) -> tuple[str, dict, pa.Array]:
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    restore = {"dtype": "object", "na": _missing_marker(series)}
    values = np.asarray(series.where(series.notna(), None), dtype=object)
    if inferred in ("string", "empty"):
        return "text", restore, pa.array(values, type=pa.string(), from_pandas=True)
    if inferred == "boolean":
        return "bool", restore, pa.array(values, type=pa.bool_(), from_pandas=True)
    if inferred == "integer":
        return "int", restore, pa.array(values, type=pa.int64(), from_pandas=True)
    if inferred == "date":
        return "date", restore, pa.array(values, type=pa.date32(), from_pandas=True)
    containers = {type(v) for v in values if v is not None}
    if containers and containers <= {tuple, list}:
        container = "tuple" if tuple in containers else "list"
        return "json", {**restore, "container": container}, _encode_json(values, label, table)
    raise UnstorableFrame(
        f"Cột «{label}» của bảng «{table}» có giá trị kiểu lẫn lộn ({inferred}), "
        "không lưu được vào kho dữ liệu."
    )


def _encode_json(values: np.ndarray, label, table: str) -> pa.Array:
    """Each distinct list once as JSON text, then taken for every row."""
    keys = np.empty(len(values), dtype=object)
    keys[:] = [tuple(v) if isinstance(v, list) else v for v in values]
    try:
        codes, uniques = pd.factorize(keys, use_na_sentinel=True)
        texts = [json.dumps(list(u), ensure_ascii=False) for u in uniques]
    except TypeError as exc:
        raise UnstorableFrame(
            f"Cột «{label}» của bảng «{table}» có danh sách không lưu được ({exc})."
        ) from exc
    indices = pa.array(codes, type=pa.int32(), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, pa.array(texts, type=pa.string())).cast(
        pa.string()
    )


def adopt(column: Column, kind: str, length: int) -> tuple[Column, pa.Array]:
    """An all-empty column stored in the SQL type another commune's values gave it."""
    restore = {**column.restore, "natural": column.kind}
    return Column(column.sql, kind, column.label, restore), pa.nulls(length, ARROW_TYPES[kind])


def _decode(column: pa.ChunkedArray, kind: str, restore: dict) -> pd.Series:
    natural = restore.get("natural")
    if natural is not None and natural != kind:
        nulls = pa.chunked_array([pa.nulls(len(column), ARROW_TYPES[natural])])
        return _decode(nulls, natural, {k: v for k, v in restore.items() if k != "natural"})
    dtype = restore["dtype"]
    if kind == "text":
        return _decode_text(column, restore)
    if kind == "json":
        return _decode_json(column, restore)
    if dtype == "period":
        period = pd.api.types.pandas_dtype(restore["period"])
        return pd.Series(pd.arrays.PeriodArray(_ints(column, _NAT), dtype=period))
    if restore.get("raw"):
        return _raw_times(_ints(column, _NAT), pd.api.types.pandas_dtype(dtype))
    if kind == "timestamp" and dtype != "object":
        stamps = column.to_pandas()
        if "," in dtype:
            tz = pd.DatetimeTZDtype.construct_from_string(dtype).tz
            return stamps.dt.tz_localize("UTC").dt.tz_convert(tz).astype(dtype)
        return stamps.astype(dtype)
    if dtype == "object":
        values = column.to_pandas(date_as_object=True).astype(object)
        return _objects(values, restore)
    if kind == "int":
        return column.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get).astype(dtype)
    if kind == "bool":
        return column.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get).astype(dtype)
    return column.to_pandas().astype(dtype)


def _raw_times(ints: np.ndarray, dtype) -> pd.Series:
    """Datetimes or durations from their raw integers (UTC for a zoned dtype)."""
    if isinstance(dtype, pd.DatetimeTZDtype):
        naive = pd.Series(ints.view(f"datetime64[{dtype.unit}]"))
        return naive.dt.tz_localize("UTC").dt.tz_convert(dtype.tz)
    return pd.Series(ints.view(dtype))


def _ints(column: pa.ChunkedArray, fill: int) -> np.ndarray:
    return column.fill_null(fill).to_numpy().astype("int64", copy=False)


def _objects(values: pd.Series, restore: dict) -> pd.Series:
    values = values.where(values.notna(), None)
    if restore.get("na") == "nan":
        values = values.where(values.notna(), np.nan)
    return values.astype(object)


def _decode_text(column: pa.ChunkedArray, restore: dict) -> pd.Series:
    dtype = restore["dtype"]
    if dtype == "string":
        na = pd.NA if restore["na"] == "NA" else np.nan
        target = pd.StringDtype(storage=restore["storage"], na_value=na)
        if restore["storage"] == "pyarrow":
            return pd.Series(column.to_pandas(types_mapper=lambda _t: target))
        return column.to_pandas().astype(target)
    values = column.to_pandas().astype(object)
    if dtype == "category":
        values = values.where(values.notna(), None)
        return pd.Series(
            pd.Categorical(values, categories=restore["categories"], ordered=restore["ordered"])
        )
    return _objects(values, restore)


def dictionary_codes(column: pa.ChunkedArray) -> tuple[list, np.ndarray]:
    """(distinct values, each row's position among them or -1 for a gap), chunk by chunk.

    Encoding each chunk and unifying their dictionaries is ten times faster than encoding
    the chunks joined into one.
    """
    if len(column) == 0:
        return [], np.empty(0, dtype=np.int64)
    encoded = pc.dictionary_encode(column).unify_dictionaries()
    dictionary = encoded.chunk(0).dictionary
    codes = [chunk.indices.fill_null(-1).to_numpy(zero_copy_only=False) for chunk in encoded.chunks]
    return dictionary.to_pylist(), np.concatenate(codes).astype(np.int64, copy=False)


def _decode_json(column: pa.ChunkedArray, restore: dict) -> pd.Series:
    """Decode each distinct JSON text once, then take it for every row."""
    texts, codes = dictionary_codes(column)
    make = tuple if restore.get("container", "tuple") == "tuple" else list
    decoded = np.empty(len(texts) + 1, dtype=object)
    decoded[: len(texts)] = [make(json.loads(t)) for t in texts]
    decoded[len(texts)] = np.nan if restore["na"] == "nan" else None
    return pd.Series(decoded[codes], dtype=object)
