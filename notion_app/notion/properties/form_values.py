"""Stored Notion property values back into a row form's fields (the inverse of `parse_form`):
a row Notion refused comes back filled in, to fix and send again."""

from __future__ import annotations

from .fields import Field


def form_values(fields: list[Field], props: dict) -> dict[str, list[str]]:
    """Stored Notion property values back into the form's fields (the inverse of parse_form)."""
    out: dict[str, list[str]] = {}
    for f in fields:
        value = (props.get(f.name) or {}).get(f.type)
        if value is None:
            continue
        k = f.key
        if f.type in ("title", "rich_text"):
            out[k] = ["".join((i.get("text") or {}).get("content", "") for i in value)]
        elif f.type in ("select", "status"):
            known = value.get("name", "") in {name for name, _ in f.options}
            out[k if known or f.type == "status" else k + "-new"] = [value.get("name", "")]
        elif f.type == "multi_select":
            names = [o.get("name", "") for o in value]
            known = {name for name, _ in f.options}
            out[k] = [n for n in names if n in known]
            out[k + "-new"] = [", ".join(n for n in names if n not in known)]
        elif f.type in ("people", "relation"):
            out[k] = [o.get("id", "") for o in value]
        elif f.type == "checkbox":
            out[k] = ["on" if value else ""]
        elif f.type == "files":
            out[k] = [(x.get("external") or {}).get("url", "") for x in value]
            out[k + "-name"] = [x.get("name") or "" for x in value]
        elif f.type == "date":
            for part, when in (("", value.get("start")), ("-end", value.get("end"))):
                day, _, clock = (when or "").partition("T")
                out[k + part], out[k + part + "-time"] = [day], [clock[:5]]
            out[k + "-tz"] = [value.get("time_zone") or ""]
        elif f.type == "number" and f.number_format == "percent":
            out[k] = [format(round(value * 100, 10), "g")]
        else:
            out[k] = [str(value)]
    return out
