"""What the headers of our own audio files and pictures say: a duration, a size in
pixels. Read from the opened asset (`files.open_asset`), never from a path, so the
folder rules (inside the posts folder, no hidden files) hold here too.

A file that the libraries cannot read gives None: a damaged or hostile asset must
never stop the blog, it only goes without the figure.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from feeds.sources.files import open_asset


def audio_seconds(root: Path, rel: str) -> float | None:
    """The playing time of an audio asset (MP3, M4A, Ogg Vorbis, Opus, WAV, FLAC...)
    in seconds, from its header; None when it is not one or cannot be read."""
    import mutagen  # noqa: PLC0415 - only a blog with audio pays for its import
    from mutagen.mp3 import MP3  # noqa: PLC0415

    handle = open_asset(root, rel)
    if handle is None:
        return None
    with handle:
        try:
            found = mutagen.File(handle)
            if found is None and rel.lower().endswith(".mp3"):
                # MP3 has no magic number: mutagen guesses from the name, which an open
                # file lacks, and knows MPEG 2.5 (8 kHz) frames only when told
                handle.seek(0)
                found = MP3(handle)  # type: ignore[no-untyped-call]
        except Exception:  # mutagen raises many kinds on a damaged file
            return None
    length = getattr(getattr(found, "info", None), "length", None)
    return float(length) if isinstance(length, int | float) and length > 0 else None


def image_pixels(root: Path, rel: str) -> tuple[int, int] | None:
    """Width and height of a picture asset from its header (nothing is decoded);
    None when it is not a picture Pillow knows or cannot be read."""
    from PIL import Image  # noqa: PLC0415 - only a blog with pictures pays for its import

    handle = open_asset(root, rel)
    if handle is None:
        return None
    with handle, warnings.catch_warnings():
        # a huge picture only needs its size here, never its pixels
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(handle) as picture:
                width, height = picture.size
        except Exception:  # Pillow raises many kinds on a damaged file
            return None
    return int(width), int(height)
