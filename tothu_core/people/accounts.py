"""Local sign-in accounts for offices that have no Google accounts.

Only the link username -> Mã cán bộ and an argon2id hash live here; what a person may do comes
from their `Vai trò` in the spreadsheet. In province mode an account may instead name a
province role (`province_role`: every commune, or also the registry) or one commune
(`commune`, its Mã xã: that commune only); see `access.ProvinceViewer`. The file sits
outside the repository so that it is never committed, and every write replaces it whole so a
crash cannot leave half an account.

Guessing is bounded by *reserving* each attempt before the slow hash: under the file lock
(shared by every thread and every server process using the file) the attempt is counted as a
failure first, and the account locks as soon as the count reaches the limit; only then is the
password hashed, outside the lock. However many attempts arrive at once, at most
`max_attempts` of them ever get to compare a password with the account's hash; a right
password then clears the count. Every attempt, whoever it names, costs the same: one
transaction on the file and one argon2 verification (against a dummy hash when the name is
unknown or the account locked), and every refusal is the same sentence, so neither the
message nor the time tells which usernames exist or which are locked.
"""

from __future__ import annotations

import argparse
import errno
import getpass
import json
import logging
import os
import re
import sys
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from filelock import FileLock, Timeout

from tothu_core.errors import AccessDenied, ConfigError, SourceUnavailable, TothuError

logger = logging.getLogger(__name__)

ACCOUNTS_FILE_ENV = "TOTHU_ACCOUNTS_FILE"
MIN_PASSWORD_LENGTH = 8
_FILE_FORMAT = 1
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")
# Long enough for a slow disk, short enough that a stuck process is noticed by the clerk.
_LOCK_TIMEOUT_SECONDS = 10

# The one refusal for every failed sign-in (unknown name, wrong password, locked account):
# telling them apart would tell a guesser which usernames exist.
WRONG_CREDENTIALS = (
    "Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đang tạm khóa {minutes} phút vì "
    "nhập sai {attempts} lần. Đồng chí hãy kiểm tra lại; nếu vẫn không vào được, hãy nhờ người "
    "quản trị đặt lại mật khẩu."
)
BAD_USERNAME = (
    "Tên đăng nhập «{username}» không dùng được: chỉ gồm chữ không dấu, chữ số và các dấu "
    ". _ - @, bắt đầu bằng chữ hoặc số, tối đa 64 ký tự."
)
PASSWORD_TOO_SHORT = "Mật khẩu phải có ít nhất {minimum} ký tự."
MISSING_CADRE = (
    "Hãy ghi Mã cán bộ (ví dụ CB01), Mã xã (--commune) hoặc vai trò cấp tỉnh (--province) cho "
    "tài khoản mới «{username}»."
)
BAD_PROVINCE_ROLE = "Vai trò cấp tỉnh «{role}» không có; hãy dùng một trong: {roles}."
BOTH_PROVINCE_SCOPES = (
    "Tài khoản «{username}» chỉ xem được một xã (--commune) hoặc mọi xã (--province), không "
    "thể cả hai: hãy chọn một."
)
NO_CADRE_FOR_APP = (
    "Tài khoản «{username}» dùng cho trang tổng hợp toàn tỉnh, không gắn với Mã cán bộ nào nên "
    "không đăng nhập được ứng dụng của xã. Vui lòng nhờ người quản trị giao Mã cán bộ (lệnh "
    "«python -m tothu_core account reset {username} --cadre MÃ_CÁN_BỘ»)."
)
# The province roles an account may hold (keys; the names people read are in access).
PROVINCE_ROLES = ("province", "province_admin")
BROKEN_FILE = (
    "Tệp tài khoản {path} bị hỏng hoặc không phải tệp tài khoản ({detail}): hãy khôi phục bản "
    "sao lưu, hoặc xóa tệp rồi tạo lại tài khoản bằng lệnh «python -m tothu_core account add»."
)
UNREADABLE_FILE = (
    "Không đọc/ghi được tệp tài khoản {path} ({detail}): hãy kiểm tra đường dẫn (biến "
    "TOTHU_ACCOUNTS_FILE) và quyền truy cập của tệp và thư mục chứa nó."
)
FILE_BUSY = "Tệp tài khoản {path} đang được chương trình khác sử dụng; hãy thử lại sau ít phút."


