"""What a person sets for how the app shows things: the time zone of the times on every page
(the account page's "Time zone" section)."""

from __future__ import annotations

from functools import cache

from flask import Blueprint, flash, g, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import ValidationError

from .. import localization
from ..extensions import db
from .views import account as account_page

bp = Blueprint("preferences", __name__)
AUTOMATIC = ""
# The regions of the IANA database people live in (not Etc/GMT+5, US/Pacific and such aliases).
REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia",
           "Europe", "Indian", "Pacific")


@cache
def listed_zones() -> tuple[str, ...]:
    """UTC, then every zone of a region, by name."""
    regional = (z for z in localization.zone_names() if z.split("/", 1)[0] in REGIONS)
    return (localization.UTC_NAME, *sorted(regional))


def _listed(_form, field) -> None:
    if field.data != AUTOMATIC and field.data not in listed_zones():
        raise ValidationError("Choose a time zone from the list, or Automatic.")


class TimeZoneForm(FlaskForm):
    time_zone = SelectField("Time zone", validate_choice=False, validators=[_listed])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        browser = localization.browser_zone()
        automatic = (f"Automatic: this browser's ({browser})" if browser
                     else "Automatic: this browser's (UTC until it tells us)")
        self.time_zone.choices = [(AUTOMATIC, automatic), *((z, z) for z in listed_zones())]


@bp.app_context_processor
def _time_zone_form():
    """The account page's form: the one just refused (with its error), else a fresh one."""

    def time_zone_form() -> TimeZoneForm:
        if "time_zone_form" not in g:
            g.time_zone_form = TimeZoneForm(time_zone=current_user.time_zone or AUTOMATIC)
        return g.time_zone_form

    return {"time_zone_form": time_zone_form}


@bp.post("/auth/account/time-zone")
@login_required
def time_zone():
    """Show times in the chosen zone, or in the browser's (Automatic)."""
    form = TimeZoneForm()
    if not form.validate_on_submit():
        g.time_zone_form = form
        return account_page(), 400
    current_user.time_zone = form.time_zone.data or None
    db.session.commit()
    if current_user.time_zone:
        flash(f"Times are now shown in {current_user.time_zone}.", "success")
    else:
        flash(f"Times now follow this browser's time zone ({localization.zone_for_request()}).",
              "success")
    return redirect(url_for("accounts.account") + "#time-zone")
