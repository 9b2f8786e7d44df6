"""The order a data source's fields are shown in, kept per data source by its owner.

The row form uses it and the public form builder reuses it. The order is a list of Notion
property ids; `ordered` reconciles it with the schema as it is now: the title comes first unless
the owner moved it, then the saved order, then properties added in Notion since (in Notion's
order); properties removed in Notion are dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import FieldOrder, NotionConnection

T = TypeVar("T")
MAX_FIELDS = 500  # more than Notion's own limit on a schema's size allows


def _field_id(field) -> str:
    return field.id


def _is_title(field) -> bool:
    return field.type == "title"


def ordered(
    fields: Iterable[T], saved: Sequence[str] | None, *,
    id_of: Callable[[T], str] = _field_id, is_title: Callable[[T], bool] = _is_title,
) -> list[T]:
    """`fields` (in Notion's order) in the saved order of their ids; see the module docstring."""
    fields = list(fields)
    saved = list(saved or [])
    by_id = {id_of(f): f for f in fields}
    known = set(saved)
    kept = [by_id[i] for i in dict.fromkeys(saved) if i in by_id]
    new = [f for f in fields if id_of(f) not in known]
    titles = [f for f in new if is_title(f)]
    return titles + kept + [f for f in new if not is_title(f)]


def load(conn: NotionConnection, data_source_id: str) -> list[str] | None:
    """The saved order of a data source's property ids, or None when its owner never set one."""
    row = _row(conn, data_source_id)
    return list(row.property_ids) if row is not None else None


def save(conn: NotionConnection, data_source_id: str, property_ids: Iterable[str]) -> None:
    """Keep this order of property ids for the data source (replacing any earlier one)."""
    ids = [str(i) for i in dict.fromkeys(property_ids)][:MAX_FIELDS]
    row = _row(conn, data_source_id)
    if row is None:
        db.session.add(
            FieldOrder(connection_id=conn.id, data_source_id=data_source_id, property_ids=ids)
        )
        try:
            db.session.commit()
            return
        except IntegrityError:  # saved at the same moment from another tab: this one wins
            db.session.rollback()
            row = _row(conn, data_source_id)
    row.property_ids = ids
    db.session.commit()


def move(ids: Sequence[str], property_id: str, step: int) -> list[str]:
    """`ids` with `property_id` moved `step` places (-1: up, 1: down); unchanged at an end."""
    out = list(ids)
    if property_id not in out:
        return out
    at = out.index(property_id)
    to = at + step
    if 0 <= to < len(out):
        out[at], out[to] = out[to], out[at]
    return out


def _row(conn: NotionConnection, data_source_id: str) -> FieldOrder | None:
    return db.session.scalar(select(FieldOrder).where(
        FieldOrder.connection_id == conn.id, FieldOrder.data_source_id == data_source_id
    ))
