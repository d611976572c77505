"""A post's old addresses (docs/reference.md §6.5): the blog's permalink pattern
expanded for it, and its `permalink`, `url`, `aliases` and `redirect_from` fields.

Placeholders are those the generators document: Jekyll's (`:year`, `:title`,
`:categories`, … and the styles `date`, `pretty`, `ordinal`, `weekdate`, `none`),
Hugo's (`:monthname`, `:section`, `:filename`, `:slugorfilename`, …, where `:title`
is the title, not the file name) and Pelican's (`{slug}`, `{date:%Y}`,
`{category}`, `{author}`, `{lang}`). An address is a path under the base URL,
decoded, without its leading slash; `address_key` is what two spellings of one
address share (`x`, `x/`, `x.html`, `x/index.html`).
"""

from __future__ import annotations

import posixpath
import re
import string
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from urllib.parse import unquote, urlsplit

from feeds.model import Post
from feeds.normalize.text import slugify

FIELDS = frozenset({"permalink", "url", "aliases", "redirect_from", "path"})
JEKYLL_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
_PLACEHOLDER = re.compile(r":([a-z_]+)")
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}[-_ ]?")
_JEKYLL_CASED = re.compile(r"[^A-Za-z0-9._~!$&'()+,;=@]+")  # Jekyll's "pretty" slug mode
_LANGUAGE = re.compile(r"[a-z]{2}(?:-[A-Za-z]{2,4})?")
Warn = Callable[[str | None, str], None]


def old_addresses(post: Post, meta: Mapping[str, object],
                  patterns: tuple[tuple[str, str], ...], zone: tzinfo,
                  warn: Warn) -> tuple[str, ...]:
    """Every old address of `post`, each once: the patterns', then its own fields'."""
    found = [expand(style, pattern, post, meta, zone) for style, pattern in patterns]
    given = meta.get("permalink")
    if isinstance(given, str):
        found.append(expand("jekyll", given, post, meta, zone))
    found += [_literal(meta, "url", warn)]
    zola = isinstance(meta.get("path"), str)  # Zola's page address, without its slash
    found += [address("/" + str(meta["path"]).strip("/") + "/")] if zola else []
    # Zola takes aliases from the site's root; Hugo a relative one in the folder of the
    # page's own address (known, else its content folder's, which Hugo's default mirrors).
    known = next((a for a in reversed(found) if a), None)
    base = "" if zola else posixpath.dirname(known.rstrip("/")) if known else \
        _content_folder(post.path)
    for key in ("aliases", "redirect_from"):
        found += [_relative(item, base) for item in _list(meta, key, warn)]
    if given is not None and not isinstance(given, str):
        warn("permalink", "`permalink` must be a path such as /2019/05/survey/")
    return tuple(dict.fromkeys(a for a in found if a))


def _content_folder(path: str) -> str:
    """The section a Hugo page's default address lies in: its folder (a page bundle's
    parent), without Hugo's `content/` and a language's folder after it."""
    folder = posixpath.dirname(path)
    if posixpath.splitext(posixpath.basename(path))[0] == "index":
        folder = posixpath.dirname(folder)
    parts = folder.split("/")
    if parts[0] == "content":
        parts = parts[2:] if len(parts) > 1 and _LANGUAGE.fullmatch(parts[1]) else parts[1:]
    return "/".join(parts)


def _literal(meta: Mapping[str, object], key: str, warn: Warn) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    found = address(value)
    if found is None:
        warn(key, f"`{key}` is not a path of this blog such as /2019/05/survey/: ignored")
    return found


def _list(meta: Mapping[str, object], key: str, warn: Warn) -> list[str]:
    value = meta.get(key)
    items = [value] if isinstance(value, str) else value
    if value is None:
        return []
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        warn(key, f"`{key}` must be a path or a list of paths: ignored")
        return []
    bad = [item for item in items if address(item) is None and item.strip() not in ("", "/")]
    if bad:
        warn(key, f"`{key}`: {bad[0]!r} is not a path of this blog: ignored")
    return [str(item) for item in items]


def _relative(value: str, base: str) -> str | None:
    """An alias; without a leading slash, Hugo takes it in the page's own folder."""
    text = value.strip()
    if text.startswith("/") or "://" in text or not base:
        return address(text)
    return address("/" + base + "/" + text)


