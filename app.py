"""The WSGI entry point: `flask --app app run` and `gunicorn app:app`."""

import sys

from notion_app import create_app
from notion_app.config import ConfigError

try:
    app = create_app()
except ConfigError as refused:
    # A configuration that cannot run says why in one message, never as a traceback; and
    # `flask check-deploy` still lists every problem of it at once.
    if "check-deploy" in sys.argv[1:]:
        import os

        from notion_app.ops import deployment

        sys.exit(deployment.print_report(deployment.config_from_environ(os.environ)))
    sys.exit(f"{refused}.\nRun `flask --app app check-deploy` to list every problem at once.")
