"""Text from the sheet is shown as text on every page, through the real app.py under AppTest.

Every name column of the workbook carries Markdown and HTML payloads (tests/payloads.py).
Each page is run as the admin (every page) and as a cadre, with and without the sidebar's
hamlet and cadre filters; then every element the run sent is read from its protobuf:

- every field Streamlit renders as Markdown (bodies, labels, help, expander and tab labels,
  radio and segmented-control options, metric labels, page links) must hold no payload in a
  working form: escaped, `![p](…)` reads `\\!\\[p\\]\\(…`;
- st.html bodies and Plotly figures (titles, axes, legends, hover) must hold no raw `<img`
  or `<a `: Plotly reads those tags in its text;
- fields Streamlit shows as plain text (selectbox and multiselect options, text inputs'
  values, table cells) are left as typed, and the payload must be seen there, so the test
  knows the names did reach the page.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
import streamlit as st
from google.protobuf.json_format import MessageToDict

from tests.app_support import app, use_workbook
from tests.payloads import ADMIN, CADRE, HTML_MARKERS, MARKDOWN_MARKERS, PAYLOADS, payload_book
from tothu_core.clock import office_now

ADMIN_PAGES = (
    "overview",
    "assignment_map",
    "meetings",
    "reports",
    "followup",
    "entry_form",
    "my_history",
    "monthly_report",
    "month_lock",
    "data_check",
    "settings",
)
CADRE_PAGES = ("overview", "entry_form", "my_history")
# Proto fields Streamlit renders as plain text (checked in Chromium by tests/e2e/
# test_sheet_text.py): a selectbox's and a multiselect's options, what a text box holds.
PLAIN_FIELDS = {
    ("selectbox", "options"),
    ("selectbox", "rawValue"),
    ("selectbox", "default"),
    ("multiselect", "options"),
    ("multiselect", "rawValues"),
    ("multiselect", "default"),
    ("text_input", "value"),
    ("text_input", "default"),
    ("text_area", "value"),
    ("text_area", "default"),
    ("text_input", "placeholder"),
    ("text_area", "placeholder"),
    # st.code shows its text in a code block, never as Markdown (the reminder messages).
    ("code", "codeText"),
    # The reminder buttons' data: their JavaScript sets it with textContent and setAttribute.
    ("bidi_component", "json"),
}
# Rendered as HTML (or Plotly's pseudo-HTML), not Markdown: checked for raw tags instead.
HTML_FIELDS = {("html", "body"), ("plotly_chart", "spec")}
# Identifiers and data, never shown as text.
SKIPPED_FIELDS = {"id", "formId", "key", "data", "arrowData", "styler", "columns", "config",
                  "jsContent", "cssContent", "componentName"}  # fmt: skip


@pytest.fixture(scope="module")
def month() -> pd.Period:
    """The month shown: the last one with entries (the form's open months follow the clock)."""
    return pd.Period(office_now(), freq="M") - 1


@pytest.fixture
def payload_workbook(monkeypatch, tmp_path, month):
    st.cache_resource.clear()
    use_workbook(monkeypatch, payload_book(pd.Period(office_now(), freq="M")), tmp_path)
    yield
    st.cache_resource.clear()


def strings(value, path=()):
    """Every string in a MessageToDict tree, with the field names leading to it."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from strings(inner, (*path, key))
    elif isinstance(value, list):
        for inner in value:
            yield from strings(inner, path)
    elif isinstance(value, str):
        yield path, value


def nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from nodes(child)


def shown_fields(at):
    """(element type, field path, text) for every string field of every element and block.

    AppTest gives each node its own message (a Heading, a Selectbox… or, for a block, the
    Block with its expander or tab label): every string in it is looked at.
    """
    for node in nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        for path, text in strings(MessageToDict(proto)):
            yield node.type, path, text


def unescaped(marker: str, markdown: str) -> bool:
    """Whether `marker` occurs with its first character not backslash-escaped (an even number
    of backslashes before it, as CommonMark counts them)."""
    start = markdown.find(marker)
    while start != -1:
        backslashes = len(markdown[:start]) - len(markdown[:start].rstrip("\\"))
        if backslashes % 2 == 0:
            return True
        start = markdown.find(marker, start + 1)
    return False


# A bare address GitHub-flavoured Markdown would link even with its punctuation escaped
# (remark-gfm finds it after escapes are resolved): escape_markdown breaks it with a word
# joiner (U+2060) after the scheme, `www` or `@`.
AUTOLINK = re.compile(r"(?i)(?:https?|ftp|mailto|xmpp)\\?:|www\\?\.|@(?!\u2060)")


def problems(at) -> tuple[list, set]:
    """What renders a payload, and which plain fields showed one (proof the names arrived)."""
    found, plain_seen = [], set()
    for kind, path, text in shown_fields(at):
        field = path[0] if path else ""
        if field in SKIPPED_FIELDS:
            continue
        if (kind, field) in PLAIN_FIELDS:
            if any(p in text for p in PAYLOADS):
                plain_seen.add((kind, field))
            continue
        if (kind, field) in HTML_FIELDS:
            if field == "spec":
                # Plotly's JSON writes `<` as \\u003c; read it back to see the text as drawn.
                text = json.dumps(json.loads(text), ensure_ascii=False)
            found += [(kind, field, m, text[:160]) for m in HTML_MARKERS if m in text]
            continue
        found += [
            (kind, "/".join(path), m, text[:160]) for m in MARKDOWN_MARKERS if unescaped(m, text)
        ]
        found += [(kind, "/".join(path), m.group(0), text[:160]) for m in AUTOLINK.finditer(text)]
    return found, plain_seen


def escaped_payload_shown(at) -> bool:
    r"""Some Markdown body holds the payload escaped (`\!\[p\]`): the names were shown."""
    return any(r"\!\[p\]" in text for _kind, _path, text in shown_fields(at))


def run_page(page: str, *, cadre: str, month: pd.Period, filters: dict | None = None):
    query = {"thang": month.strftime("%m-%Y"), **(filters or {})}
    at = app(cadre=cadre, page=f"pages/{page}.py", query=query)
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page", ADMIN_PAGES)
@pytest.mark.parametrize("filtered", [False, True], ids=["all", "hamlet+cadre"])
def test_sheet_text_is_shown_as_text_on_every_page(payload_workbook, month, page, filtered):
    filters = {"ap": "A1", "canbo": ADMIN} if filtered else None
    at = run_page(page, cadre=ADMIN, month=month, filters=filters)
    found, _plain = problems(at)
    assert found == []
    assert escaped_payload_shown(at)


@pytest.mark.parametrize("page", CADRE_PAGES)
def test_sheet_text_is_shown_as_text_to_a_cadre(payload_workbook, month, page):
    at = run_page(page, cadre=CADRE, month=month)
    found, _plain = problems(at)
    assert found == []
    assert escaped_payload_shown(at)


def test_the_payload_reaches_plain_fields_as_typed(payload_workbook, month):
    """The sidebar's selectboxes show names as typed (plain text); the form's topic check
    boxes, whose labels are Markdown, show them escaped."""
    at = run_page("entry_form", cadre=ADMIN, month=month)
    _found, plain = problems(at)
    assert ("selectbox", "options") in plain
    topic_labels = [box.label for box in at.checkbox]
    assert any(r"\!\[p\]" in label for label in topic_labels), topic_labels
    payload_names = [o for o in at.sidebar.selectbox(key="filter_hamlet").options if "![p]" in o]
    assert len(payload_names) == 2


def test_a_refusal_and_the_sign_in_form_show_sheet_text_as_text(payload_workbook):
    # The local account of a cadre the sheet no longer has: the refusal quotes the id.
    at = app(cadre="![p](http://127.0.0.1:9/x.png)")
    assert [t.value for t in at.title] == ["Không có quyền truy cập"]
    found, _plain = problems(at)
    assert found == []
    assert re.search(r"\\!\\\[p\\\]", "\n".join(m.value for m in at.markdown))
