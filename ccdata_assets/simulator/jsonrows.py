"""Vectorised JSON encoding of uniform row arrays (the historical endpoints' ``Data`` lists).

Python's float repr costs ~0.5 us per number here, i.e. >100 ms for a 5000-row page. Instead,
every numeric column is rendered digit by digit with numpy into a (rows x width) byte matrix
plus a keep-mask, and the page is one gather of the non-NUL bytes. Decimals are exact: a value is an integer
mantissa and a base-10 exponent, printed positionally (``104745.4``, ``0.0000125``, whole values
as ints, as the real API prints them). Keys can be absent per row (fill candles omit trade keys).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

_POW10F = 10.0 ** np.arange(23, dtype=np.float64)
_ZERO = np.uint8(48)
_MAX_EXACT = 2.0**53
_SKIP = np.uint8(0)
# "0000".."9999" packed as uint32 so a digit group is one 4-byte take (fast path in numpy).
_TABLE4 = (
    np.array([list(f"{i:04d}".encode()) for i in range(10_000)], dtype=np.uint8)
    .view(np.uint32)
    .ravel()
)


@dataclass(frozen=True)
class Field:
    """One key of every row: a constant literal, an int column or a decimal column."""

    key: str
    literal: bytes | None = None  # pre-encoded JSON value, same for all rows
    ints: np.ndarray | None = None  # int64
    mant: np.ndarray | None = None  # int64 mantissa
    exp: np.ndarray | None = None  # int64 base-10 exponent
    present: np.ndarray | None = None  # bool per row; None = always present

    def value(self, i: int) -> object:
        """The Python value of row ``i`` (for rows re-encoded with json, e.g. corrupted ones)."""
        if self.literal is not None:
            return json.loads(self.literal)
        if self.ints is not None:
            return int(self.ints[i])
        assert self.mant is not None and self.exp is not None
        m, e = int(self.mant[i]), int(self.exp[i])
        return m * 10**e if e >= 0 else float(f"{m}e{e}")


def const(key: str, value: object, present: np.ndarray | None = None) -> Field:
    return Field(key, literal=json.dumps(value, separators=(",", ":")).encode(), present=present)


def ints(key: str, values: np.ndarray, present: np.ndarray | None = None) -> Field:
    return Field(key, ints=np.asarray(values, dtype=np.int64), present=present)


def quantize(x: np.ndarray, sig: int = 7, min_exp: int = -20) -> tuple[np.ndarray, np.ndarray]:
    """Round floats to ``sig`` significant digits and no finer than 10**min_exp.

    Returns (mantissa, exponent) int64 arrays with value = mantissa * 10**exponent. Rounding to
    significant digits is monotonic, so order relations (HIGH >= CLOSE) survive it.
    """
    x = np.asarray(x, dtype=np.float64)
    mag = np.abs(x)
    safe = np.where(mag > 0, mag, 1.0)
    e = np.maximum(np.floor(np.log10(safe)).astype(np.int64) - (sig - 1), min_exp)
    scale = _POW10F[np.clip(np.abs(e), 0, 22)]
    scaled = np.where(e < 0, x * scale, x / scale)
    return np.rint(scaled).astype(np.int64), e


def to_float(mant: np.ndarray, exp: np.ndarray) -> np.ndarray:
    """Float values of quantised columns (for arithmetic on what is actually served)."""
    scale = _POW10F[np.clip(np.abs(exp), 0, 22)]
    m = mant.astype(np.float64)
    return np.where(exp < 0, m / scale, m * scale)


def decimals(
    key: str, x: np.ndarray, sig: int = 7, min_exp: int = -20, present: np.ndarray | None = None
) -> Field:
    m, e = quantize(x, sig, min_exp)
    return Field(key, mant=m, exp=e, present=present)


def exact(key: str, mant: np.ndarray, exp: np.ndarray, present: np.ndarray | None = None) -> Field:
    """A decimal column from already-quantised integers (keeps sums like BUY+SELL exact)."""
    m = np.asarray(mant, dtype=np.int64)
    e = np.broadcast_to(np.asarray(exp, dtype=np.int64), m.shape)
    return Field(key, mant=m, exp=e, present=present)


def _group_digits(d: np.ndarray, width: int) -> np.ndarray:
    """Right-aligned ASCII digits (n x 4*ceil(width/4)) of exact non-negative integer floats.

    Works in 4-digit groups through a lookup table. floor(d / 10**i) is exact for integers
    below 2**53: the gap to the next integer always exceeds half an ulp of the quotient.
    """
    groups = max(1, -(-width // 4))
    q = np.floor(d[:, None] / _POW10F[4 * groups :: -4][None, :])
    g = (q[:, 1:] - 1e4 * q[:, :-1]).astype(np.intp)
    return np.take(_TABLE4, g, mode="clip").view(np.uint8).reshape(d.shape[0], 4 * groups)


def _int_block(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.maximum(np.searchsorted(_POW10F, d, side="right"), 1)
    width = int(lengths.max())
    digits = _group_digits(d, width)[:, -width:]
    return digits, np.arange(width)[None, :] >= (width - lengths)[:, None]


def _render(d: np.ndarray, k: np.ndarray | None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Blocks (chars, keep) for the numbers d * 10**-k (d: exact non-negative integer floats).

    The fractional part is padded to the column's widest scale so the decimal point sits in a
    fixed column: no per-row shifting, only masks. Trailing zeros are dropped (2.50 -> 2.5).
    """
    kmax = 0 if k is None else int(k.max())
    if kmax == 0:
        return [_int_block(d)]
    assert k is not None
    scale = _POW10F[k]
    ip = np.floor(d / scale)
    fp = (d - ip * scale) * _POW10F[kmax - k]
    frac = _group_digits(fp, kmax)[:, -kmax:]
    nonzero = frac != _ZERO
    last = kmax - np.argmax(nonzero[:, ::-1], axis=1)
    k_eff = np.where(nonzero.any(axis=1), last, 0)
    dot = np.full((d.shape[0], 1), ord("."), dtype=np.uint8)
    return [
        _int_block(ip),
        (dot, (k_eff > 0)[:, None]),
        (frac, np.arange(kmax)[None, :] < k_eff[:, None]),
    ]


