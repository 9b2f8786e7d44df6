"""The floor for bench/pages.py: one Flask route doing nothing, served by the same gunicorn
configuration as the app (`gunicorn --config gunicorn.conf.py --pythonpath bench bare:app`)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def bare():
    """An empty page: what gunicorn and Flask cost before the app does anything."""
    return "ok"


@app.get("/healthz")
def healthz():
    """Readiness, like the app's."""
    return {"status": "ok"}
