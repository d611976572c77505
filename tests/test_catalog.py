"""The catalog: changes applied one at a time give exactly what a fresh claim pass
over the same files gives (winners of slugs and ids, order, problems, version sum)."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.errors import Problem, Severity
from feeds.library.catalog import BULK_FROM, Catalog, weight
from feeds.library.reading import Entry, FileState
from feeds.model import Post

EXAMPLES = int(os.environ.get("FEEDS_HYPOTHESIS_EXAMPLES", "400"))
PATHS = [f"p{i}.md" for i in range(8)]
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def state(path: str, slug: str, ident: str, day: int, draft: bool = False,  # noqa: PLR0917
          broken: bool = False, about: str | None = None) -> FileState:
    post = Post(path, slug, ident, f"title {slug}", T0 + timedelta(days=day), T0, (), (), "",
                "", f"https://example.org/posts/{slug}/", draft=draft)
    problems = (Problem(path, 1, Severity.ERROR, "half written"),) if broken else ()
    entry = Entry(post, "", f"{path}:{slug}:{ident}:{day}:{draft}", about)
    return FileState((1, day, 1), entry, problems)


def observed(catalog: Catalog) -> tuple[object, ...]:
    return (catalog.posts(), catalog.drafts(), catalog.problems(), catalog.total,
            catalog.page_about())


# Few slugs, ids and days: collisions and ties are common.
STATES = st.builds(state, st.just(""), st.sampled_from("abc"), st.sampled_from("xyz"),
                   st.integers(0, 3), st.booleans(), st.booleans(),
                   st.sampled_from([None, "About A", "About B"]))
CHANGES = st.dictionaries(st.sampled_from(PATHS), st.one_of(st.none(), STATES), max_size=3)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(CHANGES, min_size=1, max_size=12))
def test_changes_one_by_one_equal_a_fresh_pass(steps: list[dict[str, FileState | None]]
                                               ) -> None:
    catalog = Catalog()
    for step in steps:
        changes = {path: _at(path, found) for path, found in step.items()}
        catalog.apply(changes)
        assert observed(catalog) == observed(Catalog(catalog.files))


def _at(path: str, found: FileState | None) -> FileState | None:
    """A generated state moved to `path` (the strategy cannot know the path)."""
    if found is None or found.entry is None:
        return found
    entry = found.entry
    post = entry.post
    problems = tuple(Problem(path, p.line, p.severity, p.message) for p in found.problems)
    moved = Post(path, post.slug, post.id, post.title, post.date, post.updated, (), (), "", "",
                 post.url, draft=post.draft)
    return FileState(found.key, Entry(moved, "", path + entry.digest, entry.about), problems)


def test_the_older_post_keeps_its_slug_and_the_newer_gets_one_of_its_own() -> None:
    catalog = Catalog({"b.md": state("b.md", "same", "id-b", 1)})
    catalog.apply({"a.md": state("a.md", "same", "id-a", 2)})  # first by path, but newer
    assert [(p.path, p.slug) for p in catalog.posts()] == [
        ("a.md", "same-" + hashlib.sha256(b"a.md").hexdigest()[:6]), ("b.md", "same")]
    assert [(p.path, p.severity, "same slug as b.md" in p.message)
            for p in catalog.problems()] == [("a.md", Severity.WARNING, True)]
    assert len({p.url for p in catalog.posts()}) == 2
    catalog.apply({"b.md": None})  # the older goes: the other has its slug back
    assert [(p.path, p.slug) for p in catalog.posts()] == [("a.md", "same")]
    assert catalog.problems() == ()


def test_a_slug_of_its_own_is_the_same_on_every_load_and_renders_again() -> None:
    files = {path: state(path, "same", f"tag:x,2024:{path}", 1) for path in ("a.md", "b.md")}
    first, second = Catalog(files), Catalog(dict(reversed(files.items())))
    assert observed(first) == observed(second)
    moved = next(p for p in first.posts() if p.slug != "same")
    assert moved.path == "b.md" and moved.content_html is None  # its page is elsewhere


def test_a_derived_id_follows_the_slug_of_its_own_and_a_given_id_is_refused() -> None:
    catalog = Catalog({"a.md": state("a.md", "s", "tag:x,2024-01-01:s", 1),
                       "b.md": state("b.md", "s", "tag:x,2024-01-01:s", 1)})
    own = "s-" + hashlib.sha256(b"b.md").hexdigest()[:6]
    assert [(p.slug, p.id) for p in catalog.posts()] == [("s", "tag:x,2024-01-01:s"),
                                                         (own, f"tag:x,2024-01-01:{own}")]
    catalog = Catalog({"a.md": state("a.md", "s", "urn:x:1", 1),
                       "b.md": state("b.md", "s", "urn:x:1", 2)})
    assert [p.path for p in catalog.posts()] == ["a.md"]
    assert [(p.path, p.severity) for p in catalog.problems()] == [("b.md", Severity.ERROR)]


def test_a_refused_file_does_not_claim_its_other_key() -> None:
    catalog = Catalog({"a.md": state("a.md", "s", "i", 1), "b.md": state("b.md", "t", "i", 2),
                       "c.md": state("c.md", "u", "j", 3), "d.md": state("d.md", "t", "j", 4)})
    # b loses its id to a, so its slug is free for d, which loses its id to c
    assert [p.path for p in catalog.posts()] == ["c.md", "a.md"]
    catalog.apply({"a.md": state("a.md", "s", "k", 1)})  # now b wins its id and its slug
    assert [p.path for p in catalog.posts()] == ["c.md", "b.md", "a.md"]
    assert [p.path for p in catalog.problems()] == ["d.md"]


def test_the_sum_follows_the_published_posts_only() -> None:
    published = state("a.md", "a", "a", 1)
    catalog = Catalog({"a.md": published, "d.md": state("d.md", "d", "d", 2, draft=True)})
    assert published.entry is not None
    assert catalog.total == weight(published.entry)
    catalog.apply({"a.md": None})
    assert catalog.total == 0


def test_many_changes_at_once_rebuild_and_agree() -> None:
    files = {f"p{i:03d}.md": state(f"p{i:03d}.md", f"s{i}", f"i{i}", i % 7)
             for i in range(3 * BULK_FROM)}
    catalog = Catalog()
    catalog.apply(dict(files))
    assert observed(catalog) == observed(Catalog(files))
    assert [p.date for p in catalog.posts()] == sorted((p.date for p in catalog.posts()),
                                                       reverse=True)


def test_one_change_in_a_large_catalog_redoes_no_claim_pass(
        monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"p{i:04d}.md": state(f"p{i:04d}.md", f"s{i}", f"i{i}", i) for i in range(2000)}
    catalog = Catalog(files)

    def whole_pass() -> None:
        raise AssertionError("a whole claim pass for one uncontested change")

    monkeypatch.setattr(catalog, "_reclaim", whole_pass)
    catalog.apply({"new.md": state("new.md", "new", "new", 5000)})
    catalog.apply({"p0007.md": None})
    assert catalog.posts()[0].path == "new.md" and len(catalog.posts()) == 2000
