"""Podcasts (docs/reference.md §10): the sample blog's podcast read through the real
`feeds build` and `feeds serve` by gPodder's parser, feedparser, lxml and, where it is
installed, gPodder's own command-line client."""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import subprocess
import sys
import uuid
import wave
from pathlib import Path

import feedparser
import podcastparser
import pytest
from conftest import ROOT, SAMPLE, copy_sample, post, write_posts
from lxml import etree
from PIL import Image

from feeds.library import Library, Options
from feeds.normalize.podcast import GUID_NAMESPACE, podcast_guid
from feeds.render.site import Site
from feeds.sources import probe

BASE = "http://127.0.0.1:8000/"
AUDIO = ROOT / "tests" / "data" / "audio"
NS = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
      "podcast": "https://podcastindex.org/namespace/1.0",
      "atom": "http://www.w3.org/2005/Atom"}
# The sample's episodes, newest first: title, audio file, whole seconds of its header.
SAMPLE_EPISODES = [
    ("Harbour Light Radio 2: Lifting Day", "audio/harbour-radio-2.mp3", 8),
    ("Harbour Light Radio 1: The Morning Report", "audio/harbour-radio-1.mp3", 10),
    ("Harbour Light Radio Is Coming", "audio/harbour-radio-trailer.mp3", 8),
    ("The Gale Warning, Now in Sound", "audio/gale-warning.mp3", 3),
]
PODCAST_BLOG = """---
title: Test Cast
link: https://cast.example.org/
author: ann
authors:
  ann: {name: Ann Example, email: ann@example.org}
podcast:
  owner: {name: Ann Example, email: ann@example.org}
  image: cover.png
  categories: [Technology, {Science: [Physics, Alchemy]}, Knitting]
  explicit: true
  type: serial
  locked: false
  funding: [{url: "https://cast.example.org/give", text: Give}]
  language: nb
---
A test podcast.
"""


def build(posts: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "feeds", "build", "--posts", str(posts),
                           "--base-url", BASE, str(out)], capture_output=True, text=True,
                          timeout=120, check=True)


def check(posts: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "feeds", "check", "--posts", str(posts)],
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("podcast")
    build(copy_sample(tmp / "posts"), tmp / "out")
    return tmp / "out"


def tone(seconds: float, rate: int = 8000) -> bytes:
    """A silent mono WAV file of `seconds` (8-bit, so a few KB)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(rate)
        out.writeframes(b"\x80" * int(seconds * rate))
    return buffer.getvalue()


def png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("P", size).save(buffer, "PNG")
    return buffer.getvalue()


def parsed(out: Path, name: str) -> dict:  # type: ignore[type-arg]
    with (out / name).open("rb") as handle:
        result: dict = podcastparser.parse(BASE + name, handle)  # type: ignore[type-arg]
        return result


def test_podcastparser_reads_every_sample_episode_and_nothing_else(sample_out: Path) -> None:
    podcast = parsed(sample_out, "podcast/rss.xml")
    episodes = [(e["title"], [x["url"] for x in e["enclosures"]], e["total_time"])
                for e in podcast["episodes"]]
    assert episodes == [(title, [BASE + "files/" + audio], seconds)
                        for title, audio, seconds in SAMPLE_EPISODES]
    for episode, (_, audio, _) in zip(podcast["episodes"], SAMPLE_EPISODES, strict=True):
        (enclosure,) = episode["enclosures"]
        assert enclosure["file_size"] == (SAMPLE / audio).stat().st_size
        assert enclosure["mime_type"] == "audio/mpeg"
    assert podcast["itunes_categories"] == [["Science", "Earth Sciences"],
                                            ["Leisure", "Hobbies"]]
    assert (podcast["explicit"], podcast["type"]) == (False, "episodic")
    assert podcast["cover_url"] == BASE + "files/images/podcast-cover.png"


def test_the_lead_picture_is_never_an_episode(sample_out: Path) -> None:
    """The blog's main feed holds posts with a lead picture (the anemometer): gPodder's
    parser offers only audio as an episode's file."""
    podcast = parsed(sample_out, "rss.xml")
    offered = {x["url"] for e in podcast["episodes"] for x in e["enclosures"]}
    assert offered == {BASE + "files/" + audio for _, audio, _ in SAMPLE_EPISODES}
    assert b"anemometer.png" in (sample_out / "rss.xml").read_bytes()


