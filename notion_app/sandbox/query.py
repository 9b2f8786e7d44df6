"""Data source query filters and sorts, validated the way Notion validates them.

A filter is checked whole before any row is looked at (Notion refuses a bad filter even on an
empty data source): `compile_filter` turns it into a predicate or raises Notion's 400
`validation_error`. What is checked, as Notion documents it (filter-data-source-entries):

- a property filter names a property by name or id ("Could not find property with name or id");
  its condition key is one Notion knows (else "Fix one:" listing them) and fits the property's
  type ("database property number does not match filter rich_text"); the text conditions
  (`title`, `rich_text`, `url`, `email`, `phone_number`) apply to any of those five types;
- a condition object holds exactly one operator of its type, with a value of the right kind
  (`equals` a string for text, a number for `number` and `unique_id`; `is_empty: true`);
- a compound `and` / `or` holds an array of at most 100 filters, nested at most two levels
  below the top-level compound (the message for a deeper one is this sandbox's own wording).

Text equality compares the plain text exactly (case included); Notion's own case rule is not
documented, so the setting `text_filters_ignore_case` lets the app be tested against the other
reading.
"""

from collections.abc import Callable
from datetime import datetime

from .errors import validation
from .ids import plain
from .validation import _should, fail, fix_one

TEXT = {"title", "rich_text", "url", "email", "phone_number"}
TIMESTAMPS = {"created_time", "last_edited_time"}
MAX_CONDITIONS = 100
MAX_NESTING = 2  # compound filters below the top-level one

_TEXT_OPS = {"equals": "string", "does_not_equal": "string", "contains": "string",
             "does_not_contain": "string", "starts_with": "string", "ends_with": "string",
             "is_empty": "true", "is_not_empty": "true"}
_NUMBER_OPS = {"equals": "number", "does_not_equal": "number", "greater_than": "number",
               "less_than": "number", "greater_than_or_equal_to": "number",
               "less_than_or_equal_to": "number", "is_empty": "true", "is_not_empty": "true"}
_ID_OPS = {k: v for k, v in _NUMBER_OPS.items() if v == "number"}
_CHOICE_OPS = {"equals": "string", "does_not_equal": "string", "is_empty": "true",
               "is_not_empty": "true"}
_LIST_OPS = {"contains": "string", "does_not_contain": "string", "is_empty": "true",
             "is_not_empty": "true"}
_EMPTY_OPS = {"is_empty": "true", "is_not_empty": "true"}
# Condition key -> (its operators, or None when this sandbox does not check them; the property
# types it applies to). The order is Notion's "Fix one:" list.
CONDITIONS = {
    "title": (_TEXT_OPS, TEXT), "rich_text": (_TEXT_OPS, TEXT),
    "number": (_NUMBER_OPS, {"number"}), "checkbox": ({"equals": "boolean",
                                                       "does_not_equal": "boolean"},
                                                      {"checkbox"}),
    "select": (_CHOICE_OPS, {"select"}), "multi_select": (_LIST_OPS, {"multi_select"}),
    "status": (_CHOICE_OPS, {"status"}), "date": (None, {"date"} | TIMESTAMPS),
    "people": (_LIST_OPS, {"people", "created_by", "last_edited_by"}),
    "files": (_EMPTY_OPS, {"files"}), "url": (_TEXT_OPS, TEXT), "email": (_TEXT_OPS, TEXT),
    "phone_number": (_TEXT_OPS, TEXT), "relation": (_LIST_OPS, {"relation"}),
    "created_by": (_LIST_OPS, {"created_by"}), "created_time": (None, {"created_time"}),
    "last_edited_by": (_LIST_OPS, {"last_edited_by"}),
    "last_edited_time": (None, {"last_edited_time"}), "formula": (None, {"formula"}),
    "unique_id": (_ID_OPS, {"unique_id"}), "rollup": (None, {"rollup"}),
    "verification": (None, {"verification"}),
}
_KINDS = {"string": "a string", "number": "a number", "boolean": "a boolean", "true": "`true`"}

