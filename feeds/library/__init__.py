"""What is published: the index, the catalog, loads and reloads, and the facade.

Other stages use `Library` and the records it hands out, from here."""

from feeds.library.core import *  # noqa: F403 - the facade re-exports its stage
from feeds.library.core import __all__ as __all__
