"""Reading the posts folder: the only code that opens files (docs/reference.md §2)."""
