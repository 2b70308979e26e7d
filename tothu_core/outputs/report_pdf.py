"""A PDF of the Word report, made by LibreOffice when the server has it.

PDF is optional: the office signs the .docx anyway. Without LibreOffice (`soffice`) on the
PATH, or when the conversion fails, the result says why in a sentence the page and the
command line can show, instead of raising.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CONVERTERS = ("soffice", "libreoffice")
# LibreOffice's first start in a fresh profile takes a few seconds; a big report a few more.
DEFAULT_TIMEOUT = 120

NOT_INSTALLED = (
    "Máy chủ chưa cài LibreOffice nên chưa tạo được bản PDF. Hãy tải bản Word (.docx), "
    "mở bằng Word rồi chọn «Lưu thành PDF», hoặc nhờ người quản trị cài LibreOffice."
)
TIMED_OUT = "LibreOffice chạy quá {seconds} giây mà chưa chuyển xong sang PDF; hãy thử lại sau."
FAILED = "LibreOffice không chuyển được báo cáo sang PDF ({detail}). Hãy dùng bản Word (.docx)."


@dataclass(frozen=True)
class PdfResult:
    """The PDF bytes, or None and the reason (a Vietnamese sentence) why there are none."""

    data: bytes | None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.data is not None


def find_converter() -> str | None:
    """The path of LibreOffice's command on this machine, or None."""
    for name in CONVERTERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def docx_to_pdf(
    docx: bytes, *, converter: str | None = None, timeout: float = DEFAULT_TIMEOUT
) -> PdfResult:
    """Convert with `soffice --headless --convert-to pdf` in a throw-away folder and profile.

    A profile of its own lets two conversions run at once, and never touches the profile
    of a person using LibreOffice on the same machine.
    """
    program = converter or find_converter()
    if program is None:
        return PdfResult(None, NOT_INSTALLED)
    with tempfile.TemporaryDirectory(prefix="tothu-pdf-") as folder:
        work = Path(folder)
        source = work / "bao-cao.docx"
        source.write_bytes(docx)
        command = [
            program,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(source),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return PdfResult(None, TIMED_OUT.format(seconds=int(timeout)))
        except OSError as exc:
            return PdfResult(None, FAILED.format(detail=exc.strerror or exc))
        target = source.with_suffix(".pdf")
        if not target.exists():
            detail = (
                _last_line(done.stderr) or _last_line(done.stdout) or f"mã lỗi {done.returncode}"
            )
            return PdfResult(None, FAILED.format(detail=detail))
        return PdfResult(target.read_bytes())


def _last_line(output: bytes) -> str:
    lines = [line.strip() for line in output.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line and "javaldx" not in line]
    return lines[-1] if lines else ""
