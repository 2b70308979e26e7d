"""The ZIP container under .xlsx and .ods files, read and rewritten at the byte level.

Why not `zipfile`: a workbook must be checked before anything is inflated (a zip bomb
declares its sizes in the central directory, PKWARE APPNOTE 6.3.10 §4.3.12 and §4.3.16),
inflated with a hard limit on output whatever the headers claim, and rewritten so that
every part but the one that changes is copied as the very bytes it was (local header,
compressed data and data descriptor, §4.3.7-4.3.9), which `zipfile` cannot do.

Only what office programs write is accepted: one disk, no ZIP64 (Excel and LibreOffice
write ZIP64 only past 4 GiB, far beyond `MAX_FILE_BYTES`), parts stored (method 0) or
deflated (method 8, RFC 1951), none encrypted. Anything else is `ZipProblem`.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

# What we accept before reading a single part (see xlsx_package for why these numbers).
MAX_ENTRIES = 10_000
_EOCD = struct.Struct("<4sHHHHIIH")  # APPNOTE §4.3.16, 22 bytes
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")  # §4.3.12, 46 bytes
_LOCAL = struct.Struct("<4sHHHHHIIIHH")  # §4.3.7, 30 bytes
_EOCD_SIG, _CENTRAL_SIG, _LOCAL_SIG = b"PK\x05\x06", b"PK\x01\x02", b"PK\x03\x04"
_DESCRIPTOR_SIG = b"PK\x07\x08"
_ZIP64_LOCATOR_SIG = b"PK\x06\x07"
_FLAG_ENCRYPTED, _FLAG_DESCRIPTOR, _FLAG_UTF8 = 0x1, 0x8, 0x800
STORED, DEFLATED = 0, 8
_READ_CHUNK = 1 << 20


class ZipProblem(Exception):
    """The container is damaged or uses a feature office programs do not write.

    `kind` tells the caller which sentence to show: "damaged", "unsupported", "too_big".
    """

    def __init__(self, kind: str, detail: str, *, part: str | None = None):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.part = part


@dataclass
class ZipEntry:
    name: str
    flags: int
    method: int
    crc: int
    compress_size: int
    file_size: int
    header_offset: int
    central: bytes  # the central-directory record exactly as stored
    extra: bytes  # its extra field
    data_offset: int = 0
    end_offset: int = 0  # just past the data and its data descriptor, if any


@dataclass
class ZipArchive:
    entries: list[ZipEntry]
    central_offset: int
    comment: bytes
    by_name: dict[str, ZipEntry] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_name = {entry.name: entry for entry in self.entries}


def read_archive(handle: BinaryIO, size: int) -> ZipArchive:
    """The central directory, every entry located and checked against the file's bounds."""
    tail_size = min(size, _EOCD.size + 0xFFFF)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(_EOCD_SIG)
    if at < 0 or at + _EOCD.size > len(tail):
        raise ZipProblem("damaged", "không thấy mục lục của tệp nén")
    (_, disk, central_disk, _, total, central_size, central_offset, comment_size) = (
        _EOCD.unpack_from(tail, at)
    )
    eocd_offset = size - tail_size + at
    if tail[max(0, at - 20) : at].startswith(_ZIP64_LOCATOR_SIG) or total == 0xFFFF:
        raise ZipProblem("unsupported", "tệp nén dạng ZIP64")
    if disk or central_disk:
        raise ZipProblem("unsupported", "tệp nén chia nhiều phần")
    if total > MAX_ENTRIES:
        raise ZipProblem("too_big", f"tệp nén có {total} phần")
    if central_offset + central_size > eocd_offset:
        raise ZipProblem("damaged", "mục lục của tệp nén nằm ngoài tệp")
    handle.seek(central_offset)
    directory = handle.read(central_size)
    entries = []
    position = 0
    for _ in range(total):
        if directory[position : position + 4] != _CENTRAL_SIG:
            raise ZipProblem("damaged", "mục lục của tệp nén bị hỏng")
        fields = _CENTRAL.unpack_from(directory, position)
        (flags, method, crc, compress_size, file_size) = (fields[3], fields[4], *fields[7:10])
        name_size, extra_size, comment_len, offset = fields[10], fields[11], fields[12], fields[16]
        end = position + _CENTRAL.size + name_size + extra_size + comment_len
        raw_name = directory[position + _CENTRAL.size : position + _CENTRAL.size + name_size]
        extra_start = position + _CENTRAL.size + name_size
        name = raw_name.decode("utf-8" if flags & _FLAG_UTF8 else "cp437", "replace")
        entries.append(
            ZipEntry(
                name=name,
                flags=flags,
                method=method,
                crc=crc,
                compress_size=compress_size,
                file_size=file_size,
                header_offset=offset,
                central=directory[position:end],
                extra=directory[extra_start : extra_start + extra_size],
            )
        )
        position = end
    for entry in entries:
        _locate(handle, entry, central_offset)
    return ZipArchive(
        entries, central_offset, tail[at + _EOCD.size : at + _EOCD.size + comment_size]
    )


