"""The front page; sign up, log in, log out (here or everywhere), change password, delete the
account; confirm the email address; reset a forgotten password by email."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from .. import mail
from ..buttons import PostForm
from ..connections import authorizations
from . import confirmation, links, recovery, throttle
from . import users as accounts
from .forms import (
    ChangePasswordForm,
    ConfirmEmailForm,
    DeleteAccountForm,
    LoginForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignupForm,
)

bp = Blueprint("accounts", __name__)


@bp.get("/")
def index():
    """What the app does; signed-in people go straight to their dashboard."""
    if current_user.is_authenticated:
        return redirect(url_for("connections.dashboard"))
    return render_template("accounts/index.html")


def safe_next(target: str | None) -> str | None:
    """`target` only when it is a path on this site ("/x", not "//evil" or "/\\evil")."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def _begin_session(user) -> None:
    """A fresh session for a fresh login (nothing from before login survives)."""
    session.clear()
    accounts.start_login_session(user)
    login_user(user)


def too_many(template: str, form, field, wait: int):
    """The 429 answer of a throttled form: the wait in the text and in Retry-After."""
    field.errors = [*field.errors, f"Too many attempts: try again in {wait} s."]
    resp = make_response(render_template(template, form=form), 429)
    resp.headers["Retry-After"] = str(wait)
    return resp


SIGNUP_ATTEMPT_SUBJECT = "Someone tried to sign up with your address"
SIGNUP_ATTEMPT_BODY = """Hello,

Someone just tried to create a Notion Rows account with this email address, which already has
one. Nothing changed: no account was created and your password still works.

If it was you, log in instead: {login_url}
If you forgot your password, choose a new one: {reset_url}
If it was not you, there is nothing to do; you may ignore this mail.
"""


def _tell_owner(email: str) -> None:
    """Mail the owner of a taken address (in the background: the answer must not be slower)."""
    body = SIGNUP_ATTEMPT_BODY.format(login_url=url_for("accounts.login", _external=True),
                                      reset_url=url_for("accounts.forgot_password", _external=True))
    mail.send(email, SIGNUP_ATTEMPT_SUBJECT, body)


@bp.route("/auth/signup", methods=["GET", "POST"])
def signup():
    """Create a local account; attempts are throttled per client address."""
    form = SignupForm()
    if request.method == "POST":
        counter = throttle.signup_counter(request.remote_addr)
        wait = throttle.retry_after(counter)
        if wait:
            return too_many("accounts/signup.html", form, form.email, wait)
    if form.validate_on_submit():
        throttle.record(counter)
        try:
            user = accounts.create_user(form.email.data, form.password.data)
        except accounts.EmailTaken:
            login_link = Markup('<a href="{}">Log in</a>').format(url_for(".login"))
            form.email.errors.append(
                Markup("An account with this email already exists. {} instead.").format(login_link)
            )
            _tell_owner(accounts.normalize_email(form.email.data))
        else:
            _begin_session(user)
            confirmation.send_link(user)
            flash(f"Welcome! We sent a link to {user.email} to confirm it is yours. Connect a "
                  "Notion workspace to get started.", "success")
            return redirect(url_for("connections.dashboard"))
    return render_template("accounts/signup.html", form=form), 400 if form.errors else 200


@bp.route("/auth/login", methods=["GET", "POST"])
def login():
    """Log in with email and password; failures are throttled across workers."""
    form = LoginForm()
    if form.validate_on_submit():
        email = accounts.normalize_email(form.email.data)
        pair, address = throttle.login_counters(email, request.remote_addr)
        wait = throttle.login_retry_after(pair, address)
        if wait:
            return too_many("accounts/login.html", form, form.password, wait)
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            throttle.record(pair, address)
            form.password.errors.append("Email or password is incorrect.")
        else:
            throttle.clear(pair)  # the address keeps its count: others may be guessing there
            _begin_session(user)
            return redirect(safe_next(request.args.get("next")) or url_for("connections.dashboard"))
    return render_template("accounts/login.html", form=form), 400 if form.errors else 200


@bp.post("/auth/logout")
def logout():
    """End this login session for good (the server forgets it)."""
    if PostForm().validate_on_submit() and current_user.is_authenticated:
        accounts.end_login_session(current_user)
        logout_user()
        session.clear()
        flash("You are logged out.", "info")
    return redirect(url_for(".index"))


@bp.route("/auth/account", methods=["GET"])
@login_required
def account():
    """Account settings: change password, log out everywhere, delete the account."""
    return _account_page(ChangePasswordForm(), DeleteAccountForm())


def _account_page(password_form, delete_form):
    return render_template(
        "accounts/account.html", password_form=password_form, delete_form=delete_form,
        sessions_form=PostForm(), session_count=accounts.count_login_sessions(current_user),
        idle=_duration(current_app.config["SESSION_IDLE_TIMEOUT"]),
        max_age=_duration(current_app.config["SESSION_MAX_AGE"]),
        confirmed=confirmation.is_confirmed(current_user), confirm_form=PostForm(),
    )


def _duration(seconds: int) -> str:
    """"7 days", "2 hours", "30 minutes": a session setting in words."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds) // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{int(seconds)} seconds"


@bp.post("/auth/account/sessions/end")
@login_required
def end_all_sessions():
    """Log out everywhere: every login session of this account ends, this one too — a copy of
    this very cookie (stolen from this browser) must not survive, and logging in again here
    costs only the password."""
    if PostForm().validate_on_submit():
        ended = accounts.end_all_login_sessions(current_user)
        logout_user()
        session.clear()
        flash(f"You were logged out everywhere ({ended} sessions ended). Log in again.", "info")
        return redirect(url_for(".login"))
    return redirect(url_for(".account"))


@bp.post("/auth/account/password")
@login_required
def change_password():
    """Change the password; other login sessions end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if accounts.authenticate(current_user.email, form.current.data) is None:
            form.current.errors.append("Your current password is incorrect.")
        else:
            accounts.change_password(current_user, form.password.data)
            flash("Your password was changed. Other devices were logged out.", "success")
            return redirect(url_for(".account"))
    return _account_page(form, DeleteAccountForm()), 400


