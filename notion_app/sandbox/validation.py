"""Validate a POST /v1/pages body against the data source schema and Notion's limits.

Each check raises a 400 validation_error whose message names the path, the way Notion does:
`body failed validation: body.properties.Priority.select.name should be ...`.
"""

import json
import math
import zoneinfo
from datetime import UTC, date, datetime

from . import files
from .errors import validation
from .ids import make_id, normalize_id, rich_text_item

BODY_KEYS = {"parent", "properties", "icon", "cover", "children", "content", "markdown",
             "template", "position", "allow_async"}
READ_ONLY = {"formula", "rollup", "created_time", "created_by", "last_edited_time",
             "last_edited_by", "unique_id", "button", "verification", "location",
             "last_visited_time", "place"}
COLORS = {"default", "gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink",
          "red"}
TEXT_COLORS = COLORS | {c + "_background" for c in COLORS if c != "default"}
ANNOTATIONS = {"bold", "italic", "strikethrough", "underline", "code"}
MAX_ITEMS, MAX_TEXT, MAX_URL, MAX_EMAIL = 100, 2000, 2000, 200
MAX_BLOCKS = 1000


def show(value) -> str:
    if value is _MISSING:
        return "undefined"
    return json.dumps(value, ensure_ascii=False)


_MISSING = object()


def fail(path, expected, value=_MISSING):
    return validation(f"body failed validation: {path} should be {expected}, instead was "
                      f"`{show(value)}`.")


def fix_one(*alternatives: str):
    """Notion's answer when a value matches none of the shapes allowed there: one line per
    alternative, any one of which would do."""
    return validation("body failed validation. Fix one:\n" + "\n".join(alternatives))


def _should(path, expected, value=_MISSING) -> str:
    return f"{path} should be {expected}, instead was `{show(value)}`."


def _or_null(path, expected, value):
    """A nullable value of the wrong kind: "Fix one:" the expected kind, or `null`."""
    return fix_one(_should(path, expected, value), _should(path, "`null`", value))


def invalid_option(prop, name):
    return validation(f"{show(name)} is an invalid select option for property {prop['name']}.")


def check_body_keys(body: dict) -> None:
    for key in body:
        if key not in BODY_KEYS:
            raise fail(f"body.{key}", "not present", body[key])
    blocks = _blocks(body)
    if blocks > MAX_BLOCKS:
        raise validation(f"body failed validation: the request has {blocks} block elements; "
                         f"the limit is {MAX_BLOCKS}.")


def _blocks(node) -> int:
    """Block objects in `children`/`content` arrays at any depth (Notion's per-request count)."""
    if isinstance(node, list):
        return sum(_blocks(item) for item in node)
    if not isinstance(node, dict):
        return 0
    total = 0
    for key, value in node.items():
        if key in ("children", "content") and isinstance(value, list):
            total += sum(1 for item in value if isinstance(item, dict))
        if isinstance(value, (dict, list)):
            total += _blocks(value)
    return total


def _length(path, items, limit=MAX_ITEMS):
    if len(items) > limit:
        raise fail(f"{path}.length", f"≤ `{limit}`", len(items))


def _string(path, value, limit=None, nullable=False):
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise fail(path, "a string" + (" or `null`" if nullable else ""), value)
    if limit is not None and js_length(value) > limit:
        raise fail(f"{path}.length", f"≤ `{limit}`", js_length(value))
    return value


def _nullable_string(path, value, limit):
    if value is not None and not isinstance(value, str):
        raise _or_null(path, "a string", value)
    return _string(path, value, limit, nullable=True)


