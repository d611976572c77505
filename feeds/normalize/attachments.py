"""What a post carries besides its body: the lead picture and enclosures
(docs/reference.md §2.1)."""

from __future__ import annotations

from urllib.parse import urlsplit

from feeds.errors import quote
from feeds.model import Enclosure, Image
from feeds.normalize.body import Place, asset_path, file_url
from feeds.normalize.episode import duration
from feeds.normalize.media import MEDIA_TYPE, media_type
from feeds.normalize.work import Work


def post_image(work: Work, place: Place) -> Image | None:
    """The lead picture (`image`, `image_caption`), its URL made absolute."""
    path = work.text("image")
    caption = work.text("image_caption") or ""
    if path is None:
        if caption:
            work.warn("image_caption", "`image_caption` without an `image`")
        return None
    url = _file_url(work, "image", path, place)
    return Image(url, caption, media_type(url))


def _file_url(work: Work, key: str, value: str, place: Place) -> str:
    """An asset path or absolute URL from front matter, made absolute."""
    try:
        resolved = file_url(value, place)
    except ValueError:  # urlsplit refuses some hosts (`https://[`)
        resolved = None
    if resolved is None:
        raise work.fail(key, f"`{key}` {quote(value)} is neither a file under posts/ "
                        "nor an http(s) URL")
    return resolved


def post_enclosures(work: Work, place: Place) -> tuple[Enclosure, ...]:
    """`enclosures`: each with an absolute URL, a media type and a length."""
    value = work.get("enclosures")
    if value is None:
        return ()
    if not isinstance(value, list):
        raise work.fail("enclosures", "`enclosures` must be a list of {url, type, length}")
    return tuple(_enclosure(work, item, place) for item in value)


def _enclosure(work: Work, item: object, place: Place) -> Enclosure:
    if isinstance(item, str):
        item = {"url": item}
    if not isinstance(item, dict) or not isinstance(item.get("url"), str):
        raise work.fail("enclosures", f"enclosure {quote(item)} needs a `url`")
    url = _file_url(work, "enclosures", item["url"], place)
    local = asset_path(urlsplit(item["url"]).path, place)
    kind = item.get("type") or media_type(url)
    length = item.get("length", work.ctx.asset_size(local) if local else None)
    if not isinstance(kind, str) or not MEDIA_TYPE.match(kind):
        raise work.fail("enclosures", f"enclosure {quote(item['url'])} needs a `type` such as "
                        "audio/mpeg")
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise work.fail("enclosures", f"enclosure {quote(item['url'])} needs a `length` in bytes")
    try:
        seconds = duration(item.get("duration"), local, work.ctx.asset_seconds)
    except ValueError as exc:
        raise work.fail("enclosures", f"enclosure {quote(item['url'])}: {exc}") from exc
    return Enclosure(url, kind, length, seconds)