Predicate = Callable[[dict], bool]


def _prop(ds, key):
    props = ds["properties"]
    if key in props:
        return props[key]
    for prop in props.values():
        if prop["id"] == key:
            return prop
    raise validation(f"Could not find property with name or id: {key}")


def _value_of(row: dict, prop: dict) -> dict:
    return next(v for v in row["properties"].values() if v["id"] == prop["id"])


def _scalar(value: dict):
    """A comparable python value for a rendered property value."""
    ptype = value["type"]
    inner = value[ptype]
    if ptype in ("title", "rich_text"):
        return plain(inner)
    if ptype in ("select", "status"):
        return inner["name"] if inner else None
    if ptype == "date":
        return inner["start"] if inner else None
    if ptype in ("formula", "rollup"):
        return inner.get(inner.get("type"))
    if ptype == "unique_id":
        return inner["number"]
    if ptype in ("created_by", "last_edited_by"):
        return inner["id"]
    return inner


def _parse_time(value, path):
    if not isinstance(value, str):
        raise fail(path, "a valid ISO 8601 date string", value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise fail(path, "a valid ISO 8601 date string", value) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.now().astimezone().tzinfo).astimezone()
    return parsed


def _compare_time(actual: str, cond: dict, path) -> bool:
    have = datetime.fromisoformat(actual)
    for op, raw in cond.items():
        want = _parse_time(raw, f"{path}.{op}")
        ok = {"equals": have == want, "before": have < want, "after": have > want,
              "on_or_before": have <= want, "on_or_after": have >= want}.get(op)
        if ok is None:
            raise fail(f"{path}.{op}", "a supported timestamp condition", raw)
        if not ok:
            return False
    return True


def compile_filter(ds, flt, path="body.filter", depth=0, *, ignore_case=False) -> Predicate:
    """The predicate a Notion filter object stands for; validation_error when Notion would
    refuse it."""
    if not isinstance(flt, dict):
        raise fail(path, "an object", flt)
    for kind in ("and", "or"):
        if kind in flt:
            return _compound(ds, flt, kind, path, depth, ignore_case)
    if "timestamp" in flt:
        ts = flt["timestamp"]
        if ts not in TIMESTAMPS or not isinstance(flt.get(ts), dict):
            raise fail(f"{path}.timestamp", '`"created_time"` or `"last_edited_time"`', ts)
        return lambda row: _compare_time(row[ts], flt[ts], f"{path}.{ts}")
    if "property" not in flt:
        raise fail(f"{path}.property", "defined", None)
    prop = _prop(ds, flt["property"])
    keys = [k for k in flt if k not in ("property", "type")]
    if len(keys) != 1 or keys[0] not in CONDITIONS:
        raise fix_one(*(_should(f"{path}.{k}", "defined") for k in ("or", "and", *CONDITIONS)))
    cond_type = keys[0]
    operators, types = CONDITIONS[cond_type]
    if prop["type"] not in types:
        raise validation(f"database property {prop['type']} does not match filter {cond_type}")
    cond = flt[cond_type]
    where = f"{path}.{cond_type}"
    if not isinstance(cond, dict):
        raise fail(where, "an object", cond)
    if cond_type in TIMESTAMPS | {"date"} and prop["type"] in TIMESTAMPS | {"date"}:
        def on_date(row):
            actual = _scalar(_value_of(row, prop))
            return actual is not None and _compare_time(actual, cond, where)
        return on_date
    if operators is not None:
        _check_condition(cond, operators, where)
    return lambda row: all(
        _condition(_scalar(_value_of(row, prop)), op, want, f"{where}.{op}", ignore_case)
        for op, want in cond.items())


