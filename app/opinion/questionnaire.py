"""Opinion templates as FHIR R4 Questionnaires (resources/forms/), drafts as
QuestionnaireResponses.

Qt-free. A template is loaded and checked once (`load_template`); a bad template raises
`TemplateError` naming the item. The helpers below work on the plain JSON of a
QuestionnaireResponse so that a draft can be saved as is.

Languages: the Dutch and French texts a template carries, and a copy of it in one language,
are app/opinion/form_languages.py.

Limitation: `enableWhen` answers are looked up anywhere in the response (first item with
that linkId), not in the nearest repeating-group instance.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal
import json
from pathlib import Path
from typing import Any
from collections.abc import Iterator

from app.core.errors import BadInputError
from app.core.i18n import _
from app.core.resources import resource_path

FORMS_DIR = resource_path("forms")
PREFILL_URL = "http://second-o.example/fhir/StructureDefinition/prefill"

ITEM_TYPES = {"group", "display", "string", "text", "boolean", "choice", "date", "integer", "decimal"}
QUESTION_TYPES = ITEM_TYPES - {"group", "display"}
OPERATORS = {"exists", "=", "!=", ">", "<", ">=", "<="}
VALUE_KEY = {"string": "valueString", "text": "valueString", "boolean": "valueBoolean", "date": "valueDate",
             "integer": "valueInteger", "decimal": "valueDecimal"}


class TemplateError(BadInputError):
    """A form template that is not a valid Questionnaire of the kind the form supports."""


@dataclass
class Questionnaire:
    """A checked Questionnaire: `data` is its FHIR JSON, `items` every item by linkId."""

    data: dict
    name: str = ""
    items: dict[str, dict] = field(default_factory=dict)
    parents: dict[str, str | None] = field(default_factory=dict)
    bound_to: str | None = None  # the case id once bound to a case (app.opinion.prefill.bind)
    #: The language of the texts of a `localized` copy (None: the template as written, English base
    #: texts with their translations); `source` is then the template it was made from.
    language: str | None = None
    source: Questionnaire | None = None

    @property
    def url(self) -> str:
        return self.data.get("url") or self.name

    @property
    def title(self) -> str:
        return self.data.get("title") or self.name

    def canonical(self) -> str:
        version = self.data.get("version")
        return f"{self.url}|{version}" if version else self.url

    def item(self, link_id: str) -> dict:
        return self.items[link_id]

    def walk(self) -> Iterator[dict]:
        """Every item, depth first, in form order."""
        def visit(items):
            for item in items:
                yield item
                yield from visit(item.get("item", []))
        yield from visit(self.data.get("item", []))

    def copy(self) -> Questionnaire:
        return from_json(copy.deepcopy(self.data), self.name)

    @property
    def original(self) -> Questionnaire:
        """The template with its base texts and translations (self unless a localized copy)."""
        return self.source.original if self.source is not None else self


def prefill_source(item: dict) -> str | None:
    for ext in item.get("extension", []) or []:
        if ext.get("url") == PREFILL_URL:
            return ext.get("valueString")
    return None


def _answer_value(entry: dict) -> tuple[str, Any] | None:
    for key, value in entry.items():
        if key.startswith("answer") or key.startswith("value"):
            return key, value
    return None


def from_json(data: Any, name: str = "") -> Questionnaire:
    """Check `data` and return it as a Questionnaire; TemplateError names what is wrong."""
    def fail(message: str) -> TemplateError:
        return TemplateError(_("Form template {name}: {message}").format(name=name or "?", message=message))

    if not isinstance(data, dict) or data.get("resourceType") != "Questionnaire":
        raise fail(_("not a FHIR Questionnaire (resourceType must be \"Questionnaire\")"))
    q = Questionnaire(data, name or str(data.get("name") or ""))

    def visit(items: Any, parent: str | None) -> None:
        if not isinstance(items, list):
            raise fail(_("\"item\" must be a list (under {parent})").format(parent=parent or _("the root")))
        for index, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("linkId"), str) or not item["linkId"]:
                raise fail(_("item {index} under {parent} has no linkId").format(
                    index=index + 1, parent=parent or _("the root")))
            link = item["linkId"]
            if link in q.items:
                raise fail(_("item \"{link}\": linkId used twice").format(link=link))
            kind = item.get("type")
            if kind not in ITEM_TYPES:
                raise fail(_("item \"{link}\": unsupported type \"{kind}\"").format(link=link, kind=kind))
            if kind == "group" and not item.get("item"):
                raise fail(_("item \"{link}\": a group needs items").format(link=link))
            if kind != "group" and item.get("item"):
                raise fail(_("item \"{link}\": only groups may contain items").format(link=link))
            if kind == "choice":
                options = item.get("answerOption")
                if options is None and not prefill_source(item):
                    raise fail(_("item \"{link}\": a choice needs answerOption").format(link=link))
                for option in options or []:
                    if not isinstance(option, dict) or not ({"valueCoding", "valueString"} & option.keys()):
                        raise fail(_("item \"{link}\": an answerOption needs valueCoding or valueString")
                                   .format(link=link))
            q.items[link], q.parents[link] = item, parent
            visit(item.get("item", []), link)

    visit(data.get("item", []), None)
    for item in q.walk():
        link = item["linkId"]
        if item.get("enableBehavior", "all") not in ("all", "any"):
            raise fail(_("item \"{link}\": enableBehavior must be all or any").format(link=link))
        for condition in item.get("enableWhen", []) or []:
            if condition.get("question") not in q.items:
                raise fail(_("item \"{link}\": enableWhen refers to unknown item \"{other}\"").format(
                    link=link, other=condition.get("question")))
            if condition.get("operator") not in OPERATORS:
                raise fail(_("item \"{link}\": unknown enableWhen operator \"{op}\"").format(
                    link=link, op=condition.get("operator")))
            if _answer_value(condition) is None or not any(k.startswith("answer") for k in condition):
                raise fail(_("item \"{link}\": enableWhen needs an answer[x]").format(link=link))
    return q


def list_templates() -> list[str]:
    """Names of the templates shipped in resources/forms (file names without .json)."""
    return sorted(p.stem for p in FORMS_DIR.glob("*.json"))


DEFAULT_TEMPLATE = "second-opinion"


def load_template(name: str = DEFAULT_TEMPLATE, folder: Path | None = None) -> Questionnaire:
    """The template resources/forms/NAME.json (or FOLDER/NAME.json), checked."""
    path = Path(folder or FORMS_DIR) / f"{name}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TemplateError(_("Form template {name} not found").format(name=name)) from None
    except ValueError as exc:
        raise TemplateError(_("Form template {name}: not valid JSON ({error})").format(name=name, error=exc)) from None
    return from_json(data, name)


# --- answers ---------------------------------------------------------------------------

def to_answer(item: dict, value: Any) -> dict:
    """A python value as a QuestionnaireResponse answer for `item` ({"valueString": ...})."""
    kind = item["type"]
    if kind == "choice":  # a Coding as stored: without the option's translations of its display
        return ({"valueCoding": {k: v for k, v in value.items() if not k.startswith("_")}} if isinstance(value, dict)
                else {"valueString": str(value)})
    if kind == "decimal":
        return {"valueDecimal": float(value)}
    if kind == "integer":
        return {"valueInteger": int(value)}
    if kind == "boolean":
        return {"valueBoolean": bool(value)}
    return {VALUE_KEY.get(kind, "valueString"): str(value)}


def from_answer(answer: dict) -> Any:
    found = _answer_value(answer)
    return None if found is None else found[1]


def find_items(response: dict, link_id: str) -> list[dict]:
    """Every response item with `link_id`, in document order (several in repeating groups)."""
    found = []

    def visit(items):
        for ri in items or []:
            if ri.get("linkId") == link_id:
                found.append(ri)
            visit(ri.get("item"))
            for answer in ri.get("answer", []) or []:
                visit(answer.get("item"))
    visit(response.get("item"))
    return found


def get_answers(response: dict, link_id: str) -> list:
    """The values answered for the first item with `link_id` ([] when none)."""
    items = find_items(response, link_id)
    return [from_answer(a) for a in items[0].get("answer", []) or []] if items else []


def get_answer(response: dict, link_id: str, default: Any = None) -> Any:
    values = get_answers(response, link_id)
    return values[0] if values else default


def _has_value(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _skeleton(item: dict) -> dict:
    node = {"linkId": item["linkId"]}
    if item.get("text"):
        node["text"] = item["text"]
    if item["type"] == "group":
        node["item"] = [_skeleton(child) for child in item.get("item", []) if child["type"] != "display"]
    return node


def empty_response(q: Questionnaire, subject: str = "", authored: str = "") -> dict:
    """A QuestionnaireResponse with one item per question (one instance of each group)."""
    response: dict = {"resourceType": "QuestionnaireResponse", "questionnaire": q.canonical(),
                      "status": "in-progress",
                      "item": [_skeleton(i) for i in q.data.get("item", []) if i["type"] != "display"]}
    if subject:
        response["subject"] = {"display": subject}
    if authored:
        response["authored"] = authored
    return response


def set_answer(q: Questionnaire, response: dict, link_id: str, value: Any) -> None:
    """Answer the first item `link_id` with a value or a list of values (None or [] clears).
    Missing response items (and their groups) are created in form order."""
    item = q.item(link_id)
    if item["type"] in ("group", "display"):
        raise ValueError(f"{link_id} is a {item['type']}, it takes no answer")
    values = value if isinstance(value, (list, tuple)) else [value]
    answers = [to_answer(item, v) for v in values if _has_value(v)]
    target = _ensure(q, response, link_id)
    if answers:
        target["answer"] = answers
    else:
        target.pop("answer", None)


def _ensure(q: Questionnaire, response: dict, link_id: str) -> dict:
    found = find_items(response, link_id)
    if found:
        return found[0]
    parent_id = q.parents[link_id]
    container = response if parent_id is None else _ensure(q, response, parent_id)
    siblings = container.setdefault("item", [])
    existing = next((ri for ri in siblings if ri.get("linkId") == link_id), None)
    if existing is not None:  # created with its group's skeleton
        return existing
    order = [i["linkId"] for i in (q.data.get("item", []) if parent_id is None else q.item(parent_id)["item"])]
    node = _skeleton(q.item(link_id))
    position = order.index(link_id)
    index = next((n for n, ri in enumerate(siblings)
                  if ri.get("linkId") in order and order.index(ri["linkId"]) > position), len(siblings))
    siblings.insert(index, node)
    return node


# --- enableWhen and required -------------------------------------------------------------

def _compare(actual: Any, operator: str, expected: Any) -> bool:
    if isinstance(expected, dict):  # Coding: same code (and same system when both have one)
        if not isinstance(actual, dict):
            return operator == "!="
        same = actual.get("code") == expected.get("code") and (
            not actual.get("system") or not expected.get("system") or actual["system"] == expected["system"])
        return same if operator == "=" else (not same if operator == "!=" else False)
    if isinstance(actual, dict):
        actual = actual.get("code")
    if operator == "=":
        return actual == expected
    if operator == "!=":
        return actual != expected
    try:
        if isinstance(expected, (int, float)) and not isinstance(expected, bool):
            actual, expected = Decimal(str(actual)), Decimal(str(expected))
        return {">": actual > expected, "<": actual < expected,
                ">=": actual >= expected, "<=": actual <= expected}[operator]
    except (TypeError, ArithmeticError, ValueError):
        return False


def condition_met(condition: dict, response: dict) -> bool:
    answers = [a for a in get_answers(response, condition["question"]) if _has_value(a)]
    expected = next(v for k, v in condition.items() if k.startswith("answer"))
    if condition["operator"] == "exists":
        return bool(answers) == bool(expected)
    if condition["operator"] == "!=":
        return not answers or all(_compare(a, "!=", expected) for a in answers)
    return any(_compare(a, condition["operator"], expected) for a in answers)


def enabled(q: Questionnaire, response: dict, link_id: str) -> bool:
    """Whether the item is shown: its enableWhen holds and so do its ancestors'."""
    item = q.item(link_id)
    conditions = item.get("enableWhen") or []
    if conditions:
        results = [condition_met(c, response) for c in conditions]
        if not (any(results) if item.get("enableBehavior") == "any" else all(results)):
            return False
    parent = q.parents[link_id]
    return parent is None or enabled(q, response, parent)