def test_feedparser_reads_the_itunes_and_podcasting_fields(sample_out: Path) -> None:
    found = feedparser.parse((sample_out / "podcast" / "rss.xml").read_bytes())
    assert found.bozo == 0
    assert found.feed.publisher_detail == {"name": "Ingrid Solberg",
                                           "email": "ingrid@harbourlight.example.org"}
    assert found.feed.image.href == BASE + "files/images/podcast-cover.png"
    assert found.feed.itunes_type == "episodic"
    assert found.feed.podcast_guid == podcast_guid(BASE + "podcast/rss.xml")
    first = found.entries[1]
    assert (first.itunes_duration, first.itunes_episode, first.itunes_season,
            first.itunes_episodetype) == ("10", "1", "1", "full")
    assert first.podcast_transcript == {"url": BASE + "files/audio/harbour-radio-1.vtt",
                                        "type": "text/vtt"}
    assert first.podcast_chapters == {
        "url": BASE + "files/audio/harbour-radio-1.chapters.json",
        "type": "application/json+chapters"}
    assert found.entries[2].itunes_episodetype == "trailer"
    assert "itunes_episode" not in found.entries[2]


def test_atom_and_json_feed_carry_the_audio_with_its_duration(sample_out: Path) -> None:
    atom = etree.parse(str(sample_out / "podcast" / "atom.xml"))
    entries = atom.findall("atom:entry", NS)
    assert [e.findtext("itunes:duration", namespaces=NS) for e in entries] == \
        [str(s) for _, _, s in SAMPLE_EPISODES]
    assert [e.find("atom:link[@rel='enclosure']", NS).get("href") for e in entries] == \
        [BASE + "files/" + a for _, a, _ in SAMPLE_EPISODES]
    items = json.loads((sample_out / "podcast" / "feed.json").read_bytes())["items"]
    assert [(i["attachments"][0]["url"], i["attachments"][0]["duration_in_seconds"])
            for i in items] == [(BASE + "files/" + a, s) for _, a, s in SAMPLE_EPISODES]


def test_the_podcast_guid_is_the_namespace_uuid_of_the_bare_feed_url() -> None:
    # The Podcasting 2.0 namespace's own example.
    assert podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml") == \
        "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    assert podcast_guid("http://example.org/podcast/rss.xml/") == \
        str(uuid.uuid5(GUID_NAMESPACE, "example.org/podcast/rss.xml"))


@pytest.mark.parametrize("name", ["tone.mp3", "tone.m4a", "tone.ogg", "tone.opus", "tone.wav"])
def test_durations_come_from_each_audio_formats_header(name: str) -> None:
    seconds = probe.audio_seconds(AUDIO, name)
    assert seconds is not None
    assert 2.4 < seconds < 2.8  # 2.5 s of tone, plus the encoder's padding in MP3 and M4A


def test_a_damaged_or_missing_file_has_no_duration(tmp_path: Path) -> None:
    (tmp_path / "broken.mp3").write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x10" + b"\xff" * 20)
    (tmp_path / "text.ogg").write_bytes(b"not audio at all")
    assert [probe.audio_seconds(tmp_path, n) for n in ("broken.mp3", "text.ogg", "gone.mp3",
                                                      "../etc/passwd")] == [None] * 4


def podcast_site(posts: Path) -> Site:
    return Site(Library(Options(posts, BASE)).snapshot())


def rss(site: Site) -> etree._Element:
    return etree.fromstring(site.document("podcast/rss.xml").body)


