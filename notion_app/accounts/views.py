"""The front page; sign up, log in, log out, change password, delete the account."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..buttons import PostForm
from ..connections import authorizations
from . import throttle
from . import users as accounts
from .forms import ChangePasswordForm, DeleteAccountForm, LoginForm, SignupForm

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


@bp.route("/auth/signup", methods=["GET", "POST"])
def signup():
    """Create a local account."""
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(form.email.data, form.password.data)
        except accounts.EmailTaken:
            form.email.errors.append("An account with this email already exists. Log in instead.")
        else:
            _begin_session(user)
            flash("Welcome! Connect a Notion workspace to get started.", "success")
            return redirect(url_for("connections.dashboard"))
    return render_template("accounts/signup.html", form=form), 400 if form.errors else 200


@bp.route("/auth/login", methods=["GET", "POST"])
def login():
    """Log in with email and password; failures are throttled across workers."""
    form = LoginForm()
    if form.validate_on_submit():
        keys = [f"email:{accounts.normalize_email(form.email.data)}", f"ip:{request.remote_addr}"]
        if throttle.is_throttled(keys):
            form.password.errors.append("Too many failed attempts. Wait 15 minutes and try again.")
            return render_template("accounts/login.html", form=form), 429
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            throttle.record_failure(keys)
            form.password.errors.append("Email or password is incorrect.")
        else:
            throttle.clear(keys[:1])
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
    """Account settings: change password, delete the account."""
    return render_template(
        "accounts/account.html", password_form=ChangePasswordForm(), delete_form=DeleteAccountForm()
    )


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
    html = render_template(
        "accounts/account.html", password_form=form, delete_form=DeleteAccountForm()
    )
    return html, 400


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
    html = render_template(
        "accounts/account.html", password_form=ChangePasswordForm(), delete_form=form
    )
    return html, 400
