"""A file written for one download, from a temporary file on disk rather than memory."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import IO

from django.http import FileResponse


def written_download(write: Callable[[IO[bytes]], str], *, content_type: str) -> FileResponse:
    """Call ``write`` with an empty temporary file; it fills the file and returns the name
    the download is saved under. On disk, since a 100,000-row register is tens of
    megabytes; the response closes (and so deletes) the file once sent, and a ``write``
    that raises closes it at once."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the response or the except closes it
    try:
        filename = write(out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return FileResponse(out, content_type=content_type, as_attachment=True, filename=filename)
