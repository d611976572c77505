"""A split post file (`RawPost`) to a published `Post` record (docs/reference.md §2.1, §4).

Dates are read in `postdates`, the picture and enclosures in `attachments`, the summary in
`summaries`, and which fields are known (ours and other generators') in `fields`.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import replace
from datetime import datetime
from urllib.parse import quote as quote_url
from urllib.parse import urlsplit

from feeds import routes
from feeds.errors import FieldError, PostError, Problem, Severity, quote
from feeds.formats import of_post
from feeds.model import Author, Blog, Post
from feeds.normalize import addresses, fields, shortcodes, templates
from feeds.normalize.attachments import post_enclosures, post_image
from feeds.normalize.authors import parse_authors
from feeds.normalize.body import Place, render
from feeds.normalize.dates import local_date
from feeds.normalize.episode import make_episode
from feeds.normalize.fields import KNOWN_FIELDS
from feeds.normalize.links import link_keys
from feeds.normalize.postdates import post_date, post_updated
from feeds.normalize.slugs import slug_source
from feeds.normalize.summaries import summary_of
from feeds.normalize.text import clean_line, slugify, summarise
from feeds.normalize.textpage import TextPage, read_text_page
from feeds.normalize.work import Context, Work, yaml_hint
from feeds.sources.frontmatter import RawPost

__all__ = ["KNOWN_FIELDS", "Context", "blog_author", "normalize_post", "page_about", "with_body"]

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_HEADING = re.compile(r"^#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")  # CommonMark ATX heading
_BOOLEANS = {"true": True, "yes": True, "false": False, "no": False}
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


def normalize_post(raw: RawPost, ctx: Context, render: bool = True
                   ) -> tuple[Post, list[Problem]]:
    """The Post a file describes, with warnings; PostError if it cannot be published.

    Without `render`, the body is left for later (`with_body`): an index of many
    posts needs their fields, not their HTML.
    """
    work = fields.start(raw, ctx)
    try:
        return _normalize(work, render)
    except PostError as exc:
        raise PostError(exc.path, exc.line, exc.message, tuple(work.warnings)) from exc


def _normalize(work: Work, render: bool) -> tuple[Post, list[Problem]]:
    raw, ctx = work.raw, work.ctx
    fields.check_fields(work)
    body, heading, page = _title_and_body(raw, ctx)
    body = _expanded(work, body)
    title = _title(work, heading)
    date = post_date(work)
    slug = _slug(work, title)
    url = ctx.blog.url(routes.post_folder(slug))
    place = Place(posixpath.dirname(raw.path), url, ctx.blog.url("files/"), ctx.assets)
    content = _body(work, body, place) if render else None
    given = work.text("summary")
    enclosures = post_enclosures(work, place)
    post = Post(
        path=raw.path, slug=slug, id=_id(work, date, slug), title=title, date=date,
        updated=post_updated(work, date), authors=_authors(work, page), tags=_tags(work),
        summary=(summary_of(given, content, body, of_post(raw.path).body, place)
                 if content is not None else summarise(given or "")),
        content_html=content, url=url, link=_link(work),
        image=post_image(work, place), enclosures=enclosures,
        episode=make_episode(work, enclosures, place), draft=_draft(work),
        lang=_lang(work),
        extra=tuple((k, v) for k, v in raw.meta.items() if k not in KNOWN_FIELDS),
    )
    aliases = addresses.old_addresses(post, raw.meta, ctx.blog.permalink, ctx.dates.zone,
                                      work.warn)
    return replace(post, aliases=aliases, links=link_keys(body, place)), work.warnings


def page_about(raw: RawPost, ctx: Context) -> str | None:
    """The About text after the signature of a page saved as text (docs/reference.md
    §2.3), which describes a blog that has no description; None for other files."""
    if not of_post(raw.path).text_page or raw.front:
        return None
    return read_text_page(raw.body, ctx.blog.chrome).about


def with_body(raw: RawPost, ctx: Context, post: Post) -> tuple[Post, list[Problem]]:
    """`post` (normalised without its body) with its content and summary rendered, and
    the warnings rendering gave."""
    work = Work(raw, ctx)
    body, _, _ = _title_and_body(raw, ctx)
    body = _expanded(work, body, note=False)  # noted when the post was read
    place = Place(posixpath.dirname(raw.path), post.url, ctx.blog.url("files/"), ctx.assets)
    content = _body(work, body, place)
    summary = post.summary or summary_of(None, content, body, of_post(raw.path).body, place)
    return replace(post, content_html=content, summary=summary), work.warnings


def _expanded(work: Work, body: str, note: bool = True) -> str:
    """The body with other generators' template syntax expanded (`templates`,
    `shortcodes`), what could not be warned about at its line."""
    if of_post(work.raw.path).body == "text" or "{" not in body:
        return body
    expansion = templates.Expansion(body, work.raw.meta)
    templates.expand(expansion, work.raw.path)
    shortcodes.expand(expansion)
    above = work.raw.body_line + work.raw.body.count("\n") - body.count("\n")
    for line, message in expansion.notes() if note else ():
        work.warnings.append(Problem(work.raw.path, above + line - 1, Severity.WARNING,
                                     message))
    return expansion.result()


def _body(work: Work, body: str, place: Place) -> str:
    """The body rendered; what had to be cut from it is warned about, at its line in
    the file (the body starts at `body_line`, after the lines taken off its top)."""
    rendered = render(body, of_post(work.raw.path).body, place)
    above = work.raw.body_line + work.raw.body.count("\n") - body.count("\n")
    for line, message in rendered.notes:
        where = above + line - 1 if line is not None else None
        work.warnings.append(Problem(work.raw.path, where, Severity.WARNING, message))
    return rendered.html


def _title_and_body(raw: RawPost, ctx: Context) -> tuple[str, str | None, TextPage | None]:
    """The body, the title line when there is no `title`, and a saved page's parts.

    A text file with no front matter is a page saved as text (docs/reference.md §2.3).
    """
    if of_post(raw.path).text_page and not raw.front:
        page = read_text_page(raw.body, ctx.blog.chrome)
        return page.body, page.title, page
    return (*_split_heading(raw), None)


def _split_heading(raw: RawPost) -> tuple[str, str | None]:
    """The title line when there is no `title`: a Markdown body's leading `# heading`,
    a text body's first line. It is taken out of the body, so it is not shown twice."""
    lines = raw.body.lstrip("\n").split("\n")
    kind = of_post(raw.path)
    if "title" in raw.meta or not kind.heading_title:
        return raw.body, None
    match = _HEADING.match(lines[0]) if kind.body in ("markdown", "mdx") else None
    if kind.body == "text" and lines[0].strip():
        return "\n".join(lines[1:]), lines[0]
    if match is None:
        return raw.body, None
    return "\n".join(lines[1:]), match[1]


