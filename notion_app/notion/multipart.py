"""A `multipart/form-data` body that reads its file as it is sent (File Upload's send).

`requests` builds a `files=` body whole in memory; a 20 MB part would then be held twice. This
body is a file-like object with a length, which `requests` streams with a Content-Length, so
only the piece being written is in memory. `rewind()` lets a request that Notion refused
before reading it (a 429) be sent again.
"""

from __future__ import annotations

import io
import secrets
from typing import Protocol


class Rewindable(Protocol):
    def read(self, size: int = -1) -> bytes: ...
    def seek(self, offset: int, whence: int = 0) -> int: ...


def _quoted(value: str) -> str:
    # What browsers (and urllib3) do to a name in Content-Disposition.
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n",
                                                                                      "%0A")


class MultipartFile:
    """Form fields, then one file field named `field` whose `size` bytes come from `stream`."""

    def __init__(self, field: str, filename: str, content_type: str, stream: Rewindable,
                 size: int, fields: dict[str, str] | None = None):
        boundary = secrets.token_hex(16)
        self.content_type = f"multipart/form-data; boundary={boundary}"
        head = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(k)}"'
                       f"\r\n\r\n{v}\r\n" for k, v in (fields or {}).items())
        head += (f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(field)}"; '
                 f'filename="{_quoted(filename)}"\r\nContent-Type: {content_type}\r\n\r\n')
        self._head = head.encode()
        self._tail = f"\r\n--{boundary}--\r\n".encode()
        self._stream, self._size = stream, size
        self.len = len(self._head) + size + len(self._tail)  # what requests' super_len reads
        self.rewind()

    def rewind(self) -> None:
        self._stream.seek(0)
        self._pieces = [io.BytesIO(self._head), self._stream, io.BytesIO(self._tail)]

    def read(self, size: int = -1) -> bytes:
        out = bytearray()
        while self._pieces and (size < 0 or len(out) < size):
            piece = self._pieces[0].read(-1 if size < 0 else size - len(out))
            if not piece:
                self._pieces.pop(0)
            out += piece
        return bytes(out)
