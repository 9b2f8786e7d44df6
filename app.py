"""The WSGI entry point: `flask --app app run` and `gunicorn app:app`."""

from notion_app import create_app

app = create_app()
