"""A page's `Data` rows, read by polars straight from the response bytes where it can be exact.

Decoding a 2000-row page into Python dicts and building a frame from them holds the GIL for
~19 ms, so a backfill's fetching could not run beside the writer and Dagster. polars reads the
same bytes into a frame in ~10-15 ms without holding the GIL. A body it cannot read exactly
(NaN, integers beyond 64 bits, nested objects or lists, null rows, values polars refuses) is
decoded into records instead, as is any body once a page needs its records: rows outside the
page's own buckets to drop, or rejected rows to quarantine as the API sent them.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
import polars as pl

FLAT_TYPES = frozenset({pl.Int64, pl.Float64, pl.String, pl.Boolean, pl.Null})
TIME_FIELD = "TIMESTAMP"  # every historical endpoint's bucket start, epoch seconds


def decode_body(raw: bytes) -> Any:
    """The JSON body, or None. orjson reads a 2000-row page ~3x faster than `json`; what it
    refuses but `json` reads (NaN, integers beyond 64 bits) still reaches validation."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(raw)
    except ValueError:
        return None


class PageRows:
    """The rows of one page: a frame read from the body, or records, or both once needed."""

    def __init__(
        self,
        *,
        frame: pl.DataFrame | None = None,
        records: Sequence[Mapping[str, Any]] | None = None,
        body: bytes | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        if records is None and (frame is None or body is None):
            raise ValueError("PageRows needs records, or a frame with the body it was read from.")
        self._frame = frame
        self._records = records
        self._body = body
        self._extra = dict(extra or {})

    @classmethod
    def of(cls, records: Sequence[Mapping[str, Any]] | PageRows) -> PageRows:
        return records if isinstance(records, PageRows) else cls(records=records)

    @classmethod
    def read(cls, body: bytes) -> PageRows | None:
        """A successful body's `Data` rows as a frame, or None for the general decoding to judge
        (an error envelope, `Data` that is not a list of flat objects, anything polars refuses)."""
        try:
            page = pl.read_json(io.BytesIO(body), infer_schema_length=None)
        except (pl.exceptions.PolarsError, ValueError):
            return None
        if page.height != 1 or "Data" not in page.columns or "Response" in page.columns:
            return None
        data = page.schema["Data"]
        if data == pl.List(pl.Null) and page.item(0, "Data").len() == 0:
            return cls(frame=pl.DataFrame(), body=body)
        if not (isinstance(data, pl.List) and isinstance(data.inner, pl.Struct)):
            return None
        if any(field.dtype not in FLAT_TYPES for field in data.inner.fields):
            return None
        rows = page.select(pl.col("Data").explode())
        if rows.get_column("Data").null_count():  # a null row, or an empty list read as one
            return None
        return cls(frame=rows.unnest("Data"), body=body)

    def __len__(self) -> int:
        return self._frame.height if self._frame is not None else len(self._records or ())

    @property
    def frame(self) -> pl.DataFrame | None:
        """Every field at the type its values share, text where a number came as a string
        somewhere; built from the records when there was no body to read (None if no rows)."""
        if self._frame is None and self._records:
            self._frame = pl.from_dicts(self._records, infer_schema_length=None)
        return self._frame

    def records(self) -> Sequence[Mapping[str, Any]]:
        """The rows as the API sent them (with any fields the page adds, where they lack them)."""
        if self._records is None:
            data = (decode_body(self._body or b"") or {}).get("Data") or []
            self._records = [{**self._extra, **row} for row in data] if self._extra else data
        return self._records

    def field_names(self) -> set[str]:
        if self._frame is not None:
            return set(self._frame.columns)
        return set().union(*(row.keys() for row in self.records()))

    def with_fields(self, extra: Mapping[str, Any]) -> PageRows:
        """Rows with `extra`'s fields added where a row does not have them."""
        if not extra:
            return self
        if self._frame is None or set(extra) & set(self._frame.columns):
            return PageRows(records=[{**extra, **row} for row in self.records()])
        frame = self._frame.with_columns(
            pl.lit(value, allow_object=False).alias(name) for name, value in extra.items()
        )
        return PageRows(frame=frame, body=self._body, extra={**self._extra, **extra})

    def within(self, low: int, high: int, unit: int) -> PageRows:
        """Rows whose bucket (TIMESTAMP floored to `unit`) lies in [low, high], and rows with no
        usable TIMESTAMP (for validation to quarantine with a reason)."""
        frame = self._frame
        if frame is not None and frame.schema.get(TIME_FIELD) == pl.Int64:
            ts = pl.col(TIME_FIELD)
            inside = ts.is_null() | (ts - ts % unit).is_between(low, high)
            if frame.select(inside.all()).item():
                return self
        elif frame is not None and TIME_FIELD not in frame.columns:
            return self
        kept = [row for row in self.records() if _inside(row, low, high, unit)]
        return self if len(kept) == len(self) else PageRows(records=kept)


def _inside(row: Any, low: int, high: int, unit: int) -> bool:
    ts = _timestamp(row)
    return ts is None or low <= ts - ts % unit <= high


def _timestamp(row: Any) -> int | None:
    if isinstance(row, Mapping):
        value = row.get(TIME_FIELD)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
    return None
