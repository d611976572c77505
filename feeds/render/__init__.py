"""Rendering: published posts to the bytes of every document (deterministic).

`syndication` is the only feedgen user; `site` maps addresses to documents.
"""
