"""The viewer's language and time zone: Flask-Babel's selectors and the `when` filter.

The time zone is, in this order: the one the person chose on the account page
(`User.time_zone`), the browser's (static/timezone.js puts it in the `tz` cookie), else UTC.
Every zone name is checked against the IANA database; anything else is ignored.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from flask import Flask, has_request_context, request
from flask_babel import get_locale, get_timezone
from flask_login import current_user

from .extensions import babel
from .notion.properties.display import Viewer, moment_text, people_names

# The languages the app speaks; the first is the default.
LOCALES = ("en",)
TZ_COOKIE = "tz"
UTC_NAME = "UTC"


def init_app(app: Flask) -> None:
    babel.init_app(app, default_locale=LOCALES[0], default_timezone=UTC_NAME,
                   locale_selector=locale_for_request, timezone_selector=zone_for_request)
    app.add_template_filter(when)
    app.context_processor(lambda: {"viewer_zone": zone_for_request, "utc_name": UTC_NAME})


@cache
def zone_names() -> frozenset[str]:
    """Every IANA zone this machine knows (the tzdata package where the system has none)."""
    from zoneinfo import available_timezones

    return frozenset(available_timezones())


def valid_zone(name: object) -> str | None:
    """`name` when it is a known IANA zone, else None."""
    return name if isinstance(name, str) and name in zone_names() else None


def locale_for_request() -> str:
    """The best of the shipped languages for the browser's Accept-Language, else the first."""
    if not has_request_context():
        return LOCALES[0]
    return request.accept_languages.best_match(LOCALES) or LOCALES[0]


def chosen_zone() -> str | None:
    """The zone the signed-in person chose on the account page, if any."""
    if has_request_context() and current_user.is_authenticated:
        return valid_zone(current_user.time_zone)
    return None


def browser_zone() -> str | None:
    """The zone the browser reported (the `tz` cookie), when it is a real one."""
    if not has_request_context():
        return None
    return valid_zone(request.cookies.get(TZ_COOKIE, "")[:64])


def zone_for_request() -> str:
    """The zone to show times in: the chosen one, the browser's, else UTC."""
    return chosen_zone() or browser_zone() or UTC_NAME


def viewer(users=None) -> Viewer:
    """Who reads this page, for notion/properties/display.py; `users`: the workspace's people
    when the page has them (to name a person Notion sent only the id of)."""
    return Viewer(locale=str(get_locale() or LOCALES[0]), zone=get_timezone(),
                  people=people_names(users if isinstance(users, list) else None))


def when(moment: datetime | None) -> str:
    """Jinja filter: a stored moment (naive UTC) in the viewer's zone and words."""
    return moment_text(moment, viewer()) if moment else ""
