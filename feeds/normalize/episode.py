"""A post's episode (docs/reference.md §10): a post with an audio (or video)
enclosure is an episode of the blog's podcast, with its number, season, type,
explicit flag, transcripts and chapters.

A transcript or chapters file is named in front matter, or found beside the audio
file under the same name: `ep1.mp3` goes with `ep1.vtt` (or `ep1.srt`) and
`ep1.chapters.json`. A `.txt` or `.html` file in the posts folder is a post, so a
plain-text or HTML transcript is named by its URL.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from typing import Protocol
from urllib.parse import quote as quote_url
from urllib.parse import unquote

from feeds.errors import PostError, quote
from feeds.model import Attachment, Enclosure, Episode
from feeds.normalize.body import Place, file_url
from feeds.normalize.media import media_type

FIELDS = frozenset({"episode", "season", "episode_type", "explicit", "transcript",
                    "chapters"})
TRANSCRIPT_TYPES = {".vtt": "text/vtt", ".srt": "application/x-subrip",
                    ".txt": "text/plain", ".html": "text/html", ".json": "application/json"}
BESIDE = (".vtt", ".srt")  # transcripts found beside the audio (assets, not posts)
CHAPTERS_TYPE = "application/json+chapters"
CHAPTERS_SUFFIX = ".chapters.json"
EPISODE_TYPES = ("full", "trailer", "bonus")
# What Apple Podcasts plays (other apps play more: the episode is kept, with a warning).
APPLE_TYPES = frozenset({"audio/mpeg", "audio/mp4", "audio/x-m4a", "video/mp4", "video/x-m4v",
                         "video/quicktime"})
_BOOLEANS = {"true": True, "yes": True, "false": False, "no": False}
_CLOCK = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]\d(?:\.\d+)?)$")


class Fields(Protocol):
    """The post being read: its front matter and where to report."""

    def get(self, key: str) -> object: ...
    def fail(self, key: str | None, message: str) -> PostError: ...
    def warn(self, key: str | None, message: str) -> None: ...


def is_episode_file(enclosure: Enclosure) -> bool:
    """Whether an enclosure is what a podcast app plays."""
    return enclosure.type.startswith(("audio/", "video/"))


def whole_seconds(duration: float) -> int:
    """A playing time as the whole seconds Apple wants and JSON Feed shows (one at
    least: a file of half a second still plays)."""
    return max(1, int(duration + 0.5))  # half a second up, not to the even number


def duration(given: object, local: str | None,
             seconds_of: Callable[[str], float | None]) -> float | None:
    """An enclosure's playing time: what its header says when the file is ours, else
    the `duration` written (seconds or [H:]MM:SS); ValueError for a bad one."""
    found = seconds_of(local) if local else None
    if found is not None or given is None:
        return found
    if isinstance(given, int | float) and not isinstance(given, bool) and given > 0:
        return float(given)
    match = _CLOCK.match(given.strip()) if isinstance(given, str) else None
    if match is None:
        raise ValueError(f"`duration` {quote(given)} is not seconds or [H:]MM:SS")
    hours, minutes, rest = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(rest)


def make_episode(work: Fields, enclosures: tuple[Enclosure, ...], place: Place
                 ) -> Episode | None:
    """The post's episode, or None when it carries no audio (a warning if it has
    episode fields all the same)."""
    audio = next((e for e in enclosures if is_episode_file(e)), None)
    if audio is None:
        for key in sorted(FIELDS):
            if work.get(key) is not None:
                work.warn(key, f"`{key}` without an audio enclosure: the post is not an "
                          "episode")
        return None
    if audio.type not in APPLE_TYPES:
        work.warn("enclosures", f"the episode's audio is {audio.type}: Apple Podcasts plays "
                  "only MP3, M4A, MP4 and MOV (list one of those first)")
    own = own_file(audio.url, place)
    return Episode(
        number=_number(work, "episode"), season=_number(work, "season"),
        type=_episode_type(work), explicit=_explicit(work),
        transcripts=_transcripts(work, own, place), chapters=_chapters(work, own, place))


def own_file(url: str | None, place: Place) -> str | None:
    """The path under posts/ of a URL that names one of our assets; None for others."""
    if url is None or not url.startswith(place.files_url):
        return None
    return unquote(url.removeprefix(place.files_url))


def _number(work: Fields, key: str) -> int | None:
    value = work.get(key)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise work.fail(key, f"`{key}` must be a whole number of at least 1, not "
                        f"{quote(value)}")
    return value


def _episode_type(work: Fields) -> str:
    value = work.get("episode_type")
    if value is None:
        return "full"
    if not isinstance(value, str) or value.strip().lower() not in EPISODE_TYPES:
        raise work.fail("episode_type", f"`episode_type` must be one of "
                        f"{', '.join(EPISODE_TYPES)}, not {quote(value)}")
    return value.strip().lower()


def _explicit(work: Fields) -> bool | None:
    value = work.get("explicit")
    if isinstance(value, str) and value.strip().lower() in _BOOLEANS:
        return _BOOLEANS[value.strip().lower()]
    if value is not None and not isinstance(value, bool):
        raise work.fail("explicit", f"`explicit` must be true or false, not {quote(value)}")
    return value


def _named(work: Fields, key: str, place: Place) -> list[str]:
    value = work.get(key)
    items = [value] if isinstance(value, str) else value
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise work.fail(key, f"`{key}` must be a file under posts/ or an http(s) URL")
    urls = []
    for item in items:
        url = file_url(item, place)
        if url is None:
            raise work.fail(key, f"`{key}` {quote(item)} is neither a file under posts/ "
                            "nor an http(s) URL")
        urls.append(url)
    return urls


def _beside(own: str | None, suffixes: tuple[str, ...], place: Place) -> list[str]:
    """Assets named like the audio file (`ep1.mp3`: `ep1.vtt`...), in `suffixes` order."""
    if own is None:
        return []
    stem = posixpath.splitext(own)[0]
    return [place.files_url + quote_url(stem + s) for s in suffixes if stem + s in place.assets]


def _transcripts(work: Fields, own: str | None, place: Place) -> tuple[Attachment, ...]:
    urls = _named(work, "transcript", place) or _beside(own, BESIDE, place)
    found = []
    for url in urls:
        kind = TRANSCRIPT_TYPES.get(posixpath.splitext(url)[1].lower()) or media_type(url)
        if kind is None:
            raise work.fail("transcript", f"transcript {quote(url)} is not .vtt, .srt, .txt, "
                            ".html or .json")
        found.append(Attachment(url, kind))
    return tuple(found)


def _chapters(work: Fields, own: str | None, place: Place) -> Attachment | None:
    urls = _named(work, "chapters", place) or _beside(own, (CHAPTERS_SUFFIX,), place)
    if len(urls) > 1:
        raise work.fail("chapters", "`chapters` names one file")
    return Attachment(urls[0], CHAPTERS_TYPE) if urls else None
