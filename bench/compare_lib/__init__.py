"""The modules of bench/compare (the entry script): feeds against Hugo, Jekyll and
Pelican on the same corpus."""
