"""Media types of pictures and enclosures, from a fixed table.

Not the machine's /etc/mime.types: the same posts must give the same bytes on
every machine.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import urlsplit

MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$")
_TYPES = {
    ".aac": "audio/aac", ".flac": "audio/flac", ".m4a": "audio/mp4", ".mp3": "audio/mpeg",
    ".oga": "audio/ogg", ".ogg": "audio/ogg", ".opus": "audio/ogg", ".wav": "audio/wav",
    ".weba": "audio/webm", ".m4v": "video/mp4", ".mp4": "video/mp4", ".mov": "video/quicktime",
    ".ogv": "video/ogg", ".webm": "video/webm", ".avif": "image/avif", ".gif": "image/gif",
    ".jpeg": "image/jpeg", ".jpg": "image/jpeg", ".png": "image/png", ".svg": "image/svg+xml",
    ".webp": "image/webp", ".pdf": "application/pdf", ".epub": "application/epub+zip",
    ".zip": "application/zip", ".txt": "text/plain", ".csv": "text/csv",
    ".json": "application/json", ".xml": "application/xml", ".html": "text/html",
    ".htm": "text/html", ".css": "text/css", ".js": "text/javascript", ".ico": "image/x-icon",
}


def media_type(url_or_path: str) -> str | None:
    """The media type a file name's extension stands for, if we know it."""
    path = urlsplit(url_or_path).path
    return _TYPES.get(posixpath.splitext(path)[1].lower())