def _title(work: Work, heading: str | None) -> str:
    title = work.text("title")
    if title is None and heading is not None:
        title = clean_line(heading)
    if not title:
        raise work.fail("title", "no title: add a `title` field or start the body with "
                        "a `# heading`")
    return title


def _slug(work: Work, title: str) -> str:
    given = work.text("slug")
    source = given if given is not None else slug_source(work.raw, title)
    slug = slugify(source)
    if not slug:
        raise work.fail("slug", f"cannot make a URL name from {quote(source)}: add a `slug` field")
    return slug


def _id(work: Work, date: datetime, slug: str) -> str:
    given = work.text("id")
    if given is not None:
        if not _URI.match(given):
            raise work.fail("id", f"`id` {quote(given)} is not a URI (such as tag:example.org,"
                            "2024-01-01:name)")
        return given
    day = local_date(date, work.ctx.dates).isoformat()
    return f"tag:{work.ctx.blog.id_authority},{day}:{quote_url(slug)}"


def _authors(work: Work, page: TextPage | None) -> tuple[Author, ...]:
    key = "authors" if work.get("authors") is not None else "author"
    if key == "authors" and work.get("author") is not None:
        work.warn("author", "both `author` and `authors`: `author` is ignored")
    value = work.get(key) if page is None else page.authors
    if value is None:
        return work.ctx.blog.default_authors or (blog_author(work.ctx.blog),)
    try:
        return parse_authors(value, work.ctx.registry)
    except FieldError as exc:
        raise work.fail(key, f"`{key}`: {exc}") from exc


def blog_author(blog: Blog) -> Author:
    """Who a post is credited to when neither it nor the blog names an author."""
    return Author(slugify(blog.title) or "blog", blog.title, None, blog.base_url)


def _tags(work: Work) -> tuple[str, ...]:
    """`tags`, `categories` and other generators' tag fields (`fields.TAG_FIELDS`), each
    tag once, at most `max_tags` of them (each tag is a feed of its own and a line in
    every feed entry)."""
    found: dict[str, str] = {}
    for key in fields.TAG_FIELDS:
        for tag in _tag_list(work, key):
            found.setdefault(tag.casefold(), tag)
    limit = work.ctx.blog.max_tags
    if len(found) > limit:
        key = next(k for k in fields.TAG_FIELDS if work.get(k) is not None)
        work.warn(key, f"{len(found):,} tags: only the first {limit} are kept "
                  "(the blog's `max_tags`)")
    return tuple(found.values())[:limit]


def _tag_list(work: Work, key: str) -> list[str]:
    value = work.get(key)
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(_is_scalar_text(i) for i in items):
        raise work.fail(key, f"`{key}` must be a list or a comma-separated string, "
                        f"not {yaml_hint(value)}")
    tags = [clean_line(str(item)) for item in items]
    if any(t and not slugify(t) for t in tags):
        raise work.fail(key, f"`{key}`: every tag needs a letter or digit")
    return [t for t in tags if t]


def _is_scalar_text(item: object) -> bool:
    return isinstance(item, str) or (isinstance(item, int) and not isinstance(item, bool))


def _link(work: Work) -> str | None:
    link = work.text("link")
    if link is not None and _scheme(link) not in ("http", "https"):
        raise work.fail("link", f"`link` {quote(link)} is not an absolute http(s) URL")
    return link


def _scheme(url: str) -> str:
    try:
        return urlsplit(url).scheme
    except ValueError:  # such as `https://[`: urlsplit refuses an unclosed IPv6 host
        return ""


def _draft(work: Work) -> bool:
    value = work.get("draft")
    if isinstance(value, str) and value.strip().lower() in _BOOLEANS:  # a header line
        return _BOOLEANS[value.strip().lower()]
    if value is not None and not isinstance(value, bool):
        raise work.fail("draft", f"`draft` must be true or false, not {quote(value)}")
    return bool(value)


def _lang(work: Work) -> str | None:
    lang = work.text("lang")
    if lang is not None and not _LANGUAGE.match(lang):
        raise work.fail("lang", f"`lang` {quote(lang)} is not a BCP 47 language tag")
    return lang
