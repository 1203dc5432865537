"""socialhr: measure, grow and prove an organization's social capital.

The library is the product; the ``socialhr`` command and the web app are thin
shells over it. Start with :class:`socialhr.workspace.Workspace`.
"""

import os as _os

# Arrow's allocator (mimalloc) commits its arenas eagerly, and Linux then
# zeroes whole pages of them that a bulk import touches only in part: about 6%
# of the import's CPU. Committed on demand, that falls under 1%, and peak
# memory is lower (issue 2; docs/data-model.md, "How import is fast"). mimalloc
# reads this when pyarrow loads, so it is set here, before socialhr imports
# pyarrow; a value already set is kept.
_os.environ.setdefault("MIMALLOC_ARENA_EAGER_COMMIT", "0")

__version__ = "0.1.0"
