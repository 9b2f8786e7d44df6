"""The deploy story: check-deploy, app.json, gunicorn.conf.py, encryption keys from generated
secrets, the worker."""

from __future__ import annotations

import json
import os
import runpy
import secrets
import subprocess
import sys

import jsonschema
import pytest
from cryptography.fernet import Fernet

from notion_app import config as settings
from notion_app import create_app, crypto
from notion_app.extensions import redis_client
from notion_app.ops import deployment
from ops.support import ROOT, base_env

HEROKU_ENV = {
    "APP_ENV": "production",
    "SECRET_KEY": secrets.token_hex(32),
    "TOKEN_ENCRYPTION_KEY": secrets.token_hex(32),  # what app.json's "generator": "secret" makes
    "DATABASE_URL": "postgres://u:p@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d8f",
    "REDIS_URL": "rediss://:p@ec2-5-6-7-8.compute-1.amazonaws.com:6380",
    "NOTION_CLIENT_ID": "1a2b3c4d-0000-0000-0000-000000000000",
    "NOTION_CLIENT_SECRET": "secret_" + "s" * 43,
    "NOTION_REDIRECT_URI": "https://notion-rows.herokuapp.com/notion/callback",
    "TRUSTED_HOSTS": "notion-rows.herokuapp.com",
    "MAIL_URL": "smtp://apikey:mail-pass-canary@smtp.example.com:587",
    "DYNO": "web.1",
}


def test_a_complete_heroku_config_passes_check_deploy():
    cfg = deployment.config_from_environ(HEROKU_ENV)
    problems, notes = deployment.deploy_report(cfg)
    assert problems == [] and notes == []
    assert cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["PREFERRED_URL_SCHEME"] == "https"


@pytest.mark.parametrize(("missing", "expected"), [
    ("SECRET_KEY", "SECRET_KEY must be set"),
    ("TOKEN_ENCRYPTION_KEY", "TOKEN_ENCRYPTION_KEY is empty"),
    ("NOTION_CLIENT_ID", "NOTION_CLIENT_ID must be set"),
    ("NOTION_CLIENT_SECRET", "NOTION_CLIENT_SECRET must be set"),
    ("NOTION_REDIRECT_URI", "NOTION_REDIRECT_URI must be set"),
    ("DATABASE_URL", "DATABASE_URL must point at PostgreSQL"),
    ("TRUSTED_HOSTS", "TRUSTED_HOSTS is not set"),
    ("APP_ENV", None),  # APP_ENV missing and no dyno: development, which is a problem here
])
def test_check_deploy_names_each_missing_setting(missing, expected):
    gone = {missing, "DYNO"} if missing == "APP_ENV" else {missing}
    env = {k: v for k, v in HEROKU_ENV.items() if k not in gone}
    problems, _ = deployment.deploy_report(deployment.config_from_environ(env))
    if expected:
        assert any(expected in p for p in problems), problems
    else:
        assert any("APP_ENV is not production" in p for p in problems)


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("NOTION_REDIRECT_URI", "http://notion-rows.herokuapp.com/notion/callback", "https://"),
    ("DATABASE_URL", "sqlite:////tmp/app.db", "use PostgreSQL"),
    ("BEHIND_PROXY", "0", "ProxyFix is off"),
    ("SECRET_KEY", "short", "at least 32"),
    ("TOKEN_ENCRYPTION_KEY", "too-short-to-derive-from", "neither a Fernet key"),
])
def test_check_deploy_names_each_weak_setting(name, value, expected):
    problems, _ = deployment.deploy_report(
        deployment.config_from_environ({**HEROKU_ENV, name: value})
    )
    assert any(expected in p for p in problems), problems


def test_redis_is_recommended():
    env = {k: v for k, v in HEROKU_ENV.items() if k != "REDIS_URL"}
    problems, notes = deployment.deploy_report(deployment.config_from_environ(env))
    assert problems == [] and any("REDIS_URL" in n for n in notes)


