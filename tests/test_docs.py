"""The documents a user reads stay true to the code.

- docs/bang-tinh.md, the contract for the office: every tab, header and alias of
  tothu_core/sheet/contract.py, with the same required flags, in the code's order;
- docs/huong-dan.md, the guide: every image it shows exists and is one the screenshot journey
  makes (so one run regenerates them all), every page of the app is described;
- every relative link in the Markdown files a user opens leads somewhere.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

from tests.e2e.test_guide_screenshots import DOCS_IMAGES, SHOTS
from tothu_core.sheet import contract

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_DOC = ROOT / "docs" / "bang-tinh.md"
GUIDE = ROOT / "docs" / "huong-dan.md"
USER_DOCS = [ROOT / "README.md", CONTRACT_DOC, GUIDE, ROOT / "deploy" / "README.md"]
_TICKED = re.compile(r"`([^`]+)`")
_TAB_HEADING = re.compile(r"^### Trang `([^`]+)`.*?\(tên khác của trang: ([^)]*)\)\s*$", re.M)


def documented_tabs(text: str) -> dict[str, dict]:
    """Tab name -> its aliases and its table rows (header, aliases, required), as written."""
    tabs = {}
    headings = list(_TAB_HEADING.finditer(text))
    for index, heading in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        body = text[heading.end() : end].split("\n## ", 1)[0]
        rows = []
        for line in body.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 3 or not cells[0].startswith("`"):
                continue
            rows.append(
                {
                    "header": _TICKED.fullmatch(cells[0]).group(1),
                    "aliases": tuple(_TICKED.findall(cells[1])),
                    "required": cells[2].startswith("có"),
                }
            )
        tabs[heading.group(1)] = {"aliases": tuple(_TICKED.findall(heading.group(2))), "rows": rows}
    return tabs


def contract_mismatches(text: str, tabs=None) -> list[str]:
    """Every way the document and the code's contract disagree, in words."""
    found = documented_tabs(text)
    wrong = []
    tabs = list(contract.TABS.values() if tabs is None else tabs)
    if list(found) != [t.name for t in tabs]:
        wrong.append(f"tabs: document {list(found)} != code {[t.name for t in tabs]}")
    for tab in tabs:
        doc = found.get(tab.name)
        if doc is None:
            continue
        if doc["aliases"] != tab.aliases:
            wrong.append(f"{tab.name}: tab aliases {doc['aliases']} != {tab.aliases}")
        code_rows = [
            {"header": c.header, "aliases": c.aliases, "required": c.required} for c in tab.columns
        ]
        if doc["rows"] != code_rows:
            wrong.append(f"{tab.name}: columns\n  document {doc['rows']}\n  code     {code_rows}")
    return wrong


def test_the_contract_document_matches_the_code():
    assert contract_mismatches(CONTRACT_DOC.read_text(encoding="utf-8")) == []


def test_a_change_to_the_contract_is_caught():
    """The check above fails when the code gains an alias or a column the document lacks."""
    text = CONTRACT_DOC.read_text(encoding="utf-8")
    groups = contract.GROUPS
    more_aliases = replace(groups, aliases=(*groups.aliases, "Danh sách tổ"))
    extra = contract.Column("note", "Ghi chú", contract.TEXT, False, ("Chú thích",))
    more_columns = replace(groups, columns=(*groups.columns, extra))
    others = [t for t in contract.TABS.values() if t.key != "groups"]
    assert contract_mismatches(text, [contract.HAMLETS, contract.CADRES, more_aliases, *others[2:]])
    assert contract_mismatches(text, [contract.HAMLETS, contract.CADRES, more_columns, *others[2:]])
    assert contract_mismatches(
        text.replace("| `Số hộ` | `Số hộ dân`, `Hộ` | có", "| `Số hộ` | `Số hộ dân`, `Hộ` | không")
    )


def test_the_contract_document_names_every_value_list_and_export_header():
    text = CONTRACT_DOC.read_text(encoding="utf-8")
    ticked = set(_TICKED.findall(text))
    for value in (
        *contract.RATINGS,
        *contract.ROLES,
        *contract.CADRE_KINDS,
        contract.ORDINAL_HEADER,
    ):
        assert value in ticked, value
    for table, headers in contract.DERIVED_HEADERS.items():
        assert table in ticked, table
        for header in headers.values():
            assert header in ticked, (table, header)


def guide_images() -> list[str]:
    return re.findall(r"!\[[^\]]*\]\(images/([^)]+)\)", GUIDE.read_text(encoding="utf-8"))


def test_every_image_of_the_guide_exists_and_is_made_by_the_screenshot_journey():
    shown = guide_images()
    assert shown, "the guide shows the app"
    missing = [name for name in shown if not (DOCS_IMAGES / name).is_file()]
    assert missing == [], (
        f"run TOTHU_WRITE_GUIDE_IMAGES=1 pytest tests/e2e/test_guide_screenshots.py: {missing}"
    )
    assert sorted(shown) == sorted(f"{name}.png" for name in SHOTS)
    on_disk = sorted(p.name for p in DOCS_IMAGES.iterdir())
    assert on_disk == sorted(shown), "no image left behind that the guide no longer shows"
    for name in shown:
        assert (DOCS_IMAGES / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_guide_describes_every_page_of_the_app():
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    pages = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "PAGES"
    )
    titles = [ast.literal_eval(v)[1] for v in pages.values]
    text = GUIDE.read_text(encoding="utf-8")
    assert [t for t in titles if t not in text] == [], "describe the new or renamed page"
    for topic in ("Chia sẻ", "tài khoản dịch vụ", "account add", "điện thoại", "không đọc được",
                  "backup", "Kiểm tra dữ liệu", "bảng tính mẫu"):  # fmt: skip
        assert topic in text, topic


def github_anchor(heading: str) -> str:
    """GitHub's heading id: lower case, punctuation dropped, spaces to hyphens."""
    text = unicodedata.normalize("NFC", heading.strip().lower())
    text = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return text.replace(" ", "-")


def test_every_relative_link_leads_somewhere():
    for doc in USER_DOCS:
        text = doc.read_text(encoding="utf-8")
        anchors = {github_anchor(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            if path:
                assert (doc.parent / path).exists(), f"{doc.name}: {target}"
            elif anchor:
                assert anchor in anchors, f"{doc.name}: #{anchor}"
    assert "../shared" not in (ROOT / "README.md").read_text(encoding="utf-8")
