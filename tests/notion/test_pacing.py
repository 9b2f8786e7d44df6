"""Pacers: MemoryPacer with an injected clock; RedisPacer against the local Redis."""

import os
import threading
import time
import uuid

import pytest

from notion_app.notion.pacing import MemoryPacer, PacerTimeout, RedisPacer


class FakeTime:
    def __init__(self):
        self.now = 1000.0

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def memory_pacer(rate=2.5, burst=4):
    fake = FakeTime()
    return MemoryPacer(rate, burst, clock=fake.clock, sleep=fake.sleep), fake


def test_burst_then_steady_rate():
    pacer, fake = memory_pacer(rate=2.5, burst=4)
    waits = [pacer.acquire("bot") for _ in range(8)]
    assert waits[:4] == [0, 0, 0, 0]
    assert waits[4:] == pytest.approx([0.4] * 4)
    assert fake.now == pytest.approx(1000 + 4 * 0.4)


def test_a_steady_stream_stays_under_three_per_second():
    pacer, fake = memory_pacer()
    starts = []
    for _ in range(300):
        pacer.acquire("bot")
        starts.append(fake.now)
    for i, start in enumerate(starts):  # any 1 s window and any 60 s window
        assert sum(1 for s in starts[i:] if s < start + 1) <= 4 + 3
        assert sum(1 for s in starts[i:] if s < start + 60) < 180


def test_keys_are_independent():
    pacer, _ = memory_pacer(rate=1, burst=1)
    assert pacer.acquire("a") == 0
    assert pacer.acquire("b") == 0
    assert pacer.acquire("a") == pytest.approx(1)


def test_budget_refills_over_time():
    pacer, fake = memory_pacer(rate=2, burst=2)
    pacer.acquire("k")
    pacer.acquire("k")
    fake.now += 10
    assert pacer.acquire("k") == 0 and pacer.acquire("k") == 0


def test_timeout_raises_without_taking_a_slot():
    pacer, fake = memory_pacer(rate=1, burst=1)
    pacer.acquire("k")
    with pytest.raises(PacerTimeout) as info:
        pacer.acquire("k", timeout=0.5)
    assert info.value.retry_after == pytest.approx(1)
    assert fake.now == 1000  # did not sleep
    assert pacer.acquire("k", timeout=1) == pytest.approx(1)


def test_penalize_blocks_then_resumes_without_a_burst():
    pacer, fake = memory_pacer(rate=2.5, burst=4)
    pacer.penalize("bot", 5)
    assert pacer.acquire("bot") == pytest.approx(5)
    assert pacer.acquire("bot") == pytest.approx(0.4)
    assert pacer.acquire("other") == 0


def test_penalize_never_shortens_a_longer_block():
    pacer, _ = memory_pacer()
    pacer.penalize("bot", 10)
    pacer.penalize("bot", 1)
    with pytest.raises(PacerTimeout) as info:
        pacer.acquire("bot", timeout=0)
    assert info.value.retry_after == pytest.approx(10)


def test_memory_pacer_is_thread_safe():
    pacer, _ = memory_pacer(rate=1000, burst=1)
    results = []

    def worker():
        for _ in range(200):
            results.append(pacer.reserve("k"))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # every slot is distinct: the waits are exactly 0, 1ms, 2ms, ... with no duplicates
    assert sorted(round(w * 1000) for w in results) == list(range(800))


def test_bad_settings():
    with pytest.raises(ValueError):
        MemoryPacer(rate=0)
    with pytest.raises(ValueError):
        MemoryPacer(burst=0)


# -- Redis ------------------------------------------------------------------------------------


@pytest.fixture
def redis_client():
    redis = pytest.importorskip("redis")
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"Redis is not reachable at {url} (set CI=true to make this a failure)")
    prefix = f"test:pace:{uuid.uuid4().hex}:"
    yield client, prefix
    for key in client.scan_iter(prefix + "*"):
        client.delete(key)
    client.close()


