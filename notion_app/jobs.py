"""The RQ job path of the previous release (`notion_app.jobs.run_sweep`), kept for one release so
jobs queued before an upgrade still run. New jobs use `notion_app.outbox.sender.run_sweep`."""

from .outbox.sender import run_sweep

__all__ = ["run_sweep"]