def test_a_generated_podcast_has_every_channel_and_episode_tag(tmp_path: Path) -> None:
    posts = write_posts(tmp_path / "posts", {
        "cover.png": png((1400, 1400)),
        "audio/one.wav": tone(4.2),
        "audio/one.srt": "1\n00:00:00,000 --> 00:00:04,000\nHello.\n",
        "audio/two.mp3": (AUDIO / "tone.mp3").read_bytes(),
        "notes/two-chapters.json": '{"version": "1.2.0", "chapters": []}',
        "one.md": post("One", "2024-01-01", extra="enclosures: [audio/one.wav]\n"
                       "episode: 1\nseason: 2\nexplicit: false\n"),
        "two.md": post("Two", "2024-02-01", extra="enclosures: [audio/two.mp3]\n"
                       "episode_type: bonus\nchapters: notes/two-chapters.json\n"
                       "transcript: https://cast.example.org/two.html\n"),
        "plain.md": post("Plain", "2024-03-01"),
    }, blog=PODCAST_BLOG)
    channel = rss(podcast_site(posts)).find("channel")
    tags = {(e.prefix, etree.QName(e).localname): e for e in channel}
    assert channel.findtext("language") == "nb"
    assert tags["itunes", "image"].get("href") == BASE + "files/cover.png"
    assert [(c.get("text"), [s.get("text") for s in c]) for c in
            channel.findall("itunes:category", NS)] == [("Technology", []),
                                                        ("Science", ["Physics"])]
    assert (tags["itunes", "explicit"].text, tags["itunes", "type"].text) == ("true", "serial")
    assert tags["podcast", "locked"].text == "no"
    assert tags["podcast", "locked"].get("owner") == "ann@example.org"
    assert tags["podcast", "funding"].get("url") == "https://cast.example.org/give"
    assert tags["podcast", "guid"].text == podcast_guid(BASE + "podcast/rss.xml")
    two, one = channel.findall("item")
    assert [i.findtext("title") for i in (two, one)] == ["Two", "One"]  # no "Plain"
    assert [one.findtext(f"itunes:{n}", namespaces=NS) for n in
            ("duration", "episode", "season", "episodeType", "explicit")] == \
        ["4", "1", "2", "full", "false"]
    assert one.find("podcast:transcript", NS).attrib == {
        "url": BASE + "files/audio/one.srt", "type": "application/x-subrip"}
    assert [two.findtext(f"itunes:{n}", namespaces=NS) for n in
            ("duration", "episodeType", "explicit")] == ["3", "bonus", "true"]
    assert two.find("podcast:chapters", NS).get("url") == \
        BASE + "files/notes/two-chapters.json"
    assert two.find("podcast:transcript", NS).attrib == {
        "url": "https://cast.example.org/two.html", "type": "text/html"}
    assert two.find("enclosure").get("length") == str((AUDIO / "tone.mp3").stat().st_size)


def test_explicit_is_written_as_apple_now_spells_it(tmp_path: Path) -> None:
    """`true`/`false`, as Apple's spec and the W3C validator want; podcastparser reads
    it, feedparser 6.0 knows only the old `yes`/`clean` (README "Compatibility")."""
    posts = write_posts(tmp_path / "posts", {
        "cover.png": png((1400, 1400)), "a.wav": tone(1),
        "a.md": post("A", extra="enclosures: [a.wav]\n")}, blog=PODCAST_BLOG)
    body = podcast_site(posts).document("podcast/rss.xml").body
    podcast = podcastparser.parse(BASE + "podcast/rss.xml", io.BytesIO(body))
    assert podcast["explicit"] is True and podcast["episodes"][0]["explicit"] is True
    assert feedparser.parse(body).entries[0].itunes_explicit is None


def test_unknown_categories_and_a_small_cover_are_warned_about(tmp_path: Path) -> None:
    posts = write_posts(tmp_path / "posts", {
        "cover.png": png((600, 400)), "a.wav": tone(1),
        "a.md": post("A", extra="enclosures: [a.wav]\n")}, blog=PODCAST_BLOG)
    result = check(posts)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout + result.stderr
    assert "'Science > Alchemy' is not on Apple's list" in out
    assert "'Knitting' is not on Apple's list" in out
    assert "cover.png" in out and "600x400 pixels" in out
    assert "audio/wav: Apple Podcasts plays only MP3, M4A" in out


def test_a_declared_podcast_without_what_apple_requires_is_warned_about(
        tmp_path: Path) -> None:
    posts = write_posts(tmp_path / "posts", {"a.mp3": (AUDIO / "tone.mp3").read_bytes(),
                                             "a.md": post("A", extra="enclosures: [a.mp3]\n")},
                        blog="---\ntitle: T\npodcast: {explicit: false, colour: blue}\n---\nA.\n")
    out = check(posts).stdout
    for what in ("image", "categories", "owner email"):
        assert f"the podcast has no {what}: Apple Podcasts requires one" in out
    assert "unknown `podcast` field `colour`" in out


@pytest.mark.parametrize(("setting", "message"), [
    ("podcast: {explicit: maybe}", "`explicit` must be true or false"),
    ("podcast: {type: weekly}", "`type` must be one of episodic, serial"),
    ("podcast: {owner: {email: nobody}}", "is not an email address"),
    ("podcast: {funding: [{url: nowhere}]}", "`funding` url"),
    ("podcast: yes", "must be a mapping"),
    ("podcast_limit: none", "must be a whole number"),
])
def test_bad_podcast_settings_stop_with_the_settings_name(
        tmp_path: Path, setting: str, message: str) -> None:
    posts = write_posts(tmp_path / "posts", {"a.md": post("A")},
                        blog=f"---\ntitle: T\n{setting}\n---\nAbout.\n")
    result = check(posts)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