def js_length(text: str) -> int:
    """Length as Notion's JavaScript counts it: UTF-16 code units (an emoji counts 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _list(path, value):
    if not isinstance(value, list):
        raise fail(path, "an array", value)
    _length(path, value)
    return value


def _object(path, value):
    if not isinstance(value, dict):
        raise fail(path, "an object", value)
    return value


def _only(path, value: dict, allowed: set):
    for key in value:
        if key not in allowed:
            raise fail(f"{path}.{key}", "not present", value[key])


class PageValidator:
    """Turns a validated request into stored property values (read shapes)."""

    def __init__(self, st, bot, ds):
        self.st, self.bot, self.ds = st, bot, ds
        self.uploads: list[dict] = []  # file uploads the values attach (once the page exists)

    # ----- entry point -----------------------------------------------------------------------
    def properties(self, props) -> dict:
        _object("body.properties", props)
        schema = self.st.visible_properties(self.ds, self.bot)
        by_id = {p["id"]: name for name, p in schema.items()}
        values = {}
        for key, value in props.items():
            name = key if key in schema else by_id.get(key)
            if name is None:
                raise validation(f"{key} is not a property that exists.")
            prop = schema[name]
            path = f"body.properties.{key}"
            if prop["type"] in READ_ONLY:
                raise validation(f"body failed validation: {path} is a {prop['type']} property, "
                                 f"which is read-only and cannot be set.")
            values[name] = self.value(path, prop, value)
        return values

    def value(self, path, prop, value):
        ptype = prop["type"]
        _object(path, value)
        if "type" in value and value["type"] != ptype:
            raise fail(f"{path}.type", f"`\"{ptype}\"`", value["type"])
        if ptype not in value:
            # Not a value of this property's type: set it, or drop what does not belong.
            raise fix_one(_should(f"{path}.{ptype}", "defined"),
                          *(_should(f"{path}.{k}", "not present", v) for k, v in value.items()
                            if k != "type"))
        _only(path, value, {"type", ptype})
        return getattr(self, f"v_{ptype}")(f"{path}.{ptype}", prop, value[ptype])

    # ----- rich text -------------------------------------------------------------------------
    def rich_text_array(self, path, items):
        _list(path, items)
        return [self.rich_text_item(f"{path}[{i}]", item) for i, item in enumerate(items)]

    def rich_text_item(self, path, item):
        _object(path, item)
        kinds = [k for k in ("text", "mention", "equation") if k in item]
        kind = item.get("type") or (kinds[0] if kinds else None)
        if kind not in ("text", "mention", "equation") or kind not in item:
            raise fail(f"{path}.text", "defined", _MISSING)
        _only(path, item, {"type", kind, "annotations", "plain_text", "href"})
        annotations = self.annotations(f"{path}.annotations", item.get("annotations", {}))
        if kind == "text":
            text = _object(f"{path}.text", item["text"])
            _only(f"{path}.text", text, {"content", "link"})
            content = _string(f"{path}.text.content", text.get("content", _MISSING), MAX_TEXT)
            link = text.get("link")
            url = None
            if link is not None:
                _object(f"{path}.text.link", link)
                url = _string(f"{path}.text.link.url", link.get("url", _MISSING), MAX_URL)
            return rich_text_item(content, url, annotations)
        if kind == "equation":
            eq = _object(f"{path}.equation", item["equation"])
            expr = _string(f"{path}.equation.expression", eq.get("expression", _MISSING), 1000)
            out = rich_text_item(expr, None, annotations)
            out.update(type="equation", equation={"expression": expr})
            del out["text"]
            return out
        return self.mention(f"{path}.mention", item["mention"], annotations)

    def mention(self, path, mention, annotations):
        _object(path, mention)
        if "user" in mention:
            uid = self.user_id(f"{path}.user.id", _object(f"{path}.user", mention["user"]))
            user = self.st.user_object(uid)
            out = rich_text_item("@" + user["name"], None, annotations)
            out.update(type="mention", mention={"type": "user", "user": user})
        elif "page" in mention:
            pid = normalize_id(_object(f"{path}.page", mention["page"]).get("id"))
            if pid is None or not self.st.can_see(self.bot, "page", pid):
                raise validation(f"body failed validation: {path}.page.id should be a page "
                                 f"shared with the integration.")
            title = self.st.page_title(self.st.pages[pid])
            out = rich_text_item(title, None, annotations)
            out.update(type="mention", mention={"type": "page", "page": {"id": pid}})
        elif "date" in mention:
            d = self.v_date(f"{path}.date", None, mention["date"])
            out = rich_text_item(d["start"], None, annotations)
            out.update(type="mention", mention={"type": "date", "date": d})
        else:
            raise fail(f"{path}.user", "defined", _MISSING)
        del out["text"]
        return out

    def annotations(self, path, value):
        _object(path, value)
        _only(path, value, ANNOTATIONS | {"color"})
        for key in ANNOTATIONS & value.keys():
            if not isinstance(value[key], bool):
                raise fail(f"{path}.{key}", "a boolean", value[key])
        if "color" in value and value["color"] not in TEXT_COLORS:
            raise fail(f"{path}.color", "a valid color", value["color"])
        return value

    # ----- writable types --------------------------------------------------------------------
    def v_title(self, path, prop, value):
        return self.rich_text_array(path, value)

    v_rich_text = v_title

    def v_number(self, path, prop, value):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value):
            raise _or_null(path, "a number", value)
        return value

    def v_checkbox(self, path, prop, value):
        if not isinstance(value, bool):
            raise fail(path, "a boolean", value)
        return value

    def v_url(self, path, prop, value):
        return _nullable_string(path, value, MAX_URL)

    def v_email(self, path, prop, value):
        return _nullable_string(path, value, MAX_EMAIL)

    def v_phone_number(self, path, prop, value):
        return _nullable_string(path, value, MAX_EMAIL)

    def option(self, path, prop, value, create: bool):
        if not isinstance(value, dict):
            raise _or_null(path, "an object", value)
        _only(path, value, {"id", "name", "color", "description"})
        options = prop[prop["type"]]["options"]
        if "id" in value:
            opt = next((o for o in options if o["id"] == value["id"]), None)
            if opt is None:
                raise validation(f"body failed validation: {path}.id does not match an existing "
                                 f"option: `{show(value['id'])}`.")
            return {"id": opt["id"], "name": opt["name"], "color": opt["color"]}
        name = _string(f"{path}.name", value.get("name", _MISSING), 100)
        if "," in name:
            raise validation(f"body failed validation: {path}.name should not contain commas, "
                             f"instead was `{show(name)}`.")
        if "color" in value and value["color"] not in COLORS:
            raise fail(f"{path}.color", "a valid select color", value["color"])
        opt = next((o for o in options if o["name"] == name), None)
        if opt is None:
            if not create or not self.st.settings.get("select_new_options", True):
                # A status takes only its options; a select refuses new ones when Notion will
                # not add options to the schema (the `select_new_options` switch).
                raise invalid_option(prop, name)
            opt = {"id": make_id("option", self.ds["id"], prop["name"], name), "name": name,
                   "color": value.get("color", "default"), "description": None}
            options.append(opt)
        return {"id": opt["id"], "name": opt["name"], "color": opt["color"]}

    def v_select(self, path, prop, value):
        return None if value is None else self.option(path, prop, value, create=True)

    def v_status(self, path, prop, value):
        return None if value is None else self.option(path, prop, value, create=False)

    def v_multi_select(self, path, prop, value):
        if not isinstance(value, list):
            raise fail(path, "an array", value)
        _length(path, value)
        return [self.option(f"{path}[{i}]", prop, v, True) for i, v in enumerate(value)]

    def v_date(self, path, prop, value):
        if value is None:
            return None
        if not isinstance(value, dict):
            raise _or_null(path, "an object", value)
        _only(path, value, {"start", "end", "time_zone"})
        tz_name = value.get("time_zone")
        tz = None
        if tz_name is not None:
            _string(f"{path}.time_zone", tz_name)
            try:
                tz = zoneinfo.ZoneInfo(tz_name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise fail(f"{path}.time_zone", "a valid IANA time zone", tz_name) from None
        start = self.date_string(f"{path}.start", value.get("start", _MISSING), tz)
        end = None
        if value.get("end") is not None:
            end = self.date_string(f"{path}.end", value["end"], tz)
        return {"start": start, "end": end, "time_zone": None}

    def date_string(self, path, value, tz):
        _string(path, value)
        try:
            if len(value) == 10:
                parsed_date = date.fromisoformat(value)
                return parsed_date.isoformat()
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise fail(path, "a valid ISO 8601 date string", value) from None
        if tz is not None:
            if parsed.tzinfo is not None:
                raise validation(f"body failed validation: {path} should not have a UTC offset "
                                 f"when time_zone is set, instead was `{show(value)}`.")
            parsed = parsed.replace(tzinfo=tz)
        if parsed.tzinfo is None:  # Notion reads a date-time without offset as UTC
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.isoformat(timespec="milliseconds")

    def user_id(self, path, value) -> str:
        uid = normalize_id(value.get("id"))
        user = self.st.users.get(uid or "")
        if user is None or user["workspace_id"] != self.bot["workspace_id"]:
            raise validation(f"body failed validation: {path} should be the id of a user in this "
                             f"workspace, instead was `{show(value.get('id'))}`.")
        return uid

    def v_people(self, path, prop, value):
        _list(path, value)
        out = []
        for i, person in enumerate(value):
            item = f"{path}[{i}]"
            _object(item, person)
            _only(item, person, {"id", "object"})
            if person.get("object", "user") != "user":
                raise fail(f"{item}.object", "`\"user\"`", person.get("object"))
            out.append(self.st.user_object(self.user_id(f"{item}.id", person)))
        return out

    def v_relation(self, path, prop, value):
        _list(path, value)
        target = prop["relation"]["data_source_id"]
        out = []
        for i, rel in enumerate(value):
            item = f"{path}[{i}]"
            _object(item, rel)
            _only(item, rel, {"id"})
            pid = normalize_id(rel.get("id"))
            page = self.st.pages.get(pid or "")
            if page is None or page["parent"].get("data_source_id") != target or \
                    not self.st.can_see(self.bot, "page", pid):
                raise validation(f"body failed validation: {item}.id should be the id of a page "
                                 f"in the related data source, instead was "
                                 f"`{show(rel.get('id'))}`.")
            out.append({"id": pid})
        return out

    def v_files(self, path, prop, value):
        _list(path, value)
        out = []
        for i, entry in enumerate(value):
            item = f"{path}[{i}]"
            _object(item, entry)
            kind = entry.get("type") or next((k for k in ("external", "file", "file_upload")
                                              if k in entry), None)
            if kind not in ("external", "file", "file_upload") or kind not in entry:
                raise fail(f"{item}.external", "defined", _MISSING)
            _only(item, entry, {"type", "name", kind})
            if kind == "file_upload":
                out.append(self._file_upload(item, entry))
                continue
            name = _string(f"{item}.name", entry.get("name", _MISSING), 100)
            inner = _object(f"{item}.{kind}", entry[kind])
            url = _string(f"{item}.{kind}.url", inner.get("url", _MISSING), MAX_URL)
            if kind == "external":
                out.append({"name": name, "type": "external", "external": {"url": url}})
            else:
                out.append({"name": name, "type": "file",
                            "file": {"url": url, "expiry_time": inner.get("expiry_time")}})
        return out


    def _file_upload(self, item, entry):
        """`{"type": "file_upload", "file_upload": {"id"}, "name"?}`: an uploaded file of this
        integration, shown on the page as a Notion-hosted file."""
        inner = _object(f"{item}.file_upload", entry["file_upload"])
        _only(f"{item}.file_upload", inner, {"id"})
        name = None
        if "name" in entry:
            name = _string(f"{item}.name", entry["name"], 100)
        up = files.attachable(self.st, self.bot, inner.get("id"), item)
        self.uploads.append(up)
        return files.hosted_file(up, name)


TEMPLATE_TYPES = ("none", "default", "template_id")


def template_choice(st, ds, body: dict) -> str | None:
    """The id of the template a create asks for (None: no template), checked like Notion:
    `type` none/default/template_id, a template of the parent data source, never together with
    `children`, `content` or `markdown`. The data source's default template is applied only
    when asked for."""
    if "template" not in body:
        return None
    value = _object("body.template", body["template"])
    kind = value.get("type", _MISSING)
    if kind not in TEMPLATE_TYPES:
        raise fail("body.template.type", '`"none"`, `"default"` or `"template_id"`', kind)
    _only("body.template", value,
          {"type", "timezone"} | ({"template_id"} if kind == "template_id" else set()))
    if "timezone" in value:
        zone = _string("body.template.timezone", value["timezone"])
        if zone not in zoneinfo.available_timezones():
            raise fail("body.template.timezone", "a valid IANA time zone", zone)
    if kind == "none":
        return None
    for key in ("children", "content", "markdown"):
        if key in body:
            raise validation(f"body failed validation: body.{key} should be not present when "
                             f"body.template is given (a template brings its own content), "
                             f"instead was `{show(body[key])}`.")
    if ds is None:
        raise validation("body failed validation: body.template can only be used when the "
                         "parent is a data source.")
    templates = st.templates_of(ds["id"])
    if kind == "default":
        default = next((t for t in templates if t["is_default"]), None)
        if default is None:
            raise validation(f"body failed validation: body.template.type is `\"default\"`, "
                             f"but data source {ds['id']} has no default template.")
        return default["id"]
    raw = value.get("template_id", _MISSING)
    tid = normalize_id(raw)
    if tid is None:
        raise fail("body.template.template_id", "a valid uuid", raw)
    if tid not in {t["id"] for t in templates}:
        raise validation(f"body failed validation: body.template.template_id {tid} is not a "
                         f"template of data source {ds['id']}.")
    return tid