@bp.post("/auth/account/delete")
@login_required
def delete_account():
    """Delete the account: revoke every Notion token first, then remove everything."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if form.confirm.data.strip().lower() != "delete":
            form.confirm.errors.append('Type "delete" to confirm.')
        elif accounts.authenticate(current_user.email, form.password.data) is None:
            form.password.errors.append("Your password is incorrect.")
        else:
            authorizations.disconnect_all(current_user)
            accounts.delete_user(current_user)
            logout_user()
            session.clear()
            flash("Your account and its Notion connections were deleted.", "info")
            return redirect(url_for(".index"))
    return _account_page(ChangePasswordForm(), form), 400


def link_refused(refused: links.LinkRefused, what: str, again_url: str, again_label: str):
    """The 400 page of a mailed link that cannot be used, with the way to a new one."""
    page = render_template("accounts/link_refused.html", expired=refused.expired, what=what,
                           again_url=again_url, again_label=again_label)
    return links.no_referrer(make_response(page, 400))


def _confirmation_refused(refused: links.LinkRefused):
    return link_refused(refused, "confirm your email address", url_for(".account"),
                        "Send a new link from your account page")


def _confirm_page(token: str | None, status: int = 200):
    try:
        user = confirmation.user_for(token)
    except links.LinkRefused as refused:
        return _confirmation_refused(refused)
    form = ConfirmEmailForm(formdata=None, token=token)
    page = render_template("accounts/confirm.html", form=form, email=user.email)
    return links.no_referrer(make_response(page, status))


@bp.get("/auth/confirm")
def confirm_email():
    """The mailed confirmation link: a button to confirm (a state change is a POST)."""
    return _confirm_page(request.args.get("token"))


@bp.post("/auth/confirm")
def confirm_email_post():
    """Confirm the address of the link's account."""
    form = ConfirmEmailForm()
    if not form.validate_on_submit():  # (a missing CSRF token is the global 400 before this)
        return _confirm_page(form.token.data, 400)
    try:
        user, before = confirmation.confirm(form.token.data)
    except links.LinkRefused as refused:
        return _confirmation_refused(refused)
    flash(f"{user.email} was confirmed already." if before
          else f"Thank you: {user.email} is confirmed.", "success")
    mine = current_user.is_authenticated and current_user.id == user.id
    return redirect(url_for(".account") if mine else url_for(".login"))


@bp.post("/auth/account/confirmation")
@login_required
def resend_confirmation():
    """Mail the confirmation link again; a few times an hour per account."""
    if not PostForm().validate_on_submit():
        return redirect(url_for(".account"))
    if confirmation.is_confirmed(current_user):
        flash("Your email address is confirmed already.", "info")
        return redirect(url_for(".account"))
    counter = throttle.confirmation_counter(current_user.id)
    wait = throttle.retry_after(counter)
    if wait:
        flash(f"A link was sent several times already: try again in {wait} s.", "warning")
        resp = make_response(_account_page(ChangePasswordForm(), DeleteAccountForm()), 429)
        resp.headers["Retry-After"] = str(wait)
        return resp
    throttle.record(counter)
    confirmation.send_link(current_user)
    flash(f"We sent a new link to {current_user.email}. It works for 7 days.", "success")
    return redirect(url_for(".account"))


@bp.get("/auth/reset")
def forgot_password():
    """Ask for a link to choose a new password."""
    return render_template("accounts/forgot.html", form=ResetRequestForm())


@bp.post("/auth/reset")
def forgot_password_post():
    """Mail a reset link if an account uses the address; the same answer if none does."""
    form = ResetRequestForm()
    if not form.validate_on_submit():
        return render_template("accounts/forgot.html", form=form), 400
    email = accounts.normalize_email(form.email.data)
    counters = throttle.reset_counters(email, request.remote_addr)
    wait = max(throttle.retry_after(c) for c in counters)
    if wait:
        return too_many("accounts/forgot.html", form, form.email, wait)
    throttle.record(*counters)
    recovery.request_reset(email)
    return redirect(url_for(".reset_sent"))


@bp.get("/auth/reset/sent")
def reset_sent():
    """What happens next (the same page whether or not the address has an account)."""
    return render_template("accounts/reset_sent.html")


def _reset_refused(refused: links.LinkRefused):
    return link_refused(refused, "choose a new password", url_for(".forgot_password"),
                        "Ask for a new link")


@bp.get("/auth/reset/new")
def reset_password():
    """The mailed reset link: the new-password form, the token carried in its body."""
    token = request.args.get("token")
    try:
        recovery.user_for(token)
    except links.LinkRefused as refused:
        return _reset_refused(refused)
    form = ResetPasswordForm(formdata=None, token=token)
    return links.no_referrer(make_response(render_template("accounts/reset.html", form=form)))


@bp.post("/auth/reset/new")
def reset_password_post():
    """Set the new password; every other session ends and this browser is logged in."""
    form = ResetPasswordForm()
    try:
        if not form.validate_on_submit():
            recovery.user_for(form.token.data)  # a dead link says so before any field error
            return render_template("accounts/reset.html", form=form), 400
        user = recovery.reset_password(form.token.data, form.password.data)
    except links.LinkRefused as refused:
        return _reset_refused(refused)
    _begin_session(user)
    flash("Your new password is set. Every other browser and device was logged out.", "success")
    return redirect(url_for("connections.dashboard"))