def test_bad_episode_fields_name_the_file_and_line(tmp_path: Path) -> None:
    posts = write_posts(tmp_path / "posts", {
        "a.wav": tone(1), "b.wav": tone(1),
        "a.md": post("A", extra="enclosures: [a.wav]\nepisode: zero\n"),
        "b.md": post("B", extra="enclosures: [b.wav]\nepisode_type: pilot\n"),
        "c.md": post("C", extra="season: 2\n"),
    })
    out = check(posts).stdout
    assert "a.md:5" in out and "`episode` must be a whole number" in out
    assert "b.md:5" in out and "`episode_type` must be one of full, trailer, bonus" in out
    assert "c.md:4" in out and "`season` without an audio enclosure" in out


def test_the_podcast_feed_carries_every_episode_within_the_size_cap(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    files: dict[str, str | bytes] = {"a.wav": tone(1)}
    files |= {f"p{n:02}.md": post(f"Episode {n}", f"2024-01-{n:02}", body="words " * 200,
                                  extra="enclosures: [a.wav]\n") for n in range(1, 31)}
    posts = write_posts(tmp_path / "posts", files,
                        blog="---\ntitle: T\nfeed_limit: 5\n---\nAbout.\n")
    site = podcast_site(posts)
    assert len(rss(site).findall("channel/item")) == 30
    assert len(etree.fromstring(site.document("rss.xml").body).findall("channel/item")) == 5
    (posts / "_blog.md").write_text("---\ntitle: T\nfeed_limit: 5\npodcast_limit: 12\n"
                                    "---\nAbout.\n")
    assert len(rss(podcast_site(posts)).findall("channel/item")) == 12
    (posts / "_blog.md").write_text("---\ntitle: T\nfeed_max_bytes: 20000\n---\nAbout.\n")
    with caplog.at_level(logging.WARNING, logger="feeds"):
        site = podcast_site(posts)
        body = site.document("podcast/rss.xml").body
    kept = len(etree.fromstring(body).findall("channel/item"))
    assert 1 <= kept < 30 and len(body) <= 20000
    assert all(len(site.document(f"podcast/{f}").body) <= 20000
               for f in ("atom.xml", "feed.json"))
    assert f"{30 - kept} of 30 episodes left out" in caplog.text


def test_a_blog_without_audio_or_setting_has_no_podcast(tmp_path: Path) -> None:
    posts = write_posts(tmp_path / "posts", {"a.md": post("A")})
    site = podcast_site(posts)
    assert not any(a.startswith("podcast/") for a in site.addresses())
    assert b"podcast" not in site.document("feeds.opml").body
    (posts / "_blog.md").write_text(PODCAST_BLOG.replace("image: cover.png", "image: "
                                                         "https://cast.example.org/c.jpg"))
    site = podcast_site(posts)
    assert rss(site).findall("channel/item") == []
    assert {"podcast/rss.xml", "podcast/atom.xml", "podcast/feed.json"} <= set(site.addresses())


CHECK_FEED = os.environ.get("FEEDS_CHECK_FEED")  # e.g. check-feed (W3C validator and more)


@pytest.mark.skipif(not CHECK_FEED, reason="FEEDS_CHECK_FEED names no check-feed tool")
@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_the_podcast_feeds_pass_check_feed_strictly(sample_out: Path, name: str) -> None:
    kind = name.removesuffix(".xml")
    result = subprocess.run([str(CHECK_FEED), "--strict", "--kind", kind,
                             str(sample_out / "podcast" / name)],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no errors or warnings" in result.stdout


@pytest.mark.skipif(shutil.which("gpo") is None, reason="gPodder's gpo is not installed")
def test_gpodder_subscribes_lists_and_downloads_every_episode(tmp_path: Path, serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(copy_sample(tmp_path / "posts"))
    home = tmp_path / "gpodder"
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "GPODDER_HOME": str(home),
           "GPODDER_DOWNLOAD_DIR": str(home / "downloads"), "LANG": "C.UTF-8"}

    def gpo(*args: str) -> str:
        done = subprocess.run(["gpo", *args], capture_output=True, text=True, env=env,
                              timeout=120, check=True)
        return done.stdout

    url = server.base + "podcast/rss.xml"
    assert "Successfully added" in gpo("subscribe", url)
    listed = gpo("episodes", url)
    assert [line.split("*", 1)[1].strip() for line in listed.splitlines() if "*" in line] \
        == [title for title, _, _ in SAMPLE_EPISODES]
    gpo("download", url)
    downloaded = sorted(p.stat().st_size for p in (home / "downloads").rglob("*.mp3"))
    assert downloaded == sorted((SAMPLE / a).stat().st_size for _, a, _ in SAMPLE_EPISODES)
