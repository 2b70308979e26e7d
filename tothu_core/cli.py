"""`python -m tothu_core`: write demo data or the template, check a sheet, export tables, write
the committee's report (month, quarter, six months, year) and the hamlets' lists, remind the
cadres whose reports are missing, back up the app's own files, sync a province's communes."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tothu_core.errors import ConfigError, TothuError
from tothu_core.figures.figures import as_month
from tothu_core.sheet import contract

EXIT_OK, EXIT_PROBLEMS, EXIT_UNREADABLE = 0, 1, 2
TABLES = contract.RAW_TABLES + contract.DERIVED_TABLES


def _month(text: str):
    try:
        return as_month(text)
    except (ValueError, TypeError) as exc:
        raise argparse.ArgumentTypeError(f"tháng «{text}» không hợp lệ, hãy ghi MM/YYYY") from exc


def _day(text: str):
    from datetime import datetime

    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"ngày «{text}» không hợp lệ, hãy ghi DD/MM/YYYY") from exc


def _secrets() -> tuple[dict, Path | None]:
    """The secrets file the app would use, parsed (ConfigError naming it and the line)."""
    from tothu_core.settings import find_secrets_file, parse_secrets_file

    path = find_secrets_file()
    return ({} if path is None else parse_secrets_file(path)), path


def _settings(args=None):
    """The settings in force for this command (on the demo: the demo commune's names)."""
    from tothu_core.settings import load_settings
    from tothu_core.sheet.sources import describe_choice

    secrets, path = _secrets()
    spec, _origin = describe_choice(
        getattr(args, "source", None), secrets=secrets, secrets_path=path
    )
    return load_settings(secrets=secrets, demo=spec.strip() == "demo")


def _load(args):
    """The dataset of the configured source, once the whole configuration has been checked
    as the app checks it: a broken piece stops the command instead of being skipped."""
    from tothu_core.people.accounts import default_accounts_path
    from tothu_core.people.configuration import check_configuration
    from tothu_core.sheet.load import load_dataset
    from tothu_core.sheet.sources import resolve_source

    secrets, path = _secrets()
    check_configuration(
        spec=args.source, secrets=secrets, secrets_path=path, accounts_path=default_accounts_path()
    )
    settings = _settings(args)
    return load_dataset(
        resolve_source(args.source, secrets=secrets), max_groups_per_cadre=settings.max_load
    )


def cmd_demo(args) -> int:
    from tothu_core.sheet.demo import generate_workbook, write_workbook

    book = generate_workbook(communes=args.communes, months=args.months, seed=args.seed)
    path = write_workbook(book, Path(args.path))
    print(f"Đã ghi dữ liệu mẫu: {path}")
    return EXIT_OK


def cmd_check(args) -> int:
    ds = _load(args)
    if args.json:
        json.dump([p.as_dict() for p in ds.problems], sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        for p in ds.problems:
            where = f"{p.tab}, dòng {p.row}" if p.row else p.tab
            column = f", cột «{p.column}»" if p.column else ""
            kind = "LỖI" if p.severity == "error" else "Cảnh báo"
            print(f"{kind}: {where}{column}: {p.message}")
        print(f"{len(ds.errors)} lỗi, {len(ds.warnings)} cảnh báo.", file=sys.stderr)
    return EXIT_PROBLEMS if ds.errors else EXIT_OK


def cmd_export(args) -> int:
    from tothu_core.outputs.exportfile import export_filename, to_csv_bytes, to_xlsx_bytes
    from tothu_core.outputs.tables import SLUGS, Scope, date_headers, export_table

    ds = _load(args)
    month = args.month
    if month is None and args.table in contract.DERIVED_TABLES:
        month = ds.latest_month()
    scope = Scope(month=month, hamlet=args.hamlet, cadre=args.cadre)
    frame = export_table(ds, args.table, scope)
    if args.format == "csv":
        data = to_csv_bytes(frame)
    else:
        from tothu_core.outputs.tables import PERCENT_HEADERS

        dates, datetimes = date_headers(args.table)
        data = to_xlsx_bytes(
            frame,
            sheet_name=SLUGS[args.table],
            percent_columns=[c for c in frame.columns if c in PERCENT_HEADERS],
            date_columns=dates,
            datetime_columns=datetimes,
        )
    if args.output == "-":
        sys.stdout.buffer.write(data)
        return EXIT_OK
    name = args.output or export_filename(
        SLUGS[args.table],
        month=month.strftime(contract.MONTH_FORMAT) if month is not None else None,
        hamlet=args.hamlet,
        cadre=args.cadre,
        ext=args.format,
    )
    Path(name).write_bytes(data)
    print(f"Đã xuất {len(frame)} dòng vào {name}", file=sys.stderr)
    return EXIT_OK


def cmd_report(args) -> int:
    from tothu_core.outputs.report import (
        build_report,
        letterhead_from_settings,
        parse_period,
        report_filename,
    )
    from tothu_core.outputs.report_docx import render_docx
    from tothu_core.outputs.report_pdf import docx_to_pdf

    ds = _load(args)
    settings = _settings(args)
    try:
        period = _report_period(args, ds, parse_period)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return EXIT_PROBLEMS
    if period is None:
        print("Bảng tính chưa có phân công hay báo cáo nào để làm báo cáo.", file=sys.stderr)
        return EXIT_PROBLEMS
    if not set(period.all_months) & set(ds.months()):
        print(f"Bảng tính chưa có số liệu nào của {period.label}.", file=sys.stderr)
        return EXIT_PROBLEMS
    letterhead = letterhead_from_settings(
        settings, committee=args.committee, number=args.number, signer=args.signer
    )
    report = build_report(
        ds,
        period,
        letterhead=letterhead,
        issued=args.date,
        deadline_day=settings.deadline_day,
        planned_load=settings.planned_load,
    )
    gaps = settings.organisation_gaps()
    if gaps and not args.committee:
        print(
            "Chưa cài đặt: " + ", ".join(gaps) + " (trang «Cài đặt» hoặc mục [tothu] của "
            "secrets.toml); văn bản ghi «……» ở các chỗ đó.",
            file=sys.stderr,
        )
    if report.provisional_note:
        print(report.provisional_note, file=sys.stderr)
    data = render_docx(report)
    path = Path(args.output or report_filename(report.period, ext="docx"))
    path.write_bytes(data)
    print(f"Đã ghi báo cáo {report.period.label} vào {path}", file=sys.stderr)
    if not args.pdf:
        return EXIT_OK
    result = docx_to_pdf(data)
    if not result.ok:
        print(result.reason, file=sys.stderr)
        return EXIT_PROBLEMS
    pdf = path.with_suffix(".pdf")
    pdf.write_bytes(result.data)
    print(f"Đã ghi bản PDF vào {pdf}", file=sys.stderr)
    return EXIT_OK


def _report_period(args, ds, parse_period):
    from tothu_core.outputs.report import HALF, QUARTER, YEAR, Period

    for kind, value in ((QUARTER, args.quarter), (HALF, args.half), (YEAR, args.year)):
        if value:
            return parse_period(kind, value)
    month = args.month or ds.latest_month()
    return None if month is None else Period.of_month(month)


def cmd_list(args) -> int:
    from tothu_core.outputs import hamlet_list

    ds = _load(args)
    settings = _settings(args)
    month = args.month or ds.latest_month()
    if month is None:
        print("Bảng tính chưa có phân công hay báo cáo nào để lập danh sách.", file=sys.stderr)
        return EXIT_PROBLEMS
    if args.hamlet and args.hamlet not in set(ds.hamlets["hamlet_id"]):
        known = ", ".join(ds.hamlets["hamlet_id"])
        print(f"Không có ấp mã «{args.hamlet}». Các mã ấp: {known}.", file=sys.stderr)
        return EXIT_PROBLEMS
    write = hamlet_list.to_docx if args.format == "docx" else hamlet_list.to_xlsx
    data = write(
        ds,
        month,
        hamlet=args.hamlet,
        committee=settings.issuing_body,
        months=args.months,
    )
    path = Path(
        args.output or hamlet_list.list_filename(month, hamlet=args.hamlet, ext=args.format)
    )
    path.write_bytes(data)
    print(f"Đã ghi danh sách vào {path}", file=sys.stderr)
    return EXIT_OK


def cmd_template(args) -> int:
    from tothu_core.sheet.template import write_template

    try:
        path = write_template(args.path)
    except TothuError as exc:
        print(exc, file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"Đã ghi bảng tính mẫu: {path}")
    return EXIT_OK


def cmd_backup(args) -> int:
    from tothu_core.backup import describe, write_backup
    from tothu_core.people.accounts import default_accounts_path
    from tothu_core.settings import load_settings, read_secrets_file

    settings = load_settings(secrets=read_secrets_file())
    try:
        result = write_backup(
            args.path, data_dir=settings.data_dir, accounts_file=default_accounts_path()
        )
    except TothuError as exc:
        print(exc, file=sys.stderr)
        return EXIT_PROBLEMS
    print("\n".join(describe(result)))
    return EXIT_OK


def cmd_remind(args) -> int:
    """E-mail the cadres whose reports for a month are missing; a dry run unless --send.

    Exit codes: 0 the dry run was printed, or every mail due was sent (or none was due);
    1 --send could not send them all (no [smtp], a refusal, the server unreachable);
    2 the configuration or the source cannot be used (as every command).
    """
    from tothu_core.clock import office_now
    from tothu_core.entry import reminder_messages as texts
    from tothu_core.entry.reminder_mail import plan_mails, send_mails
    from tothu_core.entry.reminders import JOB_ID, JOB_NAME, ReminderBook
    from tothu_core.figures import followup
    from tothu_core.people.accounts import default_accounts_path
    from tothu_core.people.configuration import check_configuration
    from tothu_core.settings import load_public_url, load_settings, load_smtp
    from tothu_core.sheet.snapshot import SnapshotStore
    from tothu_core.sheet.sources import resolve_source

    secrets, path = _secrets()
    check_configuration(
        spec=args.source, secrets=secrets, secrets_path=path, accounts_path=default_accounts_path()
    )
    source = resolve_source(args.source, secrets=secrets)
    settings = load_settings(secrets=secrets, demo=source.is_demo)
    store = SnapshotStore(source, ttl_seconds=3600)
    state = store.get()
    if state.snapshot is None:
        raise state.error
    ds = state.snapshot.dataset
    now = office_now()
    month = args.month or followup.month_due(now)
    month_label = month.strftime(contract.MONTH_FORMAT)
    deadline = followup.deadline_state(month, now=now, deadline_day=settings.deadline_day)
    missing = followup.missing_by_cadre(ds, month, deadline_day=settings.deadline_day)
    cards = texts.cards(missing)
    print(
        f"Tháng {month_label}, hạn nộp hết ngày {deadline.deadline_text} "
        f"({deadline.distance_text}): {len(cards)} cán bộ chưa nộp đủ báo cáo."
    )
    if not cards:
        return EXIT_OK
    public = load_public_url(secrets=secrets)
    if public.problem:
        print(public.problem, file=sys.stderr)
    book = ReminderBook.for_settings(store, settings)
    recorded = book.listing(ds, month=month)["reminder_id"].dropna()
    plan = plan_mails(
        cards,
        deadline,
        committee=settings.issuing_body,
        url=texts.form_url(public.url),
        at=now,
        by_id=JOB_ID,
        by_name=JOB_NAME,
        recorded_ids=recorded,
    )
    for card in plan.without_address:
        phone = card.phone.national or "chưa có số điện thoại"
        print(f"Không có email: {card.name} ({card.cadre_id}), {phone}: {card.groups_text}")
    for mail in plan.mails:
        if mail.already_sent:
            print(f"Đã gửi hôm nay, không gửi lại: {mail.card.name} <{mail.to}>")
    smtp, problem = load_smtp(secrets)
    if not args.send:
        for mail in plan.to_send:
            print(f"\n--- Sẽ gửi tới: {mail.card.name} <{mail.to}>\nTiêu đề: {mail.subject}")
            print(mail.body)
        print(
            f"\nChạy thử: {len(plan.to_send)} thư sẽ được gửi, chưa gửi thư nào. "
            "Thêm --send để gửi.",
            file=sys.stderr,
        )
        if problem:
            print(problem, file=sys.stderr)
        return EXIT_OK
    if smtp is None:
        print(problem, file=sys.stderr)
        return EXIT_PROBLEMS if plan.to_send else EXIT_OK
    outcomes = send_mails(plan, smtp, book=book, ds=ds)
    for outcome in outcomes:
        who = f"{outcome.mail.card.name} <{outcome.mail.to}>"
        print(f"Đã gửi: {who}" if outcome.sent else f"CHƯA GỬI ĐƯỢC: {who}: {outcome.error}")
    sent = sum(o.sent for o in outcomes)
    print(f"Đã gửi {sent}/{len(outcomes)} thư nhắc.", file=sys.stderr)
    return EXIT_OK if sent == len(outcomes) else EXIT_PROBLEMS


def cmd_sync(args) -> int:
    """Sync every commune of the registry into the province store (for a scheduled job).

    One line per commune as it finishes; exit codes: 0 every commune synced (or unchanged),
    1 some commune failed (its last good data is kept), 2 no registry, a broken
    configuration or store.
    """
    import os

    from tothu_core.province import sync
    from tothu_core.province.registry import load_registry, registry_location
    from tothu_core.province.store import open_store, store_setting
    from tothu_core.settings import load_settings

    secrets, _path = _secrets()
    where = Path(args.registry) if args.registry else None
    if where is None:
        where = registry_location(secrets=secrets, environ=os.environ)
    if where is None:
        print(
            "Chưa khai báo danh sách xã: hãy ghi --registry <tệp>, hoặc [province] registry "
            "trong secrets.toml, hoặc biến TOTHU_REGISTRY.",
            file=sys.stderr,
        )
        return EXIT_UNREADABLE
    registry = load_registry(where)
    for problem in registry.problems:
        print(f"Danh sách xã: {getattr(problem, 'message', problem)}", file=sys.stderr)
    if not registry.communes:
        print(f"Danh sách xã {where} chưa có xã nào để đồng bộ.", file=sys.stderr)
        return EXIT_UNREADABLE
    settings = load_settings(secrets=secrets)
    url, origin = store_setting(secrets=secrets, environ=os.environ)
    store = open_store(url, settings.data_dir, where=origin)
    shown: set[str] = set()

    def show(report) -> None:
        for line in report.communes:
            finished = line.state in (sync.DONE, sync.UNCHANGED, sync.FAILED)
            if finished and line.code not in shown:
                shown.add(line.code)
                print(line.line, flush=True)
            elif line.state == sync.WAITING and line.code in shown:
                shown.discard(line.code)  # tried again at the end of the run

    try:
        report = sync.sync_province(
            registry,
            store,
            secrets=secrets,
            environ=os.environ,
            force=args.force,
            requests_per_minute=sync.requests_per_minute(secrets),
            progress=show,
            deadline_day=settings.deadline_day,
        )
    finally:
        getattr(store, "close", lambda: None)()
    print(report.summary(), file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tothu_core",
        description="Theo dõi tổ nhân dân tự quản: kiểm tra và xuất dữ liệu từ bảng tính.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    source_help = "đường dẫn .xlsx/.ods, thư mục CSV, địa chỉ Google Sheet hoặc «demo»"

    demo = sub.add_parser("demo", help="ghi một tệp dữ liệu mẫu")
    demo.add_argument("path")
    demo.add_argument("--communes", type=int, default=1, help="số xã (mặc định 1)")
    demo.add_argument("--months", type=int, default=24, help="số tháng báo cáo (mặc định 24)")
    demo.add_argument("--seed", type=int, default=2016)
    demo.set_defaults(run=cmd_demo)

    check = sub.add_parser("check", help="liệt kê mọi lỗi và cảnh báo trong bảng tính")
    check.add_argument("--source", help=source_help)
    check.add_argument("--json", action="store_true", help="in danh sách dạng JSON")
    check.set_defaults(run=cmd_check)

    export = sub.add_parser("export", help="xuất một bảng ra CSV hoặc Excel")
    export.add_argument("table", choices=TABLES)
    export.add_argument("--source", help=source_help)
    export.add_argument(
        "--month", type=_month, help="MM/YYYY; mặc định tháng mới nhất có báo cáo (bảng tổng hợp)"
    )
    export.add_argument("--hamlet", help="mã ấp")
    export.add_argument("--cadre", help="mã cán bộ")
    export.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    export.add_argument("-o", "--output", help="tệp ghi ra; «-» để in ra màn hình")
    export.set_defaults(run=cmd_export)

    report = sub.add_parser(
        "report", help="viết báo cáo của Đảng ủy: tháng, quý, 6 tháng hoặc năm (Word, PDF)"
    )
    period = report.add_mutually_exclusive_group()
    period.add_argument("--month", type=_month, help="MM/YYYY; mặc định tháng mới nhất có báo cáo")
    period.add_argument("--quarter", help="quý: 4/2026 hoặc IV/2026")
    period.add_argument("--half", help="6 tháng: 1/2026 (đầu năm) hoặc 2/2026 (cuối năm)")
    period.add_argument("--year", help="năm: 2026")
    report.add_argument("--source", help=source_help)
    report.add_argument("--committee", help="tên cấp ủy, ví dụ «Đảng ủy xã Mỹ Thạnh»")
    report.add_argument("--number", help="số văn bản, ví dụ 12 (in «Số 12-BC/ĐU»)")
    report.add_argument("--signer", help="họ và tên người ký")
    report.add_argument("--date", type=_day, help="ngày ký DD/MM/YYYY; mặc định hôm nay")
    report.add_argument("-o", "--output", help="tệp .docx ghi ra")
    report.add_argument("--pdf", action="store_true", help="ghi thêm bản PDF (cần LibreOffice)")
    report.set_defaults(run=cmd_report)

    hamlets = sub.add_parser(
        "list", help="danh sách tổ, tổ trưởng, cán bộ phụ trách của ấp để in cho chi bộ"
    )
    hamlets.add_argument("--hamlet", help="mã ấp; mặc định mọi ấp (mỗi ấp một trang)")
    hamlets.add_argument(
        "--month", type=_month, help="MM/YYYY: tháng cuối; mặc định tháng mới nhất có báo cáo"
    )
    hamlets.add_argument("--months", type=int, default=3, help="số tháng kết quả (mặc định 3)")
    hamlets.add_argument("--format", choices=("xlsx", "docx"), default="xlsx")
    hamlets.add_argument("--source", help=source_help)
    hamlets.add_argument("-o", "--output", help="tệp ghi ra")
    hamlets.set_defaults(run=cmd_list)

    template = sub.add_parser("template", help="ghi bảng tính mẫu (.xlsx) để văn phòng bắt đầu")
    template.add_argument("path", help="tệp .xlsx, hoặc một thư mục")
    template.set_defaults(run=cmd_template)

    backup = sub.add_parser(
        "backup", help="sao lưu hàng chờ, khóa sổ tháng, tài khoản… vào một tệp .zip/.tar.gz"
    )
    backup.add_argument("path", help="tệp .zip hoặc .tar.gz, hoặc một thư mục (tự đặt tên)")
    backup.set_defaults(run=cmd_backup)

    remind = sub.add_parser(
        "remind", help="gửi thư nhắc cán bộ chưa nộp báo cáo (mặc định chỉ chạy thử)"
    )
    remind.add_argument("--month", type=_month, help="MM/YYYY; mặc định tháng vừa qua")
    remind.add_argument("--source", help=source_help)
    remind.add_argument("--send", action="store_true", help="gửi thật (cần mục [smtp])")
    remind.set_defaults(run=cmd_remind)

    province = sub.add_parser(
        "sync", help="đồng bộ bảng tính của từng xã trong danh sách xã vào kho tổng hợp của tỉnh"
    )
    province.add_argument(
        "--force", action="store_true", help="đọc lại mọi xã, kể cả bảng tính không đổi"
    )
    province.add_argument(
        "--registry", help="tệp danh sách xã (.csv/.xlsx); mặc định [province] registry"
    )
    province.set_defaults(run=cmd_sync)

    from tothu_core.people.accounts import add_account_parser

    add_account_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "run", None) or args.handler
    try:
        return run(args)
    except ConfigError as exc:
        # The sentence says which file (and line) to fix; a traceback would only hide it.
        print(exc, file=sys.stderr)
        return EXIT_UNREADABLE
    except TothuError as exc:
        print(f"Không đọc được nguồn dữ liệu: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