def _compound(ds, flt, kind, path, depth, ignore_case) -> Predicate:
    where = f"{path}.{kind}"
    for other in flt:
        if other != kind:
            raise fail(f"{path}.{other}", "not present", flt[other])
    if depth > MAX_NESTING:
        raise validation(f"body failed validation: {path} nests compound filters more than "
                         f"{MAX_NESTING} levels deep.")
    items = flt[kind]
    if not isinstance(items, list):
        raise fail(where, "an array", items)
    if len(items) > MAX_CONDITIONS:
        raise fail(f"{where}.length", f"≤ `{MAX_CONDITIONS}`", len(items))
    parts = [compile_filter(ds, f, f"{where}[{i}]", depth + 1, ignore_case=ignore_case)
             for i, f in enumerate(items)]
    if kind == "and":
        return lambda row: all(p(row) for p in parts)
    return lambda row: any(p(row) for p in parts)


def _check_condition(cond: dict, operators: dict, where: str) -> None:
    """Exactly one operator Notion knows for this condition, with a value of its kind."""
    if len(cond) != 1 or next(iter(cond)) not in operators:
        raise fix_one(*(_should(f"{where}.{op}", "defined") for op in operators))
    op, value = next(iter(cond.items()))
    kind = operators[op]
    ok = {"string": isinstance(value, str),
          "number": isinstance(value, int | float) and not isinstance(value, bool),
          "boolean": isinstance(value, bool), "true": value is True}[kind]
    if not ok:
        raise fail(f"{where}.{op}", _KINDS[kind], value)


def _condition(actual, op, want, path, ignore_case=False) -> bool:
    if op == "is_empty":
        return actual in (None, "", [])
    if op == "is_not_empty":
        return actual not in (None, "", [])
    if ignore_case and isinstance(actual, str) and isinstance(want, str):
        actual, want = actual.casefold(), want.casefold()
    if op == "equals":
        return actual == want
    if op == "does_not_equal":
        return actual != want
    if isinstance(actual, list):
        names = [a.get("name") or a.get("id") for a in actual if isinstance(a, dict)]
        if op == "contains":
            return want in names
        if op == "does_not_contain":
            return want not in names
    if isinstance(actual, str) or actual is None:
        text = actual or ""
        if op == "contains":
            return str(want) in text
        if op == "does_not_contain":
            return str(want) not in text
        if op == "starts_with":
            return text.startswith(str(want))
        if op == "ends_with":
            return text.endswith(str(want))
    if isinstance(actual, int | float) and not isinstance(actual, bool):
        ops = {"greater_than": actual > want, "less_than": actual < want,
               "greater_than_or_equal_to": actual >= want,
               "less_than_or_equal_to": actual <= want}
        if op in ops:
            return ops[op]
    if op in ("greater_than", "less_than", "greater_than_or_equal_to", "less_than_or_equal_to"):
        return False
    raise fail(path, "a supported filter condition", want)


def sort_key(ds, spec, path, pages):
    """A key function for one entry of `sorts`; rows without a value sort last."""
    if not isinstance(spec, dict):
        raise fail(path, "an object", spec)
    if spec.get("direction", "ascending") not in ("ascending", "descending"):
        raise fail(f"{path}.direction", '`"ascending"` or `"descending"`', spec.get("direction"))
    if "timestamp" in spec:
        if spec["timestamp"] not in TIMESTAMPS:
            raise fail(f"{path}.timestamp", '`"created_time"` or `"last_edited_time"`',
                       spec["timestamp"])
        ts = spec["timestamp"]
        return lambda row: (pages[row["id"]][ts], row["id"])
    if "property" not in spec:
        raise fail(f"{path}.property", "defined", None)
    prop = _prop(ds, spec["property"])

    def key(row):
        value = _scalar(next(v for v in row["properties"].values() if v["id"] == prop["id"]))
        if isinstance(value, list):
            value = len(value)
        return (value is not None, value if value is not None else 0)

    return key
