"""A byte-bounded LRU of encoded history pages.

A page whose last bucket has closed is the same bytes forever (that is the determinism
contract), so repeated backfills of the same range in one process skip the rebuild. Pages that
can still change (no to_ts, or to_ts in the still-open bucket) are never cached.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping

_IGNORED = frozenset({"api_key", "apiKey"})


class PageCache:
    """Used from the event loop thread only."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, bytes] = OrderedDict()
        self._size = 0
        self.hits = 0

    @staticmethod
    def key(path: str, query: Mapping[str, str], unit: int, now: int) -> tuple | None:
        """Cache key, or None when the page may still change (open bucket or default to_ts)."""
        raw = query.get("to_ts")
        try:
            to_ts = int(raw) if raw else None
        except ValueError:
            return None
        if to_ts is None or (to_ts // unit + 1) * unit > now:
            return None
        return (path, tuple(sorted((k, v) for k, v in query.items() if k not in _IGNORED)))

    def get(self, key: tuple) -> bytes | None:
        body = self._entries.get(key)
        if body is not None:
            self._entries.move_to_end(key)
            self.hits += 1
        return body

    def put(self, key: tuple, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        self._entries[key] = body
        self._size += len(body)
        while self._size > self.max_bytes:
            _, old = self._entries.popitem(last=False)
            self._size -= len(old)
