"""Other generators' template syntax in post bodies (docs/reference.md §2.2): Jekyll's
Liquid, Hugo's shortcodes and the Go blog's template actions become what those
generators show, comments are dropped, the rest is left out whole with a warning at its
line. Driven through `feeds serve` and `feeds check` on posts written as those blogs
write them, read back with feedparser and lxml."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from subprocess import CompletedProcess

import feedparser
import pytest
from conftest import Server, running, write_posts
from lxml import html

BLOG = "---\ntitle: Moved Blog\nlink: https://blog.example.org/\ntimezone: UTC\n---\n"
JEKYLL = """---
title: Jekyll Release
layout: news_item
---
1. `link` now includes `relative_url`: no more `{% raw %}{{ site.baseurl }}{% endraw %}`.
2. [`{% raw %}{% highlight %}{% endraw %}` now behaves like `{% raw %}{% raw %}{% endraw %}`](https://github.com/jekyll/jekyll/pull/6821).

See [the docs]({{ site.baseurl }}/docs/), [history]({{ '/docs/history/' | relative_url }})
and [the last release]({% post_url 2019-01-01-older %}).
{% comment %}
Hidden note for editors.
{% endcomment %}
{% highlight ruby %}
puts "{{ kept in code }}"
{% endhighlight %}
{% for filter in page.filters %}- {{ filter }}{% endfor %}
"""
HUGO = """---
title: OTel Bundle
date: 2023-01-01
canonical_url: https://medium.example/otel
---
{{< figure src="model.png" caption="The supply chain model" >}}

{{<youtube coPrhP_7lVU>}}

See [Kotlin]({{< relref "../../kotlin.md" >}}).

{{% alert title="Note" color="info" %}}
Read this first.
{{% /alert %}}

{{< comment >}}
Hidden text of the comment.
{{< /comment >}}

Also at {{% param canonical_url %}}.

Write `{{</* youtube ID */>}}` to embed a video.

{{< tabpane >}}
Text of the tabs
{{< /tabpane >}}
"""
GO = """---
title: Strings
date: 2013-10-23
by:
- Rob Pike
template: true
---
Intro.

{{raw `
	const sample = "\\xbd\\xb2\\x3d\\xbc"
`}}

Printed: \ufffd\ufffd=\ufffd \u2318

{{image "strings/pic.png" 300}}

{{video "https://www.youtube.com/embed/p9VUCp98ay4"}}

{{code "strings/basic.go" `/const sample/`}}
"""
HUGO_MORE = """---
title: More Shortcodes
date: 2023-02-01
---
{{< figure src="https://cdn.example/a.png" link="https://example.com/full" title="Full" >}}

{{< gist spf13 7896402 >}} {{< tweet user="SanDiegoZoo" id="1453110110599868418" >}}
{{< vimeo 146022717 >}} and [the intro]({{< ref "../kotlin.md#setup" >}}).

{{< highlight go "linenos=table" >}}
fmt.Println("{{< not a shortcode in code >}}")
{{< /highlight >}}

{{< details summary="More" >}}
Folded text.
{{< /details >}}

```
{{< youtube kept >}}
```
"""
FILES = {
    "_posts/2019-08-04-release.markdown": JEKYLL,
    "_posts/2019-01-01-older.md": "---\ntitle: Older\n---\nOlder.\n",
    "content/blog/2023/otel/index.md": HUGO,
    "content/blog/2023/otel/model.png": b"\x89PNG\r\n\x1a\n",
    "content/blog/2023/more.md": HUGO_MORE,
    "content/blog/kotlin.md": "---\ntitle: Kotlin\ndate: 2022-01-01\n---\nKotlin.\n",
    "blog/strings.md": GO,
    "blog/strings/pic.png": b"\x89PNG\r\n\x1a\n",
    "blog/strings/basic.go": b"package main\n",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("templates")
    with running(write_posts(tmp / "posts", FILES, blog=BLOG), tmp, workers=1) as started:
        yield started


def _content(server: Server, title: str) -> tuple[str, str]:
    """A post's content from the Atom feed: its HTML and its text."""
    feed = feedparser.parse(server.get("/atom.xml")[2])
    assert not feed.bozo
    entry = next(e for e in feed.entries if e.title == title)
    markup = entry.content[0].value
    return markup, html.fromstring(f"<div>{markup}</div>").text_content()


def test_liquid_shows_what_jekyll_shows(server: Server) -> None:
    markup, text = _content(server, "Jekyll Release")
    assert "no more {{ site.baseurl }}." in text  # {% raw %}: as written
    assert "{% highlight %} now behaves like {% raw %}" in text
    assert "Hidden note" not in text and "{%" not in text.replace(
        "{% highlight %}", "").replace("{% raw %}", "")
    assert f'href="{server.base}docs/"' in markup
    assert f'href="{server.base}docs/history/"' in markup
    assert f'href="{server.base}posts/older/"' in markup  # post_url: that post's page
    code = html.fromstring(markup).xpath("//pre/code/text()")
    assert code == ['puts "{{ kept in code }}"\n']


def test_hugo_shortcodes_show_what_hugo_shows(server: Server) -> None:
    markup, text = _content(server, "OTel Bundle")
    page = html.fromstring(f"<div>{markup}</div>")
    assert page.xpath("//figure/img/@src") == [
        f"{server.base}files/content/blog/2023/otel/model.png"]
    assert page.xpath("//figure/figcaption/text()") == ["The supply chain model"]
    assert "https://www.youtube.com/watch?v=coPrhP_7lVU" in page.xpath("//a/@href")
    assert f"{server.base}posts/kotlin/" in page.xpath("//a/@href")  # relref
    assert "Note: Read this first." in " ".join(text.split())
    assert "Hidden text" not in text
    assert "Also at https://medium.example/otel." in text  # param: the post's field
    assert "Write {{< youtube ID >}} to embed a video." in text  # Hugo's escape
    assert "Text of the tabs" in text
    assert not re.search(r"\{\{[<%]|[>%]\}\}", text.replace("{{< youtube ID >}}", ""))


def test_more_shortcodes_are_links_figures_code_and_notes(server: Server) -> None:
    markup, text = _content(server, "More Shortcodes")
    page = html.fromstring(f"<div>{markup}</div>")
    assert page.xpath("//figure/a/@href") == ["https://example.com/full"]
    assert page.xpath("//figure/a/img/@src") == ["https://cdn.example/a.png"]
    assert page.xpath("//figure/figcaption/text()") == ["Full"]
    hrefs = page.xpath("//a/@href")
    for url in ("https://gist.github.com/spf13/7896402",
                "https://x.com/SanDiegoZoo/status/1453110110599868418",
                "https://vimeo.com/146022717", f"{server.base}posts/kotlin/#setup"):
        assert url in hrefs, url
    assert page.xpath("//pre/code/text()") == [
        'fmt.Println("{{< not a shortcode in code >}}")\n', "{{< youtube kept >}}\n"]
    assert "More: Folded text." in " ".join(text.split())


def test_go_template_actions_show_what_the_go_blog_shows(server: Server) -> None:
    markup, text = _content(server, "Strings")
    page = html.fromstring(f"<div>{markup}</div>")
    assert page.xpath("//pre/code/text()") == ['const sample = "\\xbd\\xb2\\x3d\\xbc"\n']
    assert page.xpath("//img/@src") == [f"{server.base}files/blog/strings/pic.png"]
    hrefs = page.xpath("//a/@href")
    assert "https://www.youtube.com/watch?v=p9VUCp98ay4" in hrefs
    assert f"{server.base}files/blog/strings/basic.go" in hrefs
    assert "{{" not in text
    assert "Printed: \ufffd\ufffd=\ufffd \u2318" in text  # kept, as the post says


def test_the_replacement_character_is_written_as_a_reference(server: Server) -> None:
    for path in ("/atom.xml", "/rss.xml", "/feed.json", "/posts/strings/"):
        body = server.get(path)[2]
        assert "\ufffd".encode() not in body, path  # the validator takes it for bad bytes
        assert b"&#xFFFD;" in body or b"&amp;#xFFFD;" in body, path


def test_check_warns_at_each_construct_left_out(
        tmp_path: Path, runner: Callable[..., CompletedProcess[str]]) -> None:
    root = write_posts(tmp_path / "posts", FILES, blog=BLOG)
    result = runner("check", "--posts", str(root))
    warnings = [line for line in result.stdout.splitlines()
                if re.search(r"Liquid|Hugo|Go template", line)]
    assert sorted(warnings) == sorted([
        f"_posts/2019-08-04-release.markdown:{_line(JEKYLL, '{% for')}: warning: Liquid "
        "`{% for %}` cannot be run here: the tag is left out (the text around it is kept)",
        f"_posts/2019-08-04-release.markdown:{_line(JEKYLL, '{% for')}: warning: Liquid "
        "`{% endfor %}` cannot be run here: the tag is left out (the text around it is kept)",
        f"_posts/2019-08-04-release.markdown:{_line(JEKYLL, '{% for')}: warning: Liquid "
        "output {{ filter }} has no value here: it is left out",
        f"blog/strings.md:{_line(GO, '{{code')}: warning: Go template `{{{{code}}}}` shows code "
        "from a file, which is not read here: a link to the file is shown instead",
        f"content/blog/2023/otel/index.md:{_line(HUGO, '{{< tabpane')}: warning: Hugo "
        "shortcode `tabpane` is not known here: it is left out (the text it encloses is "
        "kept)",
    ])
    assert result.returncode == 0


def _line(text: str, start: str) -> int:
    """The line of the file that starts with `start`."""
    return next(n for n, line in enumerate(text.split("\n"), 1) if line.startswith(start))
