"""WordPress content as the site showed it: block comments out, the core shortcodes
([caption], [gallery], [audio], [video], [embed]) expanded, and paragraphs made
(wpautop) for posts written without `<p>`.

Only what the post's own export says is used: a gallery's pictures and an audio's
file come from the export's attachments, never fetched.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from feeds.importing.entries import Attachment

_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->[ \t]*\n?", re.DOTALL)
_SHORTCODE = re.compile(r"\[(caption|wp_caption|gallery|audio|video|embed)\b([^\]]*)\]"
                        r"(?:(.*?)\[/\1\])?", re.DOTALL | re.IGNORECASE)
_OTHER = re.compile(r"\[/([a-z][a-z0-9_-]*)\]", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")
_CAPTIONED = re.compile(r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$",
                        re.DOTALL | re.IGNORECASE)
_MEDIA_TYPES = {"mp3": "audio/mpeg", "m4a": "audio/mp4", "ogg": "audio/ogg",
                "wav": "audio/wav", "mp4": "video/mp4", "webm": "video/webm",
                "ogv": "video/ogg", "m4v": "video/mp4"}
_BLOCK_START = re.compile(r"^<(?:p|div|h[1-6]|ul|ol|li|dl|blockquote|pre|table|figure|hr|"
                          r"section|article|aside|header|footer|address|form|details)\b",
                          re.IGNORECASE)
_PARAGRAPH = re.compile(r"<p[\s>]", re.IGNORECASE)
_PRE = re.compile(r"<pre\b.*?</pre>", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class Media:
    """The export's attachments: id → (URL, title), and each post's attached ids."""

    files: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    children: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Content:
    """A post's HTML as WordPress shows it, the media its shortcodes carry, and notes."""

    html: str
    attachments: tuple[Attachment, ...]
    notes: tuple[str, ...]


def clean(text: str, post_id: str, media: Media) -> Content:
    """WordPress's stored content of post `post_id` as the HTML its pages show."""
    found: list[Attachment] = []
    notes: list[str] = []
    text = _BLOCK_COMMENT.sub("", text)
    text = _SHORTCODE.sub(lambda m: _expand(m, post_id, media, found, notes), text)
    for name in dict.fromkeys(m.group(1).lower() for m in _OTHER.finditer(text)):
        notes.append(f"shortcode [{name}] is not one of WordPress's own: left as text")
    if not _PARAGRAPH.search(text):
        text = autop(text)
    return Content(text.strip(), tuple(found), tuple(notes))


def _expand(match: re.Match[str], post_id: str, media: Media, found: list[Attachment],
            notes: list[str]) -> str:
    name, attributes = match.group(1).lower(), _attributes(match.group(2))
    inner = match.group(3) or ""
    if name in ("caption", "wp_caption"):
        return _caption(inner, attributes)
    if name == "gallery":
        return _gallery(attributes, post_id, media, notes)
    if name == "embed":
        url = inner.strip() or attributes.get("src", "")
        return f'<p><a href="{html.escape(url)}">{html.escape(url)}</a></p>'
    return _player(name, attributes, found, notes)


def _attributes(text: str) -> dict[str, str]:
    return {m.group(1).lower(): html.unescape(next(g for g in m.groups()[1:] if g is not None))
            for m in _ATTRIBUTE.finditer(text)}


def _caption(inner: str, attributes: Mapping[str, str]) -> str:
    """[caption]<img …> Words[/caption]: a figure; the words (or `caption=`) its caption."""
    match = _CAPTIONED.match(inner)
    picture, words = (match.group(1), match.group(2)) if match else (inner, "")
    words = attributes.get("caption", words).strip()
    caption = f"<figcaption>{words}</figcaption>" if words else ""
    return f"<figure>{picture.strip()}{caption}</figure>"


def _gallery(attributes: Mapping[str, str], post_id: str, media: Media,
             notes: list[str]) -> str:
    given = [i.strip() for i in attributes.get("ids", "").split(",") if i.strip()]
    ids = given or list(media.children.get(post_id, ()))
    missing = [i for i in ids if i not in media.files]
    if missing:
        notes.append(f"[gallery]: attachment {', '.join(missing)} is not in the export: left out")
    pictures = "".join(f'<img src="{html.escape(media.files[i][0])}" '
                       f'alt="{html.escape(media.files[i][1])}">' for i in ids if i in media.files)
    return f'<figure class="gallery">{pictures}</figure>' if pictures else ""


def _player(name: str, attributes: Mapping[str, str], found: list[Attachment],
            notes: list[str]) -> str:
    """[audio]/[video]: the file becomes an enclosure and a link (players are not
    kept: the sanitised HTML has no <audio>, and readers play enclosures)."""
    url = attributes.get("src") or next((attributes[k] for k in _MEDIA_TYPES if k in attributes),
                                        "")
    if not url:
        notes.append(f"[{name}] without a file: left out")
        return ""
    extension = url.rsplit(".", 1)[-1].split("?")[0].lower()
    kind = _MEDIA_TYPES.get(extension, f"{name}/mpeg" if name == "audio" else "video/mp4")
    found.append(Attachment(url, kind))
    return f'<p><a href="{html.escape(url)}">{html.escape(url.rsplit("/", 1)[-1])}</a></p>'


def autop(text: str) -> str:
    """WordPress's wpautop in short: blank lines part paragraphs, a single line break is
    `<br />`, block elements stand alone, and `<pre>` keeps its lines as they are."""
    kept: list[str] = []

    def _hold(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    chunks = re.split(r"\n[ \t]*\n", _PRE.sub(_hold, text.replace("\r\n", "\n")).strip())
    paragraphs = [_paragraph(c.strip()) for c in chunks if c.strip()]
    joined = "\n".join(paragraphs)
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], joined)


def _paragraph(chunk: str) -> str:
    if _BLOCK_START.match(chunk) or chunk.startswith("\x00"):
        return chunk
    return "<p>" + re.sub(r"\s*\n\s*", "<br />\n", chunk) + "</p>"