def missing_required(q: Questionnaire, response: dict) -> list[tuple[str, str]]:
    """(linkId, text) of every enabled required question left unanswered, in form order.
    Items of a repeating group are checked in every instance of the group."""
    missing: list[tuple[str, str]] = []

    def answered(ri: dict) -> bool:
        return any(_has_value(from_answer(a)) for a in ri.get("answer", []) or [])

    def visit(items: list[dict], containers: list[dict]) -> None:
        for item in items:
            link = item["linkId"]
            if item["type"] == "display" or not enabled(q, response, link):
                continue
            if item["type"] == "group":
                instances = [ri for c in containers for ri in c.get("item", []) or [] if ri.get("linkId") == link]
                if item.get("required") and not instances:
                    missing.append((link, item.get("text", link)))
                visit(item["item"], instances or ([{}] if not item.get("repeats") else []))
                continue
            unanswered = any(not any(answered(ri) for ri in c.get("item", []) or [] if ri.get("linkId") == link)
                             for c in containers)
            if item.get("required") and unanswered and (link, item.get("text", link)) not in missing:
                missing.append((link, item.get("text", link)))

    visit(q.data.get("item", []), [response])
    return missing


def invalid_choices(q: Questionnaire, response: dict) -> list[str]:
    """linkIds of choice answers that are not among the item's answerOption (e.g. a recipient
    the patient did not consent to, typed into a draft by hand)."""
    bad = []
    for item in q.walk():
        if item["type"] != "choice" or item.get("answerConstraint") == "optionsOrString":
            continue
        options = [from_answer(o) for o in item.get("answerOption", []) or []]
        for ri in find_items(response, item["linkId"]):
            for answer in ri.get("answer", []) or []:
                value = from_answer(answer)
                if not any(_compare(value, "=", o) if isinstance(o, dict) else value == o for o in options):
                    bad.append(item["linkId"])
                    break
    return sorted(set(bad), key=list(q.items).index)