def _literal(n: int, data: bytes, present: np.ndarray | None) -> np.ndarray:
    arr = np.frombuffer(data, dtype=np.uint8)
    chars = np.broadcast_to(arr, (n, arr.size))
    if present is None:
        return chars
    return np.where(present[:, None], chars, _SKIP)


_Memo = dict[tuple[int, int, int], tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]]


def _number_blocks(f: Field, n: int, memo: _Memo) -> list[np.ndarray]:
    """Blocks for one numeric field; fields sharing arrays (CLOSE, LAST_TRADE_PRICE) render once."""
    ident = (id(f.ints), id(f.mant), id(f.exp))
    if ident not in memo:
        memo[ident] = _render_field(f)
    neg, rendered = memo[ident]
    if f.present is not None:
        neg = neg & f.present
    blocks = [_literal(n, b"-", neg)] if neg.any() else []
    for chars, keep in rendered:
        if f.present is not None:
            keep = keep & f.present[:, None]
        blocks.append(np.where(keep, chars, _SKIP))
    return blocks


def _render_field(f: Field) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    k: np.ndarray | None
    if f.ints is not None:
        v, k = f.ints, None
        d = np.abs(v).astype(np.float64)
    else:
        assert f.mant is not None and f.exp is not None
        v, e = f.mant, f.exp
        a = np.abs(v).astype(np.float64)
        d = np.where(e > 0, a * _POW10F[np.clip(e, 0, 22)], a)
        k = np.maximum(-e, 0)
    if d.size and float(d.max()) >= _MAX_EXACT:
        raise ValueError(f"{f.key}: number too large to encode exactly")
    return v < 0, _render(d, k)


def encode_rows(
    n: int,
    fields: list[Field],
    overrides: dict[int, bytes] | None = None,
    prefix: bytes = b"[",
    suffix: bytes = b"]",
) -> bytes:
    """Encode ``n`` rows as a JSON array (wrapped in prefix/suffix, copied once).

    ``overrides`` replaces whole rows by the given bytes. Cells that must not be emitted are set
    to NUL (never valid inside JSON text) and dropped by a single gather. The first field must
    always be present (it carries the opening brace).
    """
    if n == 0:
        return prefix + suffix
    if fields[0].present is not None:
        raise ValueError("first field must always be present")
    blocks: list[np.ndarray] = []
    memo: _Memo = {}
    pending = b""  # adjacent constant text is merged into one block
    pending_present: np.ndarray | None = None

    def flush() -> None:
        nonlocal pending
        if pending:
            blocks.append(_literal(n, pending, pending_present))
            pending = b""

    for j, f in enumerate(fields):
        head = (b"{" if j == 0 else b",") + json.dumps(f.key).encode() + b":"
        if f.present is not pending_present:
            flush()
            pending_present = f.present
        pending += head + (f.literal or b"")
        if f.literal is None:
            flush()
            blocks.extend(_number_blocks(f, n, memo))
    if pending_present is not None:
        flush()
        pending_present = None
    pending += b"},"
    flush()
    chars = np.concatenate(blocks, axis=1)
    keep = chars != _SKIP
    flat = chars[keep]
    if not overrides:
        return b"".join((prefix, memoryview(flat)[:-1], suffix))
    ends = np.cumsum(keep.sum(axis=1))
    starts = np.concatenate(([0], ends[:-1]))
    view = memoryview(flat)
    parts: list[bytes | memoryview] = [prefix]
    pos = 0
    for i in sorted(overrides):
        parts.append(view[pos : int(starts[i])])
        parts.append(overrides[i] + b",")
        pos = int(ends[i])
    parts.append(view[pos:])
    body = b"".join(parts)
    return body[:-1] + suffix


def row_dict(fields: list[Field], i: int) -> dict[str, object]:
    """Row ``i`` as a dict (present keys only), for the few rows built the slow way."""
    return {f.key: f.value(i) for f in fields if f.present is None or bool(f.present[i])}
