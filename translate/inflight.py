"""Documents in flight: several documents translated at once, delivered in their order.

A news night is many short articles.  One article of 20 sentences is two
chunks for the decoder (16 + 4), so decoded one after another, articles leave
CTranslate2's decoding threads idle while the short chunk runs alone and while
Python reads, segments, checks and writes.  :func:`run_in_flight` runs up to
``limit`` documents at once, each on its own thread, each still its own
translate call with its own length-sorted chunks: no batch ever mixes two
documents, so a document's bytes cannot depend on what else is in flight.

What stays on the driving thread (the one that called :func:`run_in_flight`,
the main thread for the CLI):

- **The order.**  Results are delivered in the order the items came, so the
  batch driver commits and reports as it did one document at a time.
- **SQLite.**  The cache and the translation memory are SQLite connections,
  which belong to the thread that opened them: a worker's lookups are carried
  out by the driving thread (:func:`on_driver`) while it waits.
- **Signals.**  Only the main thread receives them.  It waits in short,
  interruptible waits; on a signal (or any error) it tells the workers to stop
  (:meth:`Slot.check` raises :class:`Abandoned` in them at their next decoding
  wait, so their temporaries are removed by the same ``finally`` blocks as an
  error's), gives them :data:`UNWIND_SECONDS` to unwind, and re-raises.
- **The cache's order.**  With a cross-run cache, one document at a time sees
  the new translations of every document before it, and decodes only the
  rest: which sentences it decodes (and so its batches, and so its bytes)
  depends on them.  In flight, a document first waits until every earlier
  one has looked up its sentences (:meth:`Slot.claimed`: quick, before they
  decode); a sentence an earlier document in flight decodes is then taken
  from it once it is delivered (:meth:`Slot.take`), marked ``reused``, and
  the document decodes exactly the sentences it would have decoded alone,
  while the earlier ones are still decoding.  So with the cache on too, the
  bytes are those of a run one document at a time.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Generic, TypeVar, cast

if TYPE_CHECKING:
    from translate.pipeline import CacheLookup, MemoryStore, Translator
    from translate.types import Translation

T = TypeVar("T")
R = TypeVar("R")

#: Most documents in flight at once, whatever the thread count.
MAX_DOCUMENTS = 8
#: Finished documents that may wait, undelivered, behind a slow one (per slot).
WAITING_PER_SLOT = 4
#: How often a waiting worker looks whether the run was stopped, in seconds.
POLL_SECONDS = 0.05
#: How long a stopped run waits for its documents in flight to remove their temporaries.
UNWIND_SECONDS = 1.0


class Abandoned(BaseException):
    """The run stopped (a signal, an error) while this document was in flight.

    A BaseException, like :class:`~translate.errors.Interrupted`: no ``except
    Exception`` on the way catches it, and ``finally`` blocks clean up.
    """


def documents_in_flight(translator: Translator) -> int:
    """Return how many documents to translate at once with ``translator`` (1: one by one).

    CTranslate2 decodes ``inter`` chunks at once; one more document than that
    keeps them fed while the others are read, checked and written.  Memory
    grows with the chunks decoding at once (``inter``, fixed by the thread
    split), not with the documents waiting for a thread: a queued chunk holds
    only its tokens.  The transformers backend decodes one chunk at a time in
    the calling thread, so it gains nothing and runs documents one by one.
    """
    backend = translator.backend
    threads = getattr(backend, "threads", None)
    if backend.name != "ctranslate2" or threads is None:
        return 1
    inter = int(getattr(threads, "inter", 1))
    return max(1, min(MAX_DOCUMENTS, inter + 1))


@dataclass(eq=False)
class _Call:
    """A function a worker needs run on the driving thread, and its result."""

    function: Callable[[], object]
    done: threading.Event = field(default_factory=threading.Event)
    result: object = None
    error: BaseException | None = None

    def run(self) -> None:
        # A signal (a BaseException) is not handed over: it stops the run here,
        # and the worker that asked sees the stop while it waits.
        try:
            self.result = self.function()
        except Exception as exc:  # the worker's error: raised in the worker
            self.error = exc
        self.done.set()


class _Flight:
    """What the driving thread and its workers share during one :func:`run_in_flight`."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.changed = threading.Condition()
        #: Items delivered so far (the next to deliver has this index).
        self.delivered = 0
        #: Entries each delivered item published, by index (pruned as slots finish).
        self.published: dict[int, Mapping[str, Translation]] = {}
        #: Items, from the first, that looked up all their windows (see Slot.claimed).
        self.registered = 0
        self._finished_registering: set[int] = set()
        #: Pieces a document in flight decodes itself -> its index, and the reverse.
        self.claims: dict[str, int] = {}
        self.claimed_by: dict[int, list[str]] = {}
        #: Work for the driving thread: calls, and None when a worker finished.
        self.inbox: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self.driver = threading.current_thread()

    def done_registering(self, index: int) -> None:
        """Note that item ``index`` claims nothing more (call with ``changed`` held)."""
        self._finished_registering.add(index)
        while self.registered in self._finished_registering:
            self._finished_registering.discard(self.registered)
            self.registered += 1
        self.changed.notify_all()

    def forget_before(self, floor: int) -> None:
        """Drop what items below ``floor`` published and claimed: no one in flight asks."""
        for index in [i for i in self.published if i < floor]:
            del self.published[index]
        for index in [i for i in self.claimed_by if i < floor]:
            for piece in self.claimed_by.pop(index):
                if self.claims.get(piece) == index:
                    del self.claims[piece]


