"""Pure normalisation: raw front matter and bodies to typed records (docs/reference.md §4).

Nothing here reads files, talks HTTP or renders feeds.
"""
