"""`python -m notion_app.worker`, the Procfile's line of the previous release: kept for one
release so a platform that still runs it keeps sending. The worker is `notion_app.ops.worker`."""

import sys

from .ops.worker import main, ping

__all__ = ["main", "ping"]

if __name__ == "__main__":
    sys.exit(main())
