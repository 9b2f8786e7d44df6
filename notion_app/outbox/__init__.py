"""The outbox: the one way a row reaches Notion (see docs/architecture.md).

Callers use what is imported here: `submit`/`submit_many` to save rows, `retry`, `discard`,
`cancel_import`, `resume_import`, `resume_connection`, `waiting_count`. Nothing outside this
package writes a row's state.
"""

from .rows import (
    AlreadySubmitted,
    NewRow,
    cancel_import,
    discard,
    resume_connection,
    resume_import,
    retry,
    submit,
    submit_many,
    waiting_count,
)

__all__ = [
    "AlreadySubmitted", "NewRow", "cancel_import", "discard", "resume_connection",
    "resume_import", "retry", "submit", "submit_many", "waiting_count",
]