class Slot:
    """One document in flight, as its worker thread sees the run."""

    def __init__(self, flight: _Flight, index: int) -> None:
        self._flight = flight
        self.index = index

    def check(self) -> None:
        """Raise Abandoned if the run was stopped (called while a worker waits)."""
        if self._flight.stop.is_set():
            raise Abandoned

    def wait(self, future: Future[R]) -> R:
        """Return ``future``'s result, raising Abandoned as soon as the run stops."""
        while True:
            try:
                return future.result(timeout=POLL_SECONDS)
            except TimeoutError:
                self.check()

    def call(self, function: Callable[[], R]) -> R:
        """Return ``function()`` run on the driving thread (the owner of the SQLite files)."""
        if threading.current_thread() is self._flight.driver:
            return function()
        request = _Call(function)
        self._flight.inbox.put(request)
        while not request.done.wait(POLL_SECONDS):
            self.check()
        if request.error is not None:
            raise request.error
        return cast("R", request.result)

    def claimed(self, pieces: Sequence[str]) -> dict[str, int]:
        """Return which of ``pieces`` an earlier document in flight decodes, by its index.

        Waits until every earlier document has looked up all of its windows
        (:meth:`claim` with ``last``), so the answer is the one a sequential
        run would give: those pieces would have been in the cache by now.
        """
        flight = self._flight
        with flight.changed:
            while flight.registered < self.index:
                self.check()
                flight.changed.wait(POLL_SECONDS)
            # A delivered document's pieces are in the cache: the lookup finds them.
            early = flight.delivered
            return {p: i for p in pieces if (i := flight.claims.get(p, -1)) >= early}

    def claim(self, pieces: Sequence[str], last: bool) -> None:
        """Record that this document decodes ``pieces`` itself; ``last``: its last window."""
        flight = self._flight
        with flight.changed:
            for piece in pieces:
                flight.claims[piece] = self.index
            flight.claimed_by.setdefault(self.index, []).extend(pieces)
            if last:
                flight.done_registering(self.index)

    def take(self, claimed: Mapping[str, int]) -> dict[str, Translation]:
        """Return the translations the earlier documents decoded for ``claimed``, ``reused``.

        Waits until they are delivered.  A piece one of them did not publish
        (it failed) is missing from the answer: the caller decodes it itself.
        """
        flight = self._flight
        with flight.changed:
            while flight.delivered <= max(claimed.values(), default=-1):
                self.check()
                flight.changed.wait(POLL_SECONDS)
            found: dict[str, Translation] = {}
            for piece, index in claimed.items():
                entry = flight.published.get(index, {}).get(piece)
                if entry is not None:
                    found[piece] = replace(entry, origin="reused")
            return found


#: The document in flight that the current thread translates (None outside a flight).
_current: ContextVar[Slot | None] = ContextVar("el2en_in_flight", default=None)


def current() -> Slot | None:
    """Return the slot of the document this thread translates, if it runs in flight."""
    return _current.get()


