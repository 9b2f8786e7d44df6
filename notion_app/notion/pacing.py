"""Pacing: a token bucket per key (a Notion `bot_id`) so calls stay under Notion's rate limit.

Both pacers implement the same small interface:

- `acquire(key, timeout=None) -> float` blocks until the key may make one request and returns the
  seconds it waited. When the wait would be longer than `timeout`, it takes nothing from the
  bucket, does not sleep, and raises `PacerTimeout`, whose `retry_after` says how long the wait
  would have been (so a web request can hand the row to the background sender instead).
- `penalize(key, seconds)` is called on a 429: nobody using that key may start a request for
  `seconds`, and afterwards requests resume at the steady rate (no burst right after a 429).

The bucket is GCRA (the "generic cell rate algorithm", a token bucket stored as one timestamp):
`rate` requests per second on average with bursts of up to `burst`. The defaults (2.5/s, burst 4)
sit under Notion's documented average of 3 requests per second: in any window of T seconds at most
`burst + rate*T` requests start (e.g. 154 per minute against Notion's 180), so a steady stream never
earns a 429, while a form that needs two quick calls does not wait.

Notion has two levels of limits: a budget per connection and one per
workspace, shared by every connection to it (several local users may connect one workspace).
`LayeredPacer` keeps both: its key is `(bot_id, workspace_id)` (or a plain bot_id), a request
takes a slot from both buckets and waits for the later one, and `penalize(key, s, reason)` blocks
the bucket a 429's `additional_data.rate_limit_reason` names.

`MemoryPacer` is per process and thread-safe. `RedisPacer` keeps the state in Redis and updates it
with a Lua script using Redis's own clock, so every process and dyno shares one budget per key.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

DEFAULT_RATE = 2.5
DEFAULT_BURST = 4


class PacerTimeout(Exception):  # noqa: N818 - reads better at the call site than PacerTimeoutError
    """The wait for a slot would exceed the caller's timeout. `retry_after`: seconds needed."""

    def __init__(self, retry_after: float):
        self.retry_after = retry_after
        super().__init__(f"pacing would need a wait of {retry_after:.2f}s")


def _check(rate: float, burst: int) -> None:
    if not rate > 0:
        raise ValueError("rate must be positive")
    if burst < 1:
        raise ValueError("burst must be at least 1")


class _Pacer:
    """What both pacers share: reserve a slot, then sleep until it comes."""

    _sleep: Callable[[float], None]

    def reserve(self, key: str, timeout: float | None = None) -> float:
        raise NotImplementedError

    def acquire(self, key: str, timeout: float | None = None) -> float:
        """Wait for the key's next slot (raises PacerTimeout if it is further than `timeout`)."""
        wait = self.reserve(key, timeout)
        if wait > 0:
            self._sleep(wait)
        return wait


class MemoryPacer(_Pacer):
    """GCRA buckets in this process's memory, one per key."""

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        burst: int = DEFAULT_BURST,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        _check(rate, burst)
        self.interval = 1.0 / rate
        self.tolerance = (burst - 1) * self.interval
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tat: dict[str, float] = {}  # theoretical arrival time of the next request per key

    def reserve(self, key: str, timeout: float | None = None) -> float:
        """Take a slot now and return how long to wait before using it (no sleeping)."""
        with self._lock:
            now = self._clock()
            tat = max(self._tat.get(key, now), now)
            wait = max(0.0, tat - self.tolerance - now)
            if timeout is not None and wait > timeout:
                raise PacerTimeout(wait)
            self._tat[key] = tat + self.interval
            if len(self._tat) > 10_000:  # forget idle keys so the dict cannot grow forever
                self._tat = {k: v for k, v in self._tat.items() if v > now}
            return wait

    def penalize(self, key: str, seconds: float) -> None:
        with self._lock:
            now = self._clock()
            blocked = now + max(0.0, seconds) + self.tolerance
            self._tat[key] = max(self._tat.get(key, now), blocked)