def _locate(handle: BinaryIO, entry: ZipEntry, central_offset: int) -> None:
    if 0xFFFFFFFF in (entry.compress_size, entry.file_size, entry.header_offset):
        raise ZipProblem("unsupported", "tệp nén dạng ZIP64", part=entry.name)
    handle.seek(entry.header_offset)
    header = handle.read(_LOCAL.size)
    if len(header) < _LOCAL.size or header[:4] != _LOCAL_SIG:
        raise ZipProblem("damaged", "một phần của tệp nén bị mất", part=entry.name)
    name_size, extra_size = _LOCAL.unpack(header)[9:11]
    entry.data_offset = entry.header_offset + _LOCAL.size + name_size + extra_size
    end = entry.data_offset + entry.compress_size
    if entry.flags & _FLAG_DESCRIPTOR:
        handle.seek(end)
        start = handle.read(4)
        end += 16 if start == _DESCRIPTOR_SIG else 12
    if end > central_offset:
        raise ZipProblem("damaged", "một phần của tệp nén bị cắt cụt", part=entry.name)
    entry.end_offset = end


def inflate(handle: BinaryIO, entry: ZipEntry, *, limit: int) -> Iterator[bytes]:
    """The part's bytes in chunks of at most 1 MiB, never more than `limit` in all.

    Output is bounded whatever the headers declare; a part longer or shorter than its
    declared size, or with a wrong CRC-32, is damaged (APPNOTE §4.4.7-4.4.9).
    """
    if entry.flags & _FLAG_ENCRYPTED:
        raise ZipProblem("unsupported", "phần được mã hóa", part=entry.name)
    if entry.method not in (STORED, DEFLATED):
        raise ZipProblem("unsupported", f"kiểu nén {entry.method}", part=entry.name)
    if entry.file_size > limit:
        raise ZipProblem("too_big", f"{entry.file_size} byte", part=entry.name)
    handle.seek(entry.data_offset)
    left = entry.compress_size
    produced = 0
    crc = 0
    inflater = zlib.decompressobj(-15) if entry.method == DEFLATED else None
    pending = b""
    while True:
        if not pending and left:
            pending = handle.read(min(left, _READ_CHUNK))
            if not pending:
                raise ZipProblem("damaged", "dữ liệu nén bị cắt cụt", part=entry.name)
            left -= len(pending)
        if inflater is None:
            out, pending = pending, b""
            done = not left
        else:
            try:
                out = inflater.decompress(pending, _READ_CHUNK)
            except zlib.error as error:
                raise ZipProblem(
                    "damaged", f"dữ liệu nén hỏng ({error})", part=entry.name
                ) from error
            pending = inflater.unconsumed_tail
            # Bytes after the end of the stream are ignored, as every unzip does.
            done = inflater.eof or not (out or pending or left)
        produced += len(out)
        if produced > entry.file_size:
            raise ZipProblem("damaged", "phần dài hơn kích thước khai báo", part=entry.name)
        crc = zlib.crc32(out, crc)
        if out:
            yield out
        if done:
            break
    if inflater is not None and not inflater.eof:
        raise ZipProblem("damaged", "dữ liệu nén bị cắt cụt", part=entry.name)
    if produced != entry.file_size or crc != entry.crc:
        raise ZipProblem("damaged", "phần không khớp mã kiểm tra", part=entry.name)


def read_part(handle: BinaryIO, entry: ZipEntry, *, limit: int) -> bytes:
    return b"".join(inflate(handle, entry, limit=limit))


def raw_data(handle: BinaryIO, entry: ZipEntry) -> bytes:
    """The part's compressed bytes as stored."""
    handle.seek(entry.data_offset)
    return handle.read(entry.compress_size)


@dataclass
class NewPart:
    """A part's new content, already compressed (raw deflate) by the caller."""

    crc: int
    compress_size: int
    file_size: int
    write: Callable[[BinaryIO], None]
    extra_id: int | None = None
    extra_data: bytes = b""


