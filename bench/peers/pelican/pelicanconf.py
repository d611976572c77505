"""Minimal Pelican settings for bench/compare (default theme, no theme work).

bench/compare runs: pelican CONTENT -s pelicanconf.py -o OUTPUT
    -e CACHE_PATH='"..."' (and the content cache on, see below).
"""

AUTHOR = "Synthetic Benchmark Blog"
SITENAME = "Synthetic Benchmark Blog"
SITEURL = "https://bench.example.org"
RELATIVE_URLS = False
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"

ARTICLE_URL = "posts/{slug}/"
ARTICLE_SAVE_AS = "posts/{slug}/index.html"

# One subscription feed of the newest 50 posts with their full content.
FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = None
FEED_MAX_ITEMS = 50
RSS_FEED_SUMMARY_ONLY = False
CATEGORY_FEED_ATOM = None
CATEGORY_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TAG_FEED_ATOM = None
TAG_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TRANSLATION_FEED_RSS = None

# Like Hugo and Jekyll by default: posts dated in the future are not published.
WITH_FUTURE_DATES = False

# Index pages of 50 posts (the default puts every post on one index page).
DEFAULT_PAGINATION = 50

# "One new post" is measured with Pelican's content cache.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CONTENT_CACHING_LAYER = "reader"
DELETE_OUTPUT_DIRECTORY = False
