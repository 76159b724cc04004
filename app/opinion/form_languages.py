"""The languages of an opinion template: a template carries its Dutch and French texts in the
FHIR translation extension (http://hl7.org/fhir/StructureDefinition/translation) on `_title`,
each item's `_text` and `_prefix`, and each answer option's `_display` (`_valueString` for a
string option); English is the base text. `localized(q, "fr")` is a copy to show or print in
one language; `option_display` and `answer_display` re-label a stored answer (a response keeps
codes and the English displays, whatever language the form was shown in). Qt-free."""

from __future__ import annotations

import copy
from typing import Any, overload

from app.core.i18n import SOURCE_LANGUAGE, language_of, translation
from app.opinion.questionnaire import Questionnaire, from_json

TRANSLATION_URL = "http://hl7.org/fhir/StructureDefinition/translation"
#: The texts of an item that are translated (each has its `_key` element with the extension).
ITEM_TEXT_KEYS = ("text", "prefix")


def translations(owner: dict, key: str) -> dict[str, str]:
    """{language: text} given for `owner[key]` by the translation extensions on `owner["_" + key]`
    ('nl-BE' counts as nl; the first one of a language wins)."""
    element = owner.get(f"_{key}")
    found: dict[str, str] = {}
    if not isinstance(element, dict):
        return found
    for ext in element.get("extension") or []:
        if not isinstance(ext, dict) or ext.get("url") != TRANSLATION_URL:
            continue
        parts = {sub.get("url"): sub for sub in ext.get("extension") or [] if isinstance(sub, dict)}
        tag = (parts.get("lang") or {}).get("valueCode")
        content = (parts.get("content") or {}).get("valueString")
        if isinstance(tag, str) and tag and isinstance(content, str) and content.strip():
            found.setdefault(language_of(tag) or tag.lower(), content)
    return found


def translated(owner: dict, key: str, language: str | None) -> Any:
    """`owner[key]` in `language` (a code or tag: 'fr', 'nl-BE'): the template's translation,
    else the gettext catalogue's for the same English text, else the base (English) text."""
    base = owner.get(key)
    wanted = language_of(language) or (language or "").lower()
    if not wanted or wanted == SOURCE_LANGUAGE or not isinstance(base, str):
        return base
    given = translations(owner, key).get(wanted)
    # A template's own translation first; then the program's catalogue (a language the
    # template does not carry, such as the test pseudo-language); the English text last.
    return given if given is not None else translation(wanted).gettext(base) if base else base


def set_translation(owner: dict, key: str, language: str, content: str) -> None:
    """Give `owner[key]` the text `content` in `language` (replacing one given before)."""
    element = owner.setdefault(f"_{key}", {})
    extensions = [ext for ext in element.get("extension") or []
                  if not (isinstance(ext, dict) and ext.get("url") == TRANSLATION_URL
                          and language_of(next((s.get("valueCode") for s in ext.get("extension") or []
                                                if s.get("url") == "lang"), None)) == language_of(language))]
    extensions.append({"url": TRANSLATION_URL, "extension": [{"url": "lang", "valueCode": language},
                                                            {"url": "content", "valueString": content}]})
    element["extension"] = extensions


def _localize_option(option: dict, language: str) -> dict:
    option = dict(option)
    if isinstance(option.get("valueCoding"), dict):
        coding = dict(option["valueCoding"])
        if "display" in coding:
            coding["display"] = translated(coding, "display", language)
        coding.pop("_display", None)
        option["valueCoding"] = coding
    if isinstance(option.get("valueString"), str):
        option["valueString"] = translated(option, "valueString", language)
    option.pop("_valueString", None)
    return option


def _localize_item(item: dict, language: str) -> dict:
    item = dict(item)
    for key in ITEM_TEXT_KEYS:
        if key in item:
            item[key] = translated(item, key, language)
        item.pop(f"_{key}", None)
    if item.get("answerOption"):
        item["answerOption"] = [_localize_option(o, language) for o in item["answerOption"]]
    if item.get("item"):
        item["item"] = [_localize_item(child, language) for child in item["item"]]
    return item


def _localized_data(data: dict, language: str) -> dict:
    data = copy.deepcopy(data)
    if "title" in data:
        data["title"] = translated(data, "title", language)
    data.pop("_title", None)
    data["item"] = [_localize_item(i, language) for i in data.get("item", []) or []]
    return data