class AccountError(TothuError, ValueError):
    """An account cannot be created or changed as asked (bad username, short password...)."""


@dataclass(frozen=True)
class AccountInfo:
    """What may be shown about an account: never its hash."""

    username: str
    cadre_id: str
    locked_until: datetime | None = None
    #: province mode: the one commune (Mã xã) this account sees, or None
    commune: str | None = None
    #: province mode: "province" (every commune) or "province_admin" (also the registry)
    province_role: str | None = None


@dataclass(frozen=True)
class _Slot:
    """One reserved attempt: the hash to compare with, and the account it was taken from."""

    password_hash: str
    cadre_id: str
    last: bool
    commune: str | None = None
    province_role: str | None = None


# One in-process lock per accounts file, taken before the file lock: threads of one server
# then queue on it at once instead of polling the file lock.
_PROCESS_LOCKS: dict[str, threading.Lock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


def _process_lock(path: Path) -> threading.Lock:
    with _PROCESS_LOCKS_GUARD:
        return _PROCESS_LOCKS.setdefault(str(path.resolve()), threading.Lock())


@dataclass
class _Account:
    cadre_id: str
    password_hash: str
    failed_attempts: int = 0
    locked_until: datetime | None = None
    commune: str | None = None
    province_role: str | None = None

    @classmethod
    def from_json(cls, record: dict) -> _Account:
        locked = record.get("locked_until")
        return cls(
            cadre_id=str(record["cadre_id"]),
            password_hash=str(record["password_hash"]),
            failed_attempts=int(record.get("failed_attempts", 0)),
            locked_until=datetime.fromisoformat(locked) if locked else None,
            commune=str(record["commune"]) if record.get("commune") else None,
            province_role=str(record["province_role"]) if record.get("province_role") else None,
        )

    def to_json(self) -> dict:
        record = {
            "cadre_id": self.cadre_id,
            "password_hash": self.password_hash,
            "failed_attempts": self.failed_attempts,
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
        }
        # Written only when set, so a commune's file stays exactly as before.
        for key in ("commune", "province_role"):
            if getattr(self, key):
                record[key] = getattr(self, key)
        return record


def default_accounts_path() -> Path:
    """`$TOTHU_ACCOUNTS_FILE`, else ~/.config/tothu/accounts.json (outside the repository)."""
    configured = os.environ.get(ACCOUNTS_FILE_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".config" / "tothu" / "accounts.json"


def _local_now() -> datetime:
    return datetime.now().astimezone()


def _os_reason(error: OSError) -> str:
    """The operating system's reason in Vietnamese, for the few a clerk can act on."""
    reasons = {
        errno.EACCES: "không có quyền đọc/ghi",
        errno.EPERM: "không có quyền đọc/ghi",
        errno.EISDIR: "đường dẫn này là một thư mục, không phải tệp",
        errno.ENOTDIR: "một phần của đường dẫn không phải thư mục",
        errno.ENOSPC: "ổ đĩa đã đầy",
        errno.EROFS: "ổ đĩa chỉ cho đọc",
    }
    return reasons.get(error.errno, error.strerror or type(error).__name__)


def _username_key(username: str) -> str | None:
    """Logins are case-insensitive; None when the name could never be a valid login."""
    key = unicodedata.normalize("NFC", str(username)).strip().casefold()
    return key if _USERNAME.fullmatch(key) else None


def _normalize_password(password: str) -> str:
    """The same Vietnamese password typed on two keyboards may arrive as NFC or NFD."""
    return unicodedata.normalize("NFC", password)


class AccountStore:
    """The accounts file: add/reset passwords, check a sign-in, lock out password guessing."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        max_attempts: int = 5,
        lockout: timedelta = timedelta(minutes=15),
        clock: Callable[[], datetime] = _local_now,
        hasher: PasswordHasher | None = None,
    ):
        self.path = Path(path) if path is not None else default_accounts_path()
        self.max_attempts = max_attempts
        self.lockout = lockout
        self._clock = clock
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None
        self._file_lock = FileLock(f"{self.path}.lock", timeout=_LOCK_TIMEOUT_SECONDS, mode=0o600)

    def set_password(
        self,
        username: str,
        password: str,
        *,
        cadre_id: str | None,
        commune: str | None = None,
        province_role: str | None = None,
    ) -> None:
        """Create the account or replace its password (which also unlocks it).

        `cadre_id=None` keeps the cadre of an existing account, and `commune` /
        `province_role` both None keep its province scope; the one given replaces it (an
        account sees one commune or every one, never keeps a wider role when narrowed). A
        new account needs at least one of the three.
        """
        key = self._require_username(username)
        password = _normalize_password(password)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(PASSWORD_TOO_SHORT.format(minimum=MIN_PASSWORD_LENGTH))
        if province_role is not None and province_role not in PROVINCE_ROLES:
            roles = ", ".join(PROVINCE_ROLES)
            raise AccountError(BAD_PROVINCE_ROLE.format(role=province_role, roles=roles))
        cadre = (cadre_id or "").strip()
        commune = (commune or "").strip() or None
        if commune and province_role:
            raise AccountError(BOTH_PROVINCE_SCOPES.format(username=key))
        # Hash before taking the file lock: it is the slow part and needs no shared state.
        password_hash = self._hasher.hash(password)
        with self._transaction() as accounts:
            existing = accounts.get(key)
            if existing is None and not (cadre or commune or province_role):
                raise AccountError(MISSING_CADRE.format(username=key))
            if existing is not None and not (commune or province_role):
                commune, province_role = existing.commune, existing.province_role
            accounts[key] = _Account(
                cadre_id=cadre or (existing.cadre_id if existing else ""),
                password_hash=password_hash,
                commune=commune,
                province_role=province_role,
            )

    @property
    def refusal(self) -> str:
        """The sentence of every failed sign-in."""
        minutes = max(1, round(self.lockout.total_seconds() / 60))
        return WRONG_CREDENTIALS.format(minutes=minutes, attempts=self.max_attempts)

    def verify(self, username: str, password: str) -> str:
        """The cadre id of a correct sign-in; AccessDenied (always `refusal`) otherwise.

        A province account without a cadre is refused in a sentence of its own (after the
        right password only), not left signed in as nobody.
        """
        info = self.sign_in(username, password)
        if not info.cadre_id:
            raise AccessDenied(NO_CADRE_FOR_APP.format(username=info.username))
        return info.cadre_id

    def sign_in(self, username: str, password: str) -> AccountInfo:
        """The account of a correct sign-in; AccessDenied (always `refusal`) otherwise.

        The attempt is reserved (counted) before the password is hashed; see the module doc.
        """
        password = _normalize_password(password)
        dummy_hash = self._get_dummy_hash()
        key = _username_key(username)
        slot = self._reserve(key)
        # Unknown and locked names cost one verification too, so timing reveals nothing.
        correct = self._password_matches(slot.password_hash if slot else dummy_hash, password)
        if slot is None or not correct:
            if slot is not None and slot.last:
                logger.warning("Account %r locked after %d failures.", key, self.max_attempts)
            raise AccessDenied(self.refusal)
        self._record_success(key, slot, password)
        return AccountInfo(
            username=key,
            cadre_id=slot.cadre_id,
            commune=slot.commune,
            province_role=slot.province_role,
        )

    def check(self) -> None:
        """ConfigError (one sentence naming the file) when the file exists but cannot be used."""
        if self.path.exists():
            self._read_accounts()

    def remove(self, username: str) -> bool:
        """Delete the account; False when there was none."""
        key = _username_key(username)
        if key is None or key not in self._read_accounts():
            return False
        with self._transaction() as accounts:
            return accounts.pop(key, None) is not None

    def get(self, username: str) -> AccountInfo | None:
        """The account's public details, or None."""
        key = _username_key(username)
        account = self._read_accounts().get(key) if key else None
        return None if account is None else _info(key, account)

    def list(self) -> list[AccountInfo]:
        """Every account by username, without hashes."""
        accounts = self._read_accounts()
        return [_info(key, accounts[key]) for key in sorted(accounts)]

    def _reserve(self, key: str | None) -> _Slot | None:
        """Count this attempt before its hash is checked; None when it may not be checked.

        Always one transaction, whoever it names (the file is rewritten unchanged for an
        unknown name), so that every attempt costs the same time.
        """
        if not self.path.exists():
            # No file, no account to find (and verifying must not create the file).
            return None
        with self._transaction() as accounts:
            account = accounts.get(key) if key else None
            if account is None:
                return None
            now = self._clock()
            if account.locked_until is not None:
                if now < account.locked_until:
                    return None
                # The lock-out is over: counting starts afresh.
                account.locked_until = None
                account.failed_attempts = 0
            if account.failed_attempts >= self.max_attempts:
                # Left over from a higher limit: lock now rather than check once more.
                account.locked_until = now + self.lockout
                return None
            account.failed_attempts += 1
            last = account.failed_attempts >= self.max_attempts
            if last:
                # Locked at once: attempts arriving while this one is hashed are refused.
                account.locked_until = now + self.lockout
            return _Slot(
                password_hash=account.password_hash,
                cadre_id=account.cadre_id,
                last=last,
                commune=account.commune,
                province_role=account.province_role,
            )

    def _record_success(self, key: str, slot: _Slot, password: str) -> str:
        """Clear the count (and the lock this attempt may have set); upgrade an old hash."""
        needs_rehash = self._hasher.check_needs_rehash(slot.password_hash)
        new_hash = self._hasher.hash(password) if needs_rehash else None
        with self._transaction() as accounts:
            current = accounts.get(key)
            # Skip the update if the password was reset meanwhile.
            if current is not None and current.password_hash == slot.password_hash:
                current.failed_attempts = 0
                current.locked_until = None
                current.password_hash = new_hash or current.password_hash
        return slot.cadre_id

    def _password_matches(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            # A damaged hash is treated like a wrong password: the clerk can only reset it.
            return False

    def _get_dummy_hash(self) -> str:
        """Made on the first sign-in attempt, whoever it is for, so no first call stands out."""
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash("not a password: equalises sign-in timing")
        return self._dummy_hash

    @staticmethod
    def _require_username(username: str) -> str:
        key = _username_key(username)
        if key is None:
            raise AccountError(BAD_USERNAME.format(username=str(username).strip()))
        return key

    def _read_accounts(self) -> dict[str, _Account]:
        try:
            text = self.path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise ConfigError(
                UNREADABLE_FILE.format(path=self.path, detail=_os_reason(error))
            ) from None
        except UnicodeDecodeError:
            raise ConfigError(
                BROKEN_FILE.format(path=self.path, detail="không phải UTF-8")
            ) from None
        if not text.strip() or text.strip() == "{}":
            # A file created empty (or as `{}`) by hand simply holds no account yet.
            return {}
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            detail = f"JSON viết sai ở dòng {error.lineno}"
            raise ConfigError(BROKEN_FILE.format(path=self.path, detail=detail)) from None
        try:
            if document.get("format") != _FILE_FORMAT:
                raise ValueError("format")
            return {key: _Account.from_json(record) for key, record in document["accounts"].items()}
        except KeyError as error:
            detail = f"thiếu trường «{error.args[0]}»"
            raise ConfigError(BROKEN_FILE.format(path=self.path, detail=detail)) from None
        except (ValueError, TypeError, AttributeError):
            detail = f'không có dòng «"format": {_FILE_FORMAT}» hoặc sai cấu trúc'
            raise ConfigError(BROKEN_FILE.format(path=self.path, detail=detail)) from None

    def _write_accounts(self, accounts: dict[str, _Account]) -> None:
        document = {
            "format": _FILE_FORMAT,
            "accounts": {key: accounts[key].to_json() for key in sorted(accounts)},
        }
        # mkstemp creates the file 0600; os.replace swaps it in whole or not at all.
        try:
            handle, temp_name = tempfile.mkstemp(prefix=".accounts-", dir=self.path.parent)
        except OSError as error:
            raise ConfigError(
                UNREADABLE_FILE.format(path=self.path, detail=_os_reason(error))
            ) from None
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as temp_file:
                json.dump(document, temp_file, ensure_ascii=False, indent=2)
                temp_file.flush()
                os.fsync(temp_file.fileno())
            os.chmod(temp_name, 0o600)
            os.replace(temp_name, self.path)
        except BaseException as error:
            Path(temp_name).unlink(missing_ok=True)
            if isinstance(error, OSError):
                detail = _os_reason(error)
                raise ConfigError(UNREADABLE_FILE.format(path=self.path, detail=detail)) from None
            raise

    @contextmanager
    def _transaction(self) -> Iterator[dict[str, _Account]]:
        """Read the accounts under the file lock, let the caller change them, write them back."""
        in_process = _process_lock(self.path)
        if not in_process.acquire(timeout=_LOCK_TIMEOUT_SECONDS):
            raise SourceUnavailable(FILE_BUSY.format(path=self.path))
        try:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                self._file_lock.acquire()
            except Timeout:
                raise SourceUnavailable(FILE_BUSY.format(path=self.path)) from None
            except OSError as error:
                raise ConfigError(
                    UNREADABLE_FILE.format(path=self.path, detail=_os_reason(error))
                ) from None
            try:
                accounts = self._read_accounts()
                yield accounts
                self._write_accounts(accounts)
            finally:
                self._file_lock.release()
        finally:
            in_process.release()


def _info(key: str, account: _Account) -> AccountInfo:
    return AccountInfo(
        username=key,
        cadre_id=account.cadre_id,
        locked_until=account.locked_until,
        commune=account.commune,
        province_role=account.province_role,
    )


# --- Command line: `python -m tothu_core account ...` -------------------------------------------

PASSWORD_PROMPT = "Mật khẩu mới: "
PASSWORD_AGAIN_PROMPT = "Nhập lại mật khẩu: "
PASSWORDS_DIFFER = "Hai lần nhập mật khẩu không giống nhau; chưa thay đổi gì. Hãy chạy lại lệnh."
NO_PASSWORD_ON_STDIN = "Không đọc được mật khẩu từ đầu vào chuẩn (stdin); chưa thay đổi gì."
ACCOUNT_EXISTS = "Đã có tài khoản «{username}». Muốn đổi mật khẩu thì dùng lệnh reset."
ACCOUNT_UNKNOWN = "Không có tài khoản «{username}». Dùng lệnh list để xem các tài khoản."
ACCOUNT_ADDED = "Đã tạo tài khoản «{username}» cho {owner}."
ACCOUNT_RESET = "Đã đặt mật khẩu mới cho tài khoản «{username}» ({owner}); tài khoản đã mở khóa."
PROVINCE_ROLE_WORDS = {"province": "cấp tỉnh, xem mọi xã", "province_admin": "quản trị cấp tỉnh"}


def account_owner(info: AccountInfo) -> str:
    """'cán bộ CB01', 'xã X001', 'cấp tỉnh, xem mọi xã': whom the account belongs to."""
    parts = []
    if info.province_role:
        parts.append(PROVINCE_ROLE_WORDS.get(info.province_role, info.province_role))
    if info.commune:
        parts.append(f"xã {info.commune}")
    if info.cadre_id:
        parts.append(f"cán bộ {info.cadre_id}")
    return ", ".join(parts)


ACCOUNT_REMOVED = "Đã xóa tài khoản «{username}»."
NO_ACCOUNTS = "Chưa có tài khoản nào trong {path}."
ACCOUNTS_HEADER = "Các tài khoản trong {path}:"
LOCKED_NOTE = " (đang tạm khóa đến {until})"


def add_account_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `account add|reset|remove|list` on the top-level CLI's subparsers."""
    parser = subparsers.add_parser(
        "account",
        help="quản lý tài khoản đăng nhập cục bộ",
        description="Quản lý tài khoản đăng nhập cục bộ (cho nơi không dùng tài khoản Google).",
    )
    _add_account_arguments(parser)
    parser.set_defaults(handler=run_account_command)
    return parser


def main_account(argv: Sequence[str] | None = None) -> int:
    """Entry point for the words after `account`, e.g. ["add", "lan", "--cadre", "CB01"]."""
    parser = argparse.ArgumentParser(
        prog="python -m tothu_core account",
        description="Quản lý tài khoản đăng nhập cục bộ.",
    )
    _add_account_arguments(parser)
    return run_account_command(parser.parse_args(argv))


def run_account_command(args: argparse.Namespace) -> int:
    """Carry out a parsed `account` command; 0 on success, 1 with a printed reason otherwise."""
    store = AccountStore(args.accounts_file)
    try:
        return _ACCOUNT_COMMANDS[args.account_command](store, args)
    except TothuError as error:
        print(error, file=sys.stderr)
        return 1


def _add_account_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--file",
        dest="accounts_file",
        metavar="TỆP",
        type=Path,
        default=None,
        help=f"tệp tài khoản (mặc định: ${ACCOUNTS_FILE_ENV} hoặc ~/.config/tothu/accounts.json)",
    )
    commands = parser.add_subparsers(dest="account_command", required=True, metavar="LỆNH")

    add = commands.add_parser("add", help="tạo tài khoản mới")
    add.add_argument("username", help="tên đăng nhập")
    add.add_argument("--cadre", default=None, help="Mã cán bộ của người dùng, ví dụ CB01")
    _add_province_options(add)
    _add_password_stdin_option(add)

    reset = commands.add_parser("reset", help="đặt mật khẩu mới và mở khóa")
    reset.add_argument("username", help="tên đăng nhập")
    reset.add_argument("--cadre", default=None, help="đổi sang Mã cán bộ khác (không bắt buộc)")
    _add_province_options(reset)
    _add_password_stdin_option(reset)

    remove = commands.add_parser("remove", help="xóa tài khoản")
    remove.add_argument("username", help="tên đăng nhập")

    commands.add_parser("list", help="liệt kê tài khoản (không hiện mật khẩu)")


def _add_province_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--commune",
        default=None,
        metavar="MÃ_XÃ",
        help=(
            "chế độ tỉnh: tài khoản của một xã (Mã xã trong danh sách xã), chỉ xem xã đó; "
            "thay cho vai trò cấp tỉnh nếu tài khoản đang có"
        ),
    )
    parser.add_argument(
        "--province",
        default=None,
        choices=PROVINCE_ROLES,
        help=(
            "chế độ tỉnh: province = xem mọi xã; province_admin = thêm quản lý danh sách xã; "
            "thay cho Mã xã nếu tài khoản đang có"
        ),
    )


def _add_password_stdin_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="đọc mật khẩu từ dòng đầu của stdin (dùng trong tập lệnh) thay vì hỏi",
    )


