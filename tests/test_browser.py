"""What a person sees in a browser (headless Chromium, Debian's package, installed by
.ci/run): the home page, a post, the About page, and the feeds as their pages for people
(rendered by the server: no XSLT, so no removal banner). Screenshots are kept in
test-artifacts/."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator

import pytest
from conftest import ROOT, Server, copy_sample, running
from lxml import html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "test-artifacts"
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="chromium not installed")]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


def chromium(url: str, *extra: str) -> str:
    assert CHROMIUM is not None, "CI installs chromium (.ci/run)"
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, url],
                                capture_output=True, text=True, timeout=90, check=True)
    return result.stdout


def seen(server: Server, path: str, name: str) -> html.HtmlElement:
    """The page as the browser built it (after XSLT), and a phone-sized screenshot."""
    ARTIFACTS.mkdir(exist_ok=True)
    url = server.base + path.lstrip("/")
    chromium(url, "--window-size=390,1400",
             f"--screenshot={ARTIFACTS / f'{name}.png'}")
    assert (ARTIFACTS / f"{name}.png").stat().st_size > 5000
    return html.fromstring(chromium(url, "--dump-dom"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("browser")
    with running(copy_sample(tmp / "posts"), tmp, workers=1) as started:  # its own address
        yield started


def text(page: html.HtmlElement) -> str:
    return " ".join(page.text_content().split())


def test_home_page(server: Server) -> None:
    page = seen(server, "/", "home")
    assert page.findtext(".//h1") == "Harbour Light"
    titles = [a.text_content() for a in page.findall(".//ol[@class='posts']//h2/a")]
    assert titles[:2] == ["Harbour Light Radio 2: Lifting Day", "The Last Race of the Summer"]
    assert "27 September 2025" in text(page) and "Subscribe: RSS · Atom · JSON Feed" in text(page)


def test_post_page(server: Server) -> None:
    page = seen(server, "/posts/new-anemometer/", "post")
    assert page.findtext(".//h1") == "A New Anemometer for the Mast"
    assert "6 April 2024" in text(page) and "Ingrid Solberg" in text(page)
    assert page.find(".//figure//img") is not None
    assert "seen from the harbour steps" in page.findtext(".//figcaption")


def test_about_page(server: Server) -> None:
    page = seen(server, "/about", "about")
    assert page.findtext(".//h1") == "About Harbour Light"
    assert "Tomás Ek" in text(page) and "RSS 2.0" in text(page)


@pytest.mark.parametrize("feed", ["rss.xml", "atom.xml", "tags/weather/rss.xml"])
def test_feeds_open_as_their_pages_without_xslt(server: Server, feed: str) -> None:
    page = seen(server, "/" + feed, feed.replace(".", "-").replace("/", "-"))
    assert "This is a web feed" in text(page)
    assert page.findtext(".//title").endswith("feed)")  # ours, not the XSLT's "(web feed)"
    assert page.findtext(".//h1").startswith("Harbour Light")
    assert page.get_element_by_id("feed-url").text_content() == server.base + feed
    entries = [a.text_content() for a in page.findall(".//li[@class='entry']/a")]
    assert len(entries) == (15 if feed.count("/") == 0 else 6)
    assert entries[0] == ("Harbour Light Radio 2: Lifting Day" if len(entries) == 15
                          else "Harbour Light Radio 1: The Morning Report")
    assert page.find(".//xslt-warning-banner") is None  # Chromium's XSLT removal notice
    assert "does not appear to have any style information" not in text(page)  # XML tree


def test_rss_xml_on_a_desktop_screen(server: Server) -> None:
    """The view a person gets clicking rss.xml, at a desktop size (the screenshot of
    docs/reference.md §5.4)."""
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "rss-xml-desktop.png"
    chromium(server.base + "rss.xml", "--window-size=1200,900", f"--screenshot={shot}")
    assert shot.stat().st_size > 5000
    page = html.fromstring(chromium(server.base + "rss.xml", "--dump-dom"))
    assert page.find(".//xslt-warning-banner") is None
    assert page.get_element_by_id("feed-url").text_content() == server.base + "rss.xml"
    assert page.findtext(".//p[@id='subscribe']/strong") == "This is a web feed."