@overload
def localized(questionnaire: dict, language: str) -> dict: ...
@overload
def localized(questionnaire: Questionnaire, language: str) -> Questionnaire: ...
def localized(questionnaire: dict | Questionnaire, language: str) -> dict | Questionnaire:
    """A deep copy of the Questionnaire (its FHIR JSON, or a checked `Questionnaire`) with the
    title, item texts and answer option displays in `language`, English where a translation is
    missing; the translation extensions are left out. A `Questionnaire` keeps its case binding
    and remembers its `source` (codes and enableWhen are the same: it fills the same responses)."""
    if isinstance(questionnaire, dict):
        return _localized_data(questionnaire, language)
    original = questionnaire.original
    shown = from_json(_localized_data(original.data, language), original.name)
    shown.bound_to, shown.language, shown.source = original.bound_to, language_of(language) or language, original
    return shown


def _items_by_link(questionnaire: dict | Questionnaire) -> dict[str, dict]:
    if isinstance(questionnaire, Questionnaire):
        return questionnaire.original.items
    found: dict[str, dict] = {}

    def visit(items):
        for item in items or []:
            found.setdefault(item.get("linkId"), item)
            visit(item.get("item"))
    visit(questionnaire.get("item"))
    return found


def _same_code(coding: dict, code: str, system: str | None) -> bool:
    return coding.get("code") == code and (not system or not coding.get("system") or coding["system"] == system)


def option_display(questionnaire: dict | Questionnaire, link_id: str, code: str, language: str,
                   system: str | None = None) -> str | None:
    """The display of the answer option `code` (of `system`, when given) of item `link_id` in
    `language` (English when not translated); None when the item has no such option."""
    item = _items_by_link(questionnaire).get(link_id) or {}
    for option in item.get("answerOption") or []:
        coding = option.get("valueCoding") if isinstance(option, dict) else None
        if isinstance(coding, dict) and _same_code(coding, code, system):
            return translated(coding, "display", language) or coding.get("code")
    return None


def answer_display(questionnaire: dict | Questionnaire, link_id: str, value: Any, language: str) -> Any:
    """A stored answer of item `link_id` as the reader of `language` reads it: a Coding by its
    option's display in that language (the Coding's own display, or its code, when the item has
    no such option); a string that is one of the item's string options (in any language) in that
    language; anything else as it is."""
    if isinstance(value, dict):
        shown = option_display(questionnaire, link_id, str(value.get("code") or ""), language, value.get("system"))
        return shown if shown is not None else str(value.get("display") or value.get("code") or "")
    if isinstance(value, str):
        item = _items_by_link(questionnaire).get(link_id) or {}
        for option in item.get("answerOption") or []:
            if not isinstance(option, dict) or not isinstance(option.get("valueString"), str):
                continue
            if value == option["valueString"] or value in translations(option, "valueString").values():
                return translated(option, "valueString", language)
    return value


def untranslated(questionnaire: dict | Questionnaire, languages: tuple[str, ...] = ("nl", "fr")) -> list[str]:
    """Where a text of the template lacks a translation into one of `languages`
    ('item "diagnosis" text: fr', 'item "urgency" option "soon": nl'); [] when complete."""
    data = questionnaire.original.data if isinstance(questionnaire, Questionnaire) else questionnaire
    gaps: list[str] = []

    def check(owner: dict, key: str, where: str) -> None:
        if isinstance(owner.get(key), str) and owner[key].strip():
            have = translations(owner, key)
            gaps.extend(f"{where}: {lang}" for lang in languages if lang not in have)

    check(data, "title", "title")
    for item in _items_by_link(data).values():
        link = item.get("linkId")
        for key in ITEM_TEXT_KEYS:
            check(item, key, f'item "{link}" {key}')
        for option in item.get("answerOption") or []:
            coding = option.get("valueCoding")
            if isinstance(coding, dict):
                check(coding, "display", f'item "{link}" option "{coding.get("code")}"')
            check(option, "valueString", f'item "{link}" option "{option.get("valueString")}"')
    return gaps


def template_texts(questionnaire: dict | Questionnaire) -> list[str]:
    """The English texts of a template that `localized` translates (title, item texts and
    prefixes, option displays and string options), each once, in form order."""
    data = questionnaire.original.data if isinstance(questionnaire, Questionnaire) else questionnaire
    texts = [data.get("title")]
    for item in _items_by_link(data).values():
        texts += [item.get(key) for key in ITEM_TEXT_KEYS]
        for option in item.get("answerOption") or []:
            texts.append((option.get("valueCoding") or {}).get("display") or option.get("valueString"))
    return list(dict.fromkeys(t for t in texts if isinstance(t, str) and t.strip()))