def _read_new_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise AccountError(NO_PASSWORD_ON_STDIN)
        return line.rstrip("\r\n")
    first = getpass.getpass(PASSWORD_PROMPT)
    if getpass.getpass(PASSWORD_AGAIN_PROMPT) != first:
        raise AccountError(PASSWORDS_DIFFER)
    return first


def _add_command(store: AccountStore, args: argparse.Namespace) -> int:
    if store.get(args.username) is not None:
        raise AccountError(ACCOUNT_EXISTS.format(username=args.username))
    store.set_password(
        args.username,
        _read_new_password(args),
        cadre_id=args.cadre,
        commune=args.commune,
        province_role=args.province,
    )
    info = store.get(args.username)
    print(ACCOUNT_ADDED.format(username=info.username, owner=account_owner(info)))
    return 0


def _reset_command(store: AccountStore, args: argparse.Namespace) -> int:
    if store.get(args.username) is None:
        raise AccountError(ACCOUNT_UNKNOWN.format(username=args.username))
    store.set_password(
        args.username,
        _read_new_password(args),
        cadre_id=args.cadre,
        commune=args.commune,
        province_role=args.province,
    )
    info = store.get(args.username)
    print(ACCOUNT_RESET.format(username=info.username, owner=account_owner(info)))
    return 0


def _remove_command(store: AccountStore, args: argparse.Namespace) -> int:
    if not store.remove(args.username):
        raise AccountError(ACCOUNT_UNKNOWN.format(username=args.username))
    print(ACCOUNT_REMOVED.format(username=args.username))
    return 0


def _list_command(store: AccountStore, args: argparse.Namespace) -> int:
    accounts = store.list()
    if not accounts:
        print(NO_ACCOUNTS.format(path=store.path))
        return 0
    print(ACCOUNTS_HEADER.format(path=store.path))
    now = _local_now()
    for info in accounts:
        note = ""
        if info.locked_until and info.locked_until > now:
            until = info.locked_until.astimezone(now.tzinfo).strftime("%H:%M %d/%m/%Y")
            note = LOCKED_NOTE.format(until=until)
        plain = not (info.commune or info.province_role)
        owner = info.cadre_id if plain else account_owner(info)
        print(f"  {info.username}\t{owner}{note}")
    return 0


_ACCOUNT_COMMANDS: dict[str, Callable[[AccountStore, argparse.Namespace], int]] = {
    "add": _add_command,
    "reset": _reset_command,
    "remove": _remove_command,
    "list": _list_command,
}