def write_archive(
    handle: BinaryIO, archive: ZipArchive, out: BinaryIO, replaced: dict[str, NewPart]
) -> None:
    """`archive` again into `out`, with the parts in `replaced` swapped for new content.

    Every other part is copied as its stored bytes (local header, data, descriptor), and
    its central-directory record is kept but for the offset it now starts at.
    """
    offsets: dict[str, int] = {}
    for entry in sorted(archive.entries, key=lambda e: e.header_offset):
        offsets[entry.name] = out.tell()
        new = replaced.get(entry.name)
        if new is None:
            _copy(handle, entry.header_offset, entry.end_offset, out)
            continue
        handle.seek(entry.header_offset)
        header = handle.read(_LOCAL.size)
        fields = list(_LOCAL.unpack(header))
        name = handle.read(fields[9])
        fields[2] = fields[2] & ~(_FLAG_DESCRIPTOR | _FLAG_ENCRYPTED)
        fields[3] = DEFLATED
        fields[6:9] = [new.crc, new.compress_size, new.file_size]
        fields[9:11] = [len(name), 0]
        out.write(_LOCAL.pack(*fields) + name)
        new.write(out)
    central_offset = out.tell()
    for entry in archive.entries:
        record = bytearray(entry.central)
        struct.pack_into("<I", record, 42, offsets[entry.name])
        new = replaced.get(entry.name)
        if new is not None:
            record = _replaced_record(record, entry, new)
        out.write(record)
    central_size = out.tell() - central_offset
    count = len(archive.entries)
    out.write(
        _EOCD.pack(
            _EOCD_SIG, 0, 0, count, count, central_size, central_offset, len(archive.comment)
        )
        + archive.comment
    )


def _replaced_record(record: bytearray, entry: ZipEntry, new: NewPart) -> bytearray:
    flags = struct.unpack_from("<H", record, 8)[0] & ~(_FLAG_DESCRIPTOR | _FLAG_ENCRYPTED)
    struct.pack_into("<HH", record, 8, flags, DEFLATED)
    struct.pack_into("<III", record, 16, new.crc, new.compress_size, new.file_size)
    name_size, extra_size = struct.unpack_from("<HH", record, 28)
    start = _CENTRAL.size + name_size
    extra = without_extra(bytes(record[start : start + extra_size]), new.extra_id)
    if new.extra_id is not None:
        extra += struct.pack("<HH", new.extra_id, len(new.extra_data)) + new.extra_data
    struct.pack_into("<H", record, 30, len(extra))
    return record[:start] + extra + record[start + extra_size :]


def extra_block(extra: bytes, header_id: int) -> bytes | None:
    """The data of one block of an extra field (APPNOTE §4.5.1), if present."""
    position = 0
    while position + 4 <= len(extra):
        block_id, size = struct.unpack_from("<HH", extra, position)
        if block_id == header_id:
            return extra[position + 4 : position + 4 + size]
        position += 4 + size
    return None


def without_extra(extra: bytes, header_id: int | None) -> bytes:
    if header_id is None:
        return extra
    kept, position = b"", 0
    while position + 4 <= len(extra):
        block_id, size = struct.unpack_from("<HH", extra, position)
        if block_id != header_id:
            kept += extra[position : position + 4 + size]
        position += 4 + size
    return kept


def _copy(handle: BinaryIO, start: int, end: int, out: BinaryIO) -> None:
    handle.seek(start)
    left = end - start
    while left:
        chunk = handle.read(min(left, _READ_CHUNK))
        if not chunk:
            raise ZipProblem("damaged", "tệp nén bị cắt cụt")
        out.write(chunk)
        left -= len(chunk)


# -- CRC-32 of a concatenation, from the CRCs of its pieces (zlib's crc32_combine) ----------


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, index = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[index]
        vector >>= 1
        index += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, row) for row in matrix]


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """CRC-32 of A+B from crc(A), crc(B) and len(B), as zlib's crc32_combine computes it."""
    if length2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]  # the operator for one zero bit
    even = _gf2_square(odd)  # two zero bits
    odd = _gf2_square(even)  # four zero bits
    while True:
        even = _gf2_square(odd)
        if length2 & 1:
            crc1 = _gf2_times(even, crc1)
        length2 >>= 1
        if not length2:
            break
        odd = _gf2_square(even)
        if length2 & 1:
            crc1 = _gf2_times(odd, crc1)
        length2 >>= 1
        if not length2:
            break
    return crc1 ^ crc2
