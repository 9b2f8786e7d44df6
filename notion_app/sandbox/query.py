"""Data source query filters and sorts: the simple ones an app needs to reconcile rows."""

from datetime import datetime

from .errors import validation
from .ids import plain
from .validation import fail

TEXT = {"title", "rich_text", "url", "email", "phone_number"}
TIMESTAMPS = {"created_time", "last_edited_time"}


def _prop(ds, key, path):
    props = ds["properties"]
    if key in props:
        return props[key]
    for prop in props.values():
        if prop["id"] == key:
            return prop
    raise validation(f"Could not find property with name or id: {key}")


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


def matches(ds, row: dict, flt, path) -> bool:
    """Whether a rendered row passes a Notion filter object."""
    if not isinstance(flt, dict):
        raise fail(path, "an object", flt)
    if "and" in flt:
        return all(matches(ds, row, f, f"{path}.and[{i}]") for i, f in enumerate(flt["and"]))
    if "or" in flt:
        return any(matches(ds, row, f, f"{path}.or[{i}]") for i, f in enumerate(flt["or"]))
    if "timestamp" in flt:
        ts = flt["timestamp"]
        if ts not in TIMESTAMPS or not isinstance(flt.get(ts), dict):
            raise fail(f"{path}.timestamp", '`"created_time"` or `"last_edited_time"`', ts)
        return _compare_time(row[ts], flt[ts], f"{path}.{ts}")
    if "property" not in flt:
        raise fail(f"{path}.property", "defined", None)
    prop = _prop(ds, flt["property"], path)
    cond_type = next((k for k in flt if k != "property"), None)
    if cond_type is None or not isinstance(flt[cond_type], dict):
        raise fail(f"{path}.{prop['type']}", "defined", None)
    value = next(v for v in row["properties"].values() if v["id"] == prop["id"])
    if cond_type in TIMESTAMPS | {"date"} and prop["type"] in TIMESTAMPS | {"date"}:
        actual = _scalar(value)
        return actual is not None and _compare_time(actual, flt[cond_type], f"{path}.{cond_type}")
    return all(_condition(_scalar(value), op, want, f"{path}.{cond_type}.{op}")
               for op, want in flt[cond_type].items())


def _condition(actual, op, want, path) -> bool:
    if op == "is_empty":
        return actual in (None, "", [])
    if op == "is_not_empty":
        return actual not in (None, "", [])
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
    prop = _prop(ds, spec["property"], path)

    def key(row):
        value = _scalar(next(v for v in row["properties"].values() if v["id"] == prop["id"]))
        if isinstance(value, list):
            value = len(value)
        return (value is not None, value if value is not None else 0)

    return key