_ACQUIRE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local timeout = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if timeout >= 0 and wait > timeout then
  return {0, string.format('%.6f', wait)}
end
local new = tat + interval
redis.call('SET', KEYS[1], string.format('%.6f', new), 'PX', math.ceil((new - now) * 1000) + 1000)
return {1, string.format('%.6f', wait)}
"""

_PENALIZE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local blocked = now + tonumber(ARGV[1]) + tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if blocked > tat then
  redis.call('SET', KEYS[1], string.format('%.6f', blocked), 'PX',
             math.ceil((blocked - now) * 1000) + 1000)
end
return 1
"""


class RedisPacer(_Pacer):
    """GCRA buckets in Redis, shared by every process that uses the same Redis and prefix."""

    def __init__(
        self,
        redis_client,
        rate: float = DEFAULT_RATE,
        burst: int = DEFAULT_BURST,
        *,
        prefix: str = "notion:pace:",
        sleep: Callable[[float], None] = time.sleep,
    ):
        _check(rate, burst)
        self.interval = 1.0 / rate
        self.tolerance = (burst - 1) * self.interval
        self.prefix = prefix
        self._redis = redis_client
        self._sleep = sleep
        self._acquire = redis_client.register_script(_ACQUIRE_LUA)
        self._penalize = redis_client.register_script(_PENALIZE_LUA)

    def reserve(self, key: str, timeout: float | None = None) -> float:
        limit = -1.0 if timeout is None else float(timeout)
        ok, wait = self._acquire(
            keys=[self.prefix + key], args=[repr(self.interval), repr(self.tolerance), repr(limit)]
        )
        wait = float(wait)
        if not int(ok):
            raise PacerTimeout(wait)
        return wait

    def penalize(self, key: str, seconds: float) -> None:
        self._penalize(
            keys=[self.prefix + key], args=[repr(max(0.0, float(seconds))), repr(self.tolerance)]
        )


WORKSPACE_REASONS = ("workspace",)  # a rate_limit_reason naming the workspace's budget


def is_workspace_reason(reason: str | None) -> bool:
    """Whether a 429's `rate_limit_reason` names the workspace budget (the exact strings are
    unconfirmed: any reason that mentions the workspace counts; anything else is the
    connection's own budget)."""
    return bool(reason) and any(w in reason.lower() for w in WORKSPACE_REASONS)


class LayeredPacer(_Pacer):
    """A connection bucket and a workspace bucket; a request needs a slot in both.

    Keys are `(connection_key, workspace_key)`; a plain string is a connection with no known
    workspace (only its own bucket). When the workspace's wait would exceed `timeout`, the
    connection's slot is already taken: a small overdraw of that one bucket, never of Notion's.
    """

    def __init__(self, connection: _Pacer, workspace: _Pacer, *,
                 sleep: Callable[[float], None] = time.sleep):
        self.connection = connection
        self.workspace = workspace
        self._sleep = sleep

    @staticmethod
    def _keys(key) -> tuple[str, str | None]:
        if isinstance(key, tuple):
            return key[0], (key[1] or None) if len(key) > 1 else None
        return key, None

    def reserve(self, key, timeout: float | None = None) -> float:
        conn_key, ws_key = self._keys(key)
        # The connection's own bucket first: if the shared one then times out, only this
        # connection's slot was spent, never the workspace's that others share.
        wait = self.connection.reserve(conn_key, timeout)
        if ws_key is not None:
            wait = max(wait, self.workspace.reserve("ws:" + ws_key, timeout))
        return wait

    def penalize(self, key, seconds: float, reason: str | None = None) -> None:
        conn_key, ws_key = self._keys(key)
        if ws_key is not None and is_workspace_reason(reason):
            self.workspace.penalize("ws:" + ws_key, seconds)
        else:
            self.connection.penalize(conn_key, seconds)