def test_a_dyno_without_app_env_is_production():
    env = {k: v for k, v in HEROKU_ENV.items() if k != "APP_ENV"}
    cfg = deployment.config_from_environ({**env, "DYNO": "web.1"})
    assert cfg["PRODUCTION"] and deployment.deploy_report(cfg)[0] == []


def test_t39_forwarded_headers_are_trusted_only_behind_a_proxy():
    """T39: gunicorn is production, but not a proxy: without DYNO or BEHIND_PROXY, ProxyFix is
    off and check-deploy explains the choice; on a dyno it is on, and off there is a problem."""
    direct = {k: v for k, v in HEROKU_ENV.items() if k not in ("DYNO", "APP_ENV")}
    cfg = deployment.config_from_environ({**direct, "SERVER_SOFTWARE": "gunicorn/23.0.0"})
    assert cfg["PRODUCTION"] and not cfg["BEHIND_PROXY"]
    problems, notes = deployment.deploy_report(cfg)
    assert problems == [] and any("ProxyFix is off (no DYNO" in n for n in notes), notes
    chosen = deployment.config_from_environ(
        {**direct, "APP_ENV": "production", "BEHIND_PROXY": "1"}
    )
    problems, notes = deployment.deploy_report(chosen)
    assert chosen["BEHIND_PROXY"] and problems == []
    assert any("BEHIND_PROXY is on without a platform" in n for n in notes), notes
    on_dyno = deployment.config_from_environ(HEROKU_ENV)
    assert on_dyno["BEHIND_PROXY"]
    off_on_dyno = deployment.config_from_environ({**HEROKU_ENV, "BEHIND_PROXY": "0"})
    assert any("ProxyFix is off (BEHIND_PROXY is 0) on a platform" in p
               for p in deployment.deploy_report(off_on_dyno)[0])


def test_mail_is_recommended():
    env = {k: v for k, v in HEROKU_ENV.items() if k != "MAIL_URL"}
    problems, notes = deployment.deploy_report(deployment.config_from_environ(env))
    assert problems == [] and any("MAIL_URL is not set" in n for n in notes)


def test_flask_check_deploy_command(tmp_path):
    development = create_app({
        "APP_ENV": "development", "NOTION_SANDBOX": False, "NOTION_CLIENT_ID": "x",
        "NOTION_CLIENT_SECRET": "y", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db",
    })
    result = development.test_cli_runner().invoke(args=["check-deploy"])
    assert result.exit_code == 1
    assert "problem: APP_ENV is not production" in result.output
    assert "problem: NOTION_REDIRECT_URI must be set" in result.output
    assert "problem: TRUSTED_HOSTS is not set" in result.output

    cfg = {**HEROKU_ENV, "TRUSTED_HOSTS": [HEROKU_ENV["TRUSTED_HOSTS"]],
           "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/b.db"}
    ready = create_app(cfg).test_cli_runner().invoke(args=["check-deploy"])
    assert ready.exit_code == 0, ready.output
    assert "ok: this configuration is ready for production" in ready.output