class _LookupOnDriver:
    """A cache seen from a worker: lookups are carried out by the driving thread."""

    def __init__(self, inner: CacheLookup) -> None:
        self.inner = inner

    def get_many(self, keys: Sequence[str]) -> dict[str, Translation]:
        """Return the inner cache's translations of ``keys``, looked up on the driving thread."""
        slot = current()
        if slot is None:
            return self.inner.get_many(keys)
        return slot.call(lambda: self.inner.get_many(keys))


class _MemoryOnDriver(_LookupOnDriver):
    """A translation memory seen from a worker (its fingerprint is read at load time)."""

    def __init__(self, inner: MemoryStore) -> None:
        super().__init__(inner)
        self.memory = inner

    def fingerprint(self) -> str:
        """Return the memory's fingerprint."""
        return self.memory.fingerprint()


@contextlib.contextmanager
def on_driver(translator: Translator) -> Iterator[None]:
    """Let workers use ``translator``'s cache and memory: their SQLite calls go to this thread."""
    cache, memory = translator.cache, translator.memory
    if cache is not None:
        translator.cache = _LookupOnDriver(cache)
    if memory is not None:
        translator.memory = _MemoryOnDriver(memory)
    try:
        yield
    finally:
        translator.cache, translator.memory = cache, memory


@dataclass
class _Running(Generic[T, R]):
    item: T
    future: Future[R]
    #: Documents delivered when this one started: none of its marks is lower.
    floor: int


def run_in_flight(
    items: Iterable[T],
    work: Callable[[T], R],
    deliver: Callable[[T, R], None],
    limit: int,
    published: Callable[[R], Mapping[str, Translation]] | None = None,
) -> None:
    """Run ``work`` on up to ``limit`` items at once; ``deliver`` each result in order.

    ``items`` is consumed on this thread, one item at a time as a slot frees
    (the batch driver decides and reads an input when it is asked for it).
    ``work`` runs on a worker thread with its :class:`Slot` as :func:`current`;
    ``deliver`` runs here, in the items' order.  ``published`` returns the
    cache entries a delivered result adds (see :meth:`Slot.take`).
    An exception from ``work`` is raised here when its item's turn comes, after
    the items before it were delivered; then, as on a signal, the other
    documents in flight are stopped and given :data:`UNWIND_SECONDS` to clean up.
    """
    flight = _Flight()
    source = iter(items)
    running: deque[_Running[T, R]] = deque()
    exhausted = False
    started = 0
    pool = ThreadPoolExecutor(max(1, limit), thread_name_prefix="el2en-doc")

    def run(slot: Slot, item: T) -> R:
        token = _current.set(slot)
        try:
            return work(item)
        finally:
            _current.reset(token)
            with flight.changed:  # it claims nothing more, whatever happened
                flight.done_registering(slot.index)
            flight.inbox.put(None)  # wakes the driving thread

    failed = False  # a delivery or a worker failed: deliver nothing more

    def hand_over(done: _Running[T, R]) -> None:
        nonlocal failed
        failed = True
        result = done.future.result()  # a worker's error stops the run here
        deliver(done.item, result)
        failed = False
        with flight.changed:
            if published is not None:
                flight.published[flight.delivered] = published(result)
            flight.delivered += 1
            flight.forget_before(min((r.floor for r in running), default=flight.delivered))
            flight.changed.notify_all()

    try:
        while True:
            busy = sum(1 for r in running if not r.future.done())
            while not exhausted and busy < limit and len(running) < limit * WAITING_PER_SLOT:
                try:
                    item = next(source)
                except StopIteration:
                    exhausted = True
                    break
                future = pool.submit(run, Slot(flight, started), item)
                started += 1
                running.append(_Running(item, future, flight.delivered))
                busy += 1
            if not running:
                return
            head = running[0]
            if head.future.done():
                running.popleft()
                hand_over(head)
                continue
            try:  # short waits: a signal is handled between them
                request = flight.inbox.get(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
            if request is not None:
                request.run()
    except BaseException:
        flight.stop.set()
        futures = [r.future for r in running]
        for r in running:
            r.future.cancel()
        wait_futures(futures, timeout=UNWIND_SECONDS)
        if not failed:  # what finished before the stop is delivered (and so committed)
            while running and running[0].future.done() and not running[0].future.cancelled():
                if running[0].future.exception() is not None:
                    break
                hand_over(running.popleft())
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
