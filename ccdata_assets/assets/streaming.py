"""Run an async producer in its own event loop and consume what it emits as a plain iterator.

Fetching is async (aiohttp); writing is synchronous (the warehouse client). The bounded queue
between them overlaps the two and caps memory at a few batches, whatever the run's size.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

Emit = Callable[[Any], Awaitable[None]]

_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class AsyncFeed:
    """Every item `produce(emit)` emits, in order, as a plain iterator; the producer's exception
    is re-raised to the consumer. At most `max_pending` items wait between the two."""

    def __init__(self, produce: Callable[[Emit], Awaitable[None]], max_pending: int = 4) -> None:
        self._produce = produce
        self._items: queue.Queue[Any] = queue.Queue(max_pending)

    def waiting(self) -> bool:
        """Whether the next item has already arrived (taking it would not wait)."""
        return not self._items.empty()

    def __iter__(self) -> Iterator[Any]:
        items = self._items
        stopped = threading.Event()

        async def emit(item: Any) -> None:
            if stopped.is_set():
                raise asyncio.CancelledError("the consumer stopped reading")
            await asyncio.to_thread(items.put, item)

        def run() -> None:
            try:
                asyncio.run(self._produce(emit))
                outcome: Any = _DONE
            except BaseException as error:  # handed to the consumer thread
                outcome = _Failed(error)
            if not stopped.is_set():
                items.put(outcome)

        worker = threading.Thread(target=run, name="ccdata-fetch", daemon=True)
        worker.start()
        try:
            while True:
                item = items.get()
                if item is _DONE:
                    return
                if isinstance(item, _Failed):
                    raise item.error
                yield item
        finally:
            stopped.set()
            while worker.is_alive():  # unblock a producer waiting on a full queue
                with contextlib.suppress(queue.Empty):
                    items.get(timeout=0.05)
