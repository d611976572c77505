"""A rendered document: its bytes, type, validators and kind.

Apart from `feeds.render.site` so that what only sends documents (a warm restart's
front documents, `feeds.web.delivery`) needs none of the renderers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property


@dataclass(frozen=True)
class Document:
    """A rendered address: bytes, type, validators and how long caches keep it.

    `kind`: "feed", "page", "archive" (a full archive page: immutable) or "static".
    """

    body: bytes
    content_type: str
    last_modified: datetime | None
    kind: str

    @classmethod
    def of(cls, body: bytes, content_type: str, last_modified: datetime | None,
           kind: str) -> Document:
        """A document of these bytes."""
        return cls(body, content_type, last_modified, kind)

    @cached_property
    def etag(self) -> str:
        """The strong ETag, taken from the bytes when first asked for (an export never
        asks: hashing every page it writes cost as much as writing them)."""
        return hashlib.sha256(self.body).hexdigest()[:32]