@pytest.mark.redis
def test_redis_burst_then_rate(redis_client):
    client, prefix = redis_client
    pacer = RedisPacer(client, rate=10, burst=3, prefix=prefix, sleep=lambda s: None)
    waits = [pacer.reserve("bot") for _ in range(5)]
    assert waits[:3] == [0, 0, 0]
    assert waits[3] == pytest.approx(0.1, abs=0.02)
    assert waits[4] == pytest.approx(0.2, abs=0.02)


@pytest.mark.redis
def test_redis_timeout_and_penalize(redis_client):
    client, prefix = redis_client
    pacer = RedisPacer(client, rate=10, burst=2, prefix=prefix, sleep=lambda s: None)
    pacer.penalize("bot", 30)
    with pytest.raises(PacerTimeout) as info:
        pacer.acquire("bot", timeout=1)
    assert info.value.retry_after == pytest.approx(30, abs=0.5)
    assert pacer.reserve("other") == 0
    key_ttl = client.pttl(prefix + "bot")
    assert 0 < key_ttl <= 32_000  # state expires on its own


@pytest.mark.redis
def test_redis_budget_is_shared_across_clients_and_threads(redis_client):
    client, prefix = redis_client
    import redis

    rate, per_thread, threads_n = 50.0, 10, 3
    started = []
    lock = threading.Lock()

    def worker():
        # its own connection pool: as a separate process would have
        pool = redis.ConnectionPool(**client.connection_pool.connection_kwargs)
        own = redis.Redis(connection_pool=pool)
        pacer = RedisPacer(own, rate=rate, burst=1, prefix=prefix)
        for _ in range(per_thread):
            pacer.acquire("bot")
            with lock:
                started.append(time.monotonic())
        own.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = per_thread * threads_n
    assert len(started) == total
    # one shared budget: 30 starts at 50/s with no burst take at least 29/50 s
    assert max(started) - t0 >= (total - 1) / rate - 0.03


_CHILD = """
import sys, time, redis
from notion_app.notion.pacing import RedisPacer
url, prefix, start, n = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
client = redis.Redis.from_url(url)
pacer = RedisPacer(client, rate=40, burst=1, prefix=prefix)
script = pacer._acquire

def recorded(keys, args):
    # The pacer's own script, and Redis's TIME in the same MULTI/EXEC: nothing runs between
    # them, so TIME + the wait the script returned is the slot the pacer reserved.
    pipe = client.pipeline(transaction=True)
    script(keys=keys, args=args, client=pipe)
    pipe.time()
    result, (seconds, micros) = pipe.execute()
    print(repr(seconds + micros / 1e6 + float(result[1])), flush=True)
    return result

pacer._acquire = recorded
time.sleep(max(0.0, start - time.time()))
for _ in range(n):
    pacer.acquire("bot")
"""


@pytest.mark.redis
def test_redis_budget_is_shared_across_processes(redis_client):
    """Two processes, one budget: the slots the pacer reserved (Redis's clock, not when the
    children got to run) are one interval apart whichever process took them."""
    import subprocess
    import sys

    _, prefix = redis_client
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    start = time.time() + 1.5  # both children begin together, after their imports
    children = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", _CHILD, url, prefix, repr(start), "10"],
            stdout=subprocess.PIPE, text=True,
        )
        for _ in range(2)
    ]
    slots = []
    for child in children:
        out, _ = child.communicate(timeout=30)
        assert child.returncode == 0
        slots.extend(float(line) for line in out.split())
    slots.sort()
    assert len(slots) == 20
    gaps = [b - a for a, b in zip(slots, slots[1:], strict=False)]
    # one budget at 40/s with no burst: every reserved slot is at least 25 ms after the last
    # (the 1 ms allows for TIME running a few microseconds after the script, and rounding)
    assert min(gaps) >= 1 / 40 - 0.001, gaps
    assert slots[-1] - slots[0] >= 19 / 40 - 0.001
