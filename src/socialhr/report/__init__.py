"""The CEO report: what the network says, what programs achieved, and what to do next.

:func:`build` gathers every figure **through the one read path**
(:func:`socialhr.results.read`, with the viewer the report is for), so no figure
in the report can differ from the export of the same table or escape the
minimum group size; :mod:`.render` turns it into self-contained HTML (charts as
inline SVG, made from Altair specs with vl-convert, no network needed) and PDF
(WeasyPrint).
"""

from __future__ import annotations

from .content import build
from .render import write

__all__ = ["build", "write"]
