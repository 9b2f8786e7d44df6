"""API_RATE_LIMIT per token ("120/minute", the limits library's syntax), counted with the
throttle counters of accounts/throttle.py (Redis when REDIS_URL is set, else the database), so
every worker shares them.

A fixed window: each token's requests are counted per period, atomically before the check, so
exactly `limit` requests pass in a window however many workers race; the rest get a 429 with
Retry-After until the window ends. Two counters per token take turns (even and odd windows):
a counter is at least one period old when its turn comes again, so it starts again from one
(the throttle forgets a counter a window after its last count), and the database keeps two
rows per token, never one per window.
"""

from __future__ import annotations

import math
import re
import time

from flask import current_app

from ..accounts import throttle
from .tokens import Caller

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
LIMIT_RE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d*)\s*(second|minute|hour|day)s?\s*$", re.I)


def parse(text: str) -> tuple[int, int]:
    """("120/minute") -> (120, 60); also "10 per second", "1000/2 hours"."""
    match = LIMIT_RE.match(text or "")
    if not match:
        raise ValueError(f"API_RATE_LIMIT {text!r} is not like '120/minute'")
    count, many, unit = match.groups()
    return int(count), int(many or 1) * PERIODS[unit.lower()]


def retry_after(token: Caller) -> int:
    """Count this request; 0 when it may go ahead, else the seconds until the window ends."""
    limit, period = parse(current_app.config["API_RATE_LIMIT"])
    now = time.time()
    window = int(now // period)
    rule = throttle.Rule(limit=limit + 1, window=period, delay=period, cap=period)
    counter = throttle.Counter(f"api-rate:{token.id}:{window % 2}", rule)
    throttle.record(counter)
    if throttle.retry_after(counter) <= 0:
        return 0
    return max(1, math.ceil((window + 1) * period - now))
