"""Composition's names where callers have always found them.

Composition is now a chain of stages — :mod:`~inkproof.render.measure`,
:mod:`~inkproof.render.layout` (engine interface) with
:mod:`~inkproof.render.graphviz_layout` behind it, :mod:`~inkproof.render.place`,
:mod:`~inkproof.render.callouts`, :mod:`~inkproof.render.chrome` — searched over by
:mod:`~inkproof.render.fit` and wired by :func:`inkproof.render.pipeline.compose`.
"""

from inkproof.render.chrome import picture_description, stamp_note
from inkproof.render.layout import LayoutError, rows
from inkproof.render.measure import Translate, lay_label
from inkproof.render.pipeline import compose
from inkproof.render.place import diagram_findings

__all__ = ["LayoutError", "Translate", "compose", "diagram_findings", "lay_label",
           "picture_description", "rows", "stamp_note"]