def address(value: object) -> str | None:
    """A path (or a URL: its path) as an address under the base URL; None when it is
    none (another scheme, `..`, control characters, the site's root)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    if parts.scheme not in ("", "http", "https") or (parts.scheme and not parts.netloc):
        return None
    path = unquote(parts.path)
    segments = path.split("/")
    if any(s in (".", "..") for s in segments) or not path.isprintable() or "\\" in path:
        return None
    joined = "/".join(s for s in segments if s) + ("/" if path.endswith("/") else "")
    return joined if joined.strip("/") else None


def address_key(path: str) -> str:
    """What every spelling of one address has in common: no slashes around it, no
    `index.html`, no `.html` (a static host serves `x.html` at `x` too)."""
    key = path.strip("/")
    for index in ("index.html", "index.htm"):
        if key == index or key.endswith("/" + index):
            key = key[:-len(index)].rstrip("/")
    for suffix in (".html", ".htm"):
        key = key.removesuffix(suffix)
    return key


def check_pattern(style: str, pattern: str) -> str | None:
    """Why a blog-wide pattern cannot be expanded (an unknown placeholder), or None."""
    fields = _HUGO if style == "hugo" else _JEKYLL
    if style == "pelican":
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(pattern) if name}
        except ValueError as exc:
            return str(exc)
        unknown = names - set(_PELICAN)
    else:
        unknown = set(_PLACEHOLDER.findall(JEKYLL_STYLES.get(pattern, pattern))) - set(fields)
    return f"unknown placeholder {sorted(unknown)[0]!r}" if unknown else None


def expand(style: str, pattern: str, post: Post, meta: Mapping[str, object],
           zone: tzinfo) -> str | None:
    """The address `pattern` gives `post` (None: a placeholder it cannot fill)."""
    facts = _Facts(post, meta, post.date.astimezone(zone))
    if style == "pelican":
        try:
            return address("/" + pattern.format(**{k: f(facts) for k, f in _PELICAN.items()}))
        except (KeyError, ValueError, IndexError, AttributeError):
            return None
    fields = _HUGO if style == "hugo" else _JEKYLL
    text = JEKYLL_STYLES.get(pattern, pattern) if style == "jekyll" else pattern
    try:
        filled = _PLACEHOLDER.sub(lambda m: str(fields[m[1]](facts)), text)
    except KeyError:
        return None
    return address(re.sub("/+", "/", "/" + filled))


class _Facts:
    """What placeholders are filled from."""

    def __init__(self, post: Post, meta: Mapping[str, object], local: datetime) -> None:
        self.post, self.meta, self.local = post, meta, local
        folder, name = posixpath.split(post.path)
        stem = posixpath.splitext(name)[0]
        # A page bundle (`name/index.md`) is named by its folder, as in Hugo and Zola.
        self.filename = posixpath.basename(folder) if stem in ("index", "_index") and folder \
            else stem
        self.folder = folder
        given = meta.get("slug")
        self.stem = given if isinstance(given, str) else _DATE_PREFIX.sub("", self.filename)

    def categories(self) -> list[str]:
        value = self.meta.get("categories")
        items = value.split() if isinstance(value, str) else value  # Jekyll: by spaces
        if value is None:
            single = self.meta.get("category")  # Pelican's one category
            items = [single] if isinstance(single, str) else single
        return [str(c) for c in items] if isinstance(items, list) else []

    def given_slug(self) -> str | None:
        value = self.meta.get("slug")
        return slugify(value) if isinstance(value, str) else None


def _d(fmt: str) -> Callable[[_Facts], str]:
    return lambda f: f.local.strftime(fmt)


_DATES: dict[str, Callable[[_Facts], object]] = {
    "year": _d("%Y"), "month": _d("%m"), "day": _d("%d"), "hour": _d("%H"),
    "minute": _d("%M"), "second": _d("%S"),
}
_JEKYLL: dict[str, Callable[[_Facts], object]] = {
    **_DATES, "i_month": lambda f: f.local.month, "i_day": lambda f: f.local.day,
    "short_year": _d("%y"), "y_day": _d("%j"), "short_month": _d("%b"),
    "long_month": _d("%B"), "short_day": _d("%a"), "long_day": _d("%A"),
    "w_year": lambda f: f.local.isocalendar()[0],
    "week": lambda f: f"{f.local.isocalendar()[1]:02d}",
    "w_day": lambda f: f.local.isocalendar()[2],
    "title": lambda f: _JEKYLL_CASED.sub("-", f.stem).strip("-"),
    "slug": lambda f: slugify(f.stem), "name": lambda f: f.filename,
    "categories": lambda f: "/".join(c.lower().replace(" ", "-") for c in f.categories()),
    "slugified_categories": lambda f: "/".join(slugify(c) for c in f.categories()),
    "output_ext": lambda f: ".html",
}
_HUGO: dict[str, Callable[[_Facts], object]] = {
    **_DATES, "monthname": lambda f: f.local.strftime("%B").lower(),
    "weekday": lambda f: f.local.isoweekday() % 7, "weekdayname": _d("%A"),
    "yearday": lambda f: f.local.timetuple().tm_yday,
    "section": lambda f: f.folder.split("/")[0], "sections": lambda f: f.folder,
    "title": lambda f: slugify(f.post.title),
    "slug": lambda f: f.given_slug() or slugify(f.post.title),
    "filename": lambda f: f.filename, "contentbasename": lambda f: f.filename,
    "slugorfilename": lambda f: f.given_slug() or f.filename,
    "slugorcontentbasename": lambda f: f.given_slug() or f.filename,
}
_PELICAN: dict[str, Callable[[_Facts], object]] = {
    "slug": lambda f: f.post.slug, "date": lambda f: f.local,
    "category": lambda f: slugify(next(iter(f.categories()), "misc")),
    "author": lambda f: slugify(f.post.authors[0].name) if f.post.authors else "",
    "lang": lambda f: f.post.lang or "en",
}
