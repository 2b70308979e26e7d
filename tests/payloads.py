"""A commune whose every name column carries Markdown and HTML payloads.

What people type into the sheet must show as typed: not as an image fetched from elsewhere,
a live link, styling, LaTeX or raw HTML. The payloads point at 127.0.0.1:9 (the discard
port, where nothing listens), so a browser that did render one would request that address.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

OUTSIDE = "http://127.0.0.1:9"
PAYLOADS = (
    f"![p]({OUTSIDE}/x.png)",
    f"[Đăng nhập lại]({OUTSIDE}/)",
    "<img src=x onerror=alert(1)>",
    f'<a href="{OUTSIDE}/a">bấm</a>',
    "**đậm**",
    "$x$",
    ":red[đỏ]",
    f"{OUTSIDE}/tu-dong",
    "www.127.0.0.1.nip.io",
    "an@example.org",
    ":smile: :material/home:",
)
PAYLOAD = " ".join(PAYLOADS)
# What must never reach a Markdown body unescaped (each payload's working part).
MARKDOWN_MARKERS = (
    "![p](",
    "](http",
    "<img",
    "<a ",
    "**đậm**",
    "$x$",
    ":red[",
    OUTSIDE,
)
# What must never reach HTML (st.html) or Plotly's pseudo-HTML unescaped.
HTML_MARKERS = ("<img", "<a ")


def named(text: str) -> str:
    """A name as an office might type it, followed by every payload."""
    return f"{text} {PAYLOAD}"


ADMIN = "QT01"
CADRE = "CB01"


def payload_book(month: pd.Period) -> dict[str, list[list]]:
    """Two hamlets, three groups with coordinates, an admin following two groups and a cadre
    following one, entries for the two months before `month` (topics, situation, proposals)."""
    months = [month - 2, month - 1]

    def entry(number, m: pd.Period, group, cadre, present, topics):
        return [
            f"{m.month:02d}/{m.year}",
            group,
            cadre,
            date(m.year, m.month, 10),
            present,
            "x",
            topics,
            named("Tình hình"),
            named("Kiến nghị"),
            datetime(m.year, m.month, 12, 8, number),
            f"P-{number}",
        ]

    topics = f"{named('Nước ngọt')}; {named('Đồng khởi mới')}"
    meetings = []
    for n, m in enumerate(months):
        meetings += [
            entry(10 * n + 1, m, "T1", ADMIN, 8, topics),
            entry(10 * n + 2, m, "T2", ADMIN, 12, named("Nước ngọt")),
            entry(10 * n + 3, m, "T3", CADRE, 5, topics),
        ]
    return {
        "Ấp": [
            ["Mã ấp", "Tên ấp", "Bí thư chi bộ"],
            ["A1", named("Ấp Mỹ An"), named("Bí thư An")],
            ["A2", named("Ấp Mỹ Hòa"), named("Bí thư Hòa")],
        ],
        "Cán bộ": [
            ["Mã cán bộ", "Họ và tên", "Chức vụ", "Loại", "Điện thoại", "Email", "Vai trò"],
            [ADMIN, named("Phạm Thị Dung"), named("Văn phòng"), "Cán bộ", "0912 000 001",
             "dung@example.org", "Quản trị"],
            [CADRE, named("Nguyễn Văn An"), named("Công chức"), "Công chức", "0912 000 002",
             "an@example.org", "Cán bộ"],
            ["LD01", named("Lê Văn Cường"), named("Bí thư"), "Cán bộ", "0912 000 003",
             "cuong@example.org", "Lãnh đạo"],
            # Follows nothing: listed among cadres without reports.
            ["CB02", named("Trần Thị Bình"), named("Không chuyên trách"), "Cán bộ", "", "", ""],
        ],
        "Tổ": [
            ["Mã tổ", "Tên tổ", "Mã ấp", "Tổ trưởng", "Số hộ", "Xếp loại", "Vĩ độ", "Kinh độ"],
            ["T1", named("Tổ 1"), "A1", named("Tổ trưởng Một"), 10, "Yếu", 10.24, 106.37],
            ["T2", named("Tổ 2"), "A1", named("Tổ trưởng Hai"), 20, "Khá", 10.25, 106.38],
            ["T3", named("Tổ 3"), "A2", named("Tổ trưởng Ba"), 15, "Yếu", None, None],
        ],
        "Phân công": [
            ["Mã cán bộ", "Mã tổ", "Từ ngày", "Đến ngày", "Căn cứ"],
            [ADMIN, "T1", date(2026, 1, 1), None, named("Quyết định 12")],
            [ADMIN, "T2", date(2026, 1, 1), None, named("Quyết định 12")],
            ["CB02", "T3", date(2026, 1, 1), date(2026, 5, 31), named("Quyết định 12")],
            [CADRE, "T3", date(2026, 6, 1), None, named("Quyết định 30")],
        ],
        "Sinh hoạt": [
            ["Tháng", "Mã tổ", "Mã cán bộ", "Ngày họp", "Số hộ dự", "Cán bộ dự",
             "Nội dung tuyên truyền", "Tình hình", "Kiến nghị", "Thời điểm nhập", "Mã phiếu"],
            *meetings,
        ],
        "Chủ đề": [
            ["Chủ đề", "Từ tháng", "Đến tháng"],
            [named("Nước ngọt"), None, None],
            [named("Đồng khởi mới"), None, None],
        ],
    }  # fmt: skip