def test_check_deploy_works_when_the_app_refuses_to_start():
    env = {k: v for k, v in os.environ.items() if k not in HEROKU_ENV}
    env.update(APP_ENV="production", NOTION_CLIENT_ID="only-this")
    with pytest.raises(settings.ConfigError, match="Refusing to start in production"):
        settings.finalize({**settings.DEFAULTS, **settings.from_environ(env)}, str(ROOT / "x"))
    proc = subprocess.run([sys.executable, "-m", "notion_app.ops.deployment"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert "problem: SECRET_KEY must be set" in proc.stdout
    assert "problem: NOTION_CLIENT_SECRET must be set" in proc.stdout


def test_token_key_from_a_generated_hex_secret():
    hex_secret = secrets.token_hex(32)
    box = crypto.fernet_from(hex_secret)
    again = crypto.fernet_from(hex_secret)  # the same secret derives the same key
    assert again.decrypt(box.encrypt(b"ntn_x")) == b"ntn_x"
    fernet_key = Fernet.generate_key().decode()
    rotated = crypto.fernet_from(f"{fernet_key},{hex_secret}")  # new first, old second
    assert rotated.decrypt(box.encrypt(b"old")) == b"old"
    assert Fernet(fernet_key.encode()).decrypt(rotated.encrypt(b"new")) == b"new"
    with pytest.raises(crypto.TokenKeyError):
        crypto.fernet_from("x" * 31)


def test_app_json_describes_every_config_var():
    app_json = json.loads((ROOT / "app.json").read_text())
    addons = {a["plan"].split(":")[0] for a in app_json["addons"]}
    assert addons == {"heroku-postgresql", "heroku-redis"}
    assert set(app_json["formation"]) == {"web", "worker"}
    env = app_json["env"]
    assert all(spec.get("description") for spec in env.values())
    assert env["SECRET_KEY"]["generator"] == env["TOKEN_ENCRYPTION_KEY"]["generator"] == "secret"
    for name in ("NOTION_CLIENT_ID", "NOTION_CLIENT_SECRET", "NOTION_REDIRECT_URI",
                 "TRUSTED_HOSTS"):
        assert env[name]["required"] is True
    readable = set(settings.ENV_STRINGS) | set(settings.ENV_FLAGS) | {"TRUSTED_HOSTS"}
    # Set by the add-ons or only meaningful on a laptop:
    readable -= {"DATABASE_URL", "REDIS_URL", "NOTION_SANDBOX", "NOTION_SANDBOX_SECRET",
                 "WEBHOOK_ALLOW_PRIVATE"}
    gunicorn_knobs = {"WEB_CONCURRENCY", "GUNICORN_THREADS"}
    assert readable <= set(env), readable - set(env)
    assert set(env) <= readable | gunicorn_knobs


def test_app_json_follows_herokus_documented_schema():
    """The Heroku button reads app.json: add-ons, env (descriptions, generators, required),
    formation and scripts in the shapes Heroku documents (tests/ops/heroku_app_json.schema.json)."""
    schema = json.loads((ROOT / "tests" / "ops" / "heroku_app_json.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    app_json = json.loads((ROOT / "app.json").read_text())
    assert [e.message for e in validator.iter_errors(app_json)] == []
    # the schema refuses what Heroku would: an empty repository, a quantity that is not a
    # number, a secret generator beside a fixed value, an unknown key
    broken = [
        {**app_json, "repository": ""},
        {**app_json, "formation": {"web": {"quantity": "1"}}},
        {**app_json, "env": {"SECRET_KEY": {"description": "x", "generator": "secret",
                                            "value": "fixed"}}},
        {**app_json, "addon": []},
    ]
    assert all(list(validator.iter_errors(b)) for b in broken)


def test_the_readme_carries_the_deploy_button():
    readme = (ROOT / "README.md").read_text()
    # From the repository's page Heroku takes the template from the referrer: no URL needed.
    assert "](https://www.heroku.com/deploy)" in readme


def run_flask(*args, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items()
            if k not in HEROKU_ENV and not k.startswith(("NOTION_", "FLASK_"))}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                          env={**base, **env}, capture_output=True, text=True, timeout=60)


def test_check_deploy_lists_every_problem_of_an_app_that_cannot_start():
    done = run_flask("check-deploy", APP_ENV="production")
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    problems = [line for line in done.stdout.splitlines() if line.startswith("problem: ")]
    for name in ("SECRET_KEY", "TOKEN_ENCRYPTION_KEY", "NOTION_CLIENT_ID", "NOTION_CLIENT_SECRET",
                 "NOTION_REDIRECT_URI", "DATABASE_URL", "TRUSTED_HOSTS"):
        assert any(p.startswith(f"problem: {name}") for p in problems), (name, problems)


def test_check_deploy_leads_with_the_root_cause():
    done = run_flask("check-deploy", APP_ENV="development")
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith("problem: APP_ENV is not production"), done.stdout


def test_a_refusing_app_says_why_without_a_traceback():
    done = run_flask("db", "upgrade", APP_ENV="production")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "Refusing to start in production: SECRET_KEY must be set" in done.stderr
    assert "check-deploy" in done.stderr


def load_gunicorn_conf(**env) -> dict:
    old = os.environ.copy()
    os.environ.update(env)
    try:
        return runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(old)


def test_gunicorn_conf():
    conf = load_gunicorn_conf(PORT="8123", WEB_CONCURRENCY="3", GUNICORN_THREADS="6")
    assert conf["bind"] == "0.0.0.0:8123"
    assert conf["worker_class"] == "gthread"
    assert (conf["workers"], conf["threads"]) == (3, 6)
    assert conf["timeout"] == 25 < 30 and conf["graceful_timeout"] < 30
    assert conf["accesslog"] == "-"
    fmt = conf["access_log_format"]
    assert "%(U)s" in fmt and "%(r)s" not in fmt and "%(q)s" not in fmt
    defaults = load_gunicorn_conf(WEB_CONCURRENCY="", GUNICORN_THREADS="nope")
    assert defaults["workers"] >= 1 and defaults["threads"] == 8
    production = load_gunicorn_conf(APP_ENV="production", NOTION_CLIENT_ID="x", NOTION_SANDBOX="")
    assert production["max_requests"] == 0  # gunicorn's "off", not "after every request"
    recycling = load_gunicorn_conf(APP_ENV="production", NOTION_CLIENT_ID="x",
                                   NOTION_SANDBOX="", GUNICORN_MAX_REQUESTS="5000")
    assert recycling["max_requests"] == 5000
    sandbox = load_gunicorn_conf(APP_ENV="development", NOTION_SANDBOX="1")
    assert sandbox["max_requests"] == 0  # recycling would wipe the in-process sandbox


@pytest.mark.redis
def test_worker_runs_jobs_from_the_notion_queue(tmp_path):
    from redis import Redis
    from rq import Queue

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"Redis at {url} does not answer ({type(exc).__name__})")
    queue = Queue("notion", connection=Redis.from_url(url))
    job = queue.enqueue("notion_app.ops.worker.ping")
    env = base_env(tmp_path, REDIS_URL=url, NOTION_SANDBOX="0", NOTION_CLIENT_ID="w",
                   NOTION_CLIENT_SECRET="w")
    proc = subprocess.run([sys.executable, "-m", "notion_app.ops.worker", "--burst"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    job.refresh()
    assert job.get_status() == "finished" and job.return_value() == "pong"


def test_heroku_redis_tls_urls_connect_without_certificate_checks():
    tls = redis_client("rediss://:p@host:6380").connection_pool.connection_kwargs
    assert tls["ssl_cert_reqs"] is None
    plain = redis_client("redis://127.0.0.1:6379/0").connection_pool.connection_kwargs
    assert "ssl_cert_reqs" not in plain


def test_outbox_timings_have_defaults_and_come_from_the_environment():
    """The worker subprocess is configured by its environment alone (tests/workers.py)."""
    names = ("OUTBOX_JOB_BUDGET_SECONDS", "OUTBOX_SAFETY_SWEEP_SECONDS", "OUTBOX_LEASE_SECONDS")
    assert [settings.DEFAULTS[n] for n in names] == [240.0, 3.0, 300.0]
    found = settings.from_environ({"OUTBOX_JOB_BUDGET_SECONDS": "2",
                                   "OUTBOX_SAFETY_SWEEP_SECONDS": "0.5",
                                   "OUTBOX_LEASE_SECONDS": "3"})
    assert [found[n] for n in names] == [2.0, 0.5, 3.0]
