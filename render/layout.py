"""The layout stage's interface: a graph of measured sizes in, geometry out (plain data).

A :class:`LayoutEngine` places fixed-size nodes (boxes and lane headers) in ranks and
routes labelled edges between them; it knows nothing about flows, text or themes. Ranks run
top to bottom (``TB``: lanes are columns) or left to right (``LR``: lanes are bands).
Graphviz ``dot`` is the engine in use (:mod:`inkproof.render.graphviz_layout`); another one
only has to turn a :class:`GraphSpec` into a :class:`GraphLayout`.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from inkproof.errors import InkproofError
from inkproof.model import Direction, Flow
from inkproof.render.geometry import Point, Rect

if TYPE_CHECKING:
    from inkproof.render.measure import Measured, MeasuredNote

#: Ids of the nodes that keep room for a note beside the box it annotates start with this.
NOTE_NODE = "note__"
#: Between a note the layout keeps room for and the label it annotates (px at scale 1): the
#: pointer from one to the other is this long.
NOTE_GAP = 14.0


class LayoutError(InkproofError):
    """The flow cannot be drawn legibly on the canvas; names what is in the way."""


@dataclass(frozen=True)
class NodeSpec:
    id: str
    w: float
    h: float
    cluster: str | None
    rank: int


@dataclass(frozen=True)
class EdgeSpec:
    id: str
    source: str
    target: str
    label_w: float
    label_h: float


@dataclass(frozen=True)
class ClusterSpec:
    """A cluster (a lane) whose header (label_w × label_h) sits before its first rank:
    above it in ``TB``, at its left in ``LR``."""

    id: str
    label_w: float
    label_h: float


@dataclass(frozen=True)
class GraphSpec:
    """What to lay out. ``nodesep`` separates nodes of one rank, ``ranksep`` the ranks; the
    clusters come in the order they must be drawn (left to right in TB, top down in LR)."""

    nodes: tuple[NodeSpec, ...]
    edges: tuple[EdgeSpec, ...]
    clusters: tuple[ClusterSpec, ...]
    nodesep: float = 40.0
    ranksep: float = 30.0
    cluster_margin: float = 12.0
    direction: Direction = "TB"
    ties: tuple[tuple[str, str], ...] = ()  # pairs of nodes of one rank kept side by side


@dataclass(frozen=True)
class EdgeGeometry:
    controls: tuple[Point, ...]  # cubic Bézier chain: 1 + 3n points
    head: tuple[Point, ...]  # arrowhead polygon
    label: Rect


@dataclass(frozen=True)
class GraphLayout:
    """Geometry with the origin at the top-left corner of the graph, y growing downwards."""

    width: float
    height: float
    nodes: dict[str, Rect]
    clusters: dict[str, Rect]
    cluster_labels: dict[str, Rect]
    edges: dict[str, EdgeGeometry]
    direction: Direction = "TB"  # the spec's: how the clusters are to be tiled


def cluster_order(layout: GraphLayout) -> list[str]:
    """The clusters in the order the layout drew them: left to right in TB, top down in LR."""
    axis = 0 if layout.direction == "TB" else 1
    return sorted(layout.clusters, key=lambda c: (layout.clusters[c].x, layout.clusters[c].y)
                  [axis])


def check_cluster_order(spec: GraphSpec, layout: GraphLayout) -> None:
    """Refuse a layout whose clusters are not in the spec's order (lanes always are)."""
    wanted = [c.id for c in spec.clusters if c.id in layout.clusters]
    drawn = cluster_order(layout)
    if drawn != wanted:
        raise LayoutError(f"the layout engine drew the lanes as {', '.join(drawn)} instead "
                          f"of the spec's order {', '.join(wanted)}")


class LayoutEngine(Protocol):
    """Places a graph: every node, cluster and edge of the spec gets its geometry.

    Nodes keep their size; every node of one rank shares a row (TB: rows run top to bottom
    in rank order) or a column (LR: columns run left to right); clusters keep the spec's
    order; each edge label gets a free ``label_w × label_h`` spot beside its edge.
    """

    def layout(self, spec: GraphSpec) -> GraphLayout: ...


def rows(flow: Flow) -> dict[str, int]:
    """Row of each box: its distance from the flow's entry (the first arrow's source).

    Rows make every labelled arrow run between rows, where the engine reserves room for its
    label; lanes then stand side by side as columns. Boxes without arrows go one row below
    the last row of their lane.
    """
    neighbours: dict[str, set[str]] = collections.defaultdict(set)
    for arrow in flow.arrows:
        neighbours[arrow.source].add(arrow.target)
        neighbours[arrow.target].add(arrow.source)
    order = [box.id for box in flow.boxes]
    distance: dict[str, int] = {}
    for start in [flow.arrows[0].source] if flow.arrows else []:
        distance[start] = 0
        queue = collections.deque([start])
        while queue:
            node = queue.popleft()
            for other in sorted(neighbours[node], key=order.index):
                if other not in distance:
                    distance[other] = distance[node] + 1
                    queue.append(other)
    for box in flow.boxes:
        if box.id not in distance:
            lane_rows = [distance[b.id] for b in flow.boxes
                         if b.lane == box.lane and b.id in distance]
            distance[box.id] = max(lane_rows, default=-1) + 1
    return distance


def graph_spec(flow: Flow, measured: Measured, spacing: tuple[float, float],
               direction: Direction | None = None) -> GraphSpec:
    """The graph an engine lays out: measured boxes, labels and lane headers; ``spacing``
    is (node separation, rank separation) in pixels; ``direction`` defaults to the flow's
    (a fitting stage may try the other one)."""
    row_of = rows(flow)
    room = notes_by_anchor(measured)
    gap = measured.theme.px(NOTE_GAP)
    edges = []
    for arrow in flow.arrows:
        label, notes = measured.labels[arrow.id], room.get(arrow.id, ())
        # An arrow's notes are stacked under its label, in one block the engine keeps free.
        edges.append(EdgeSpec(arrow.id, arrow.source, arrow.target,
                              max([label.w, *(note.w for note in notes)]),
                              label.h + sum(gap + note.h for note in notes)))
    box_of = {box.id: box for box in flow.boxes}
    note_nodes = [(box_of[anchor], note) for anchor, notes in room.items()
                  if anchor in box_of for note in notes]
    return GraphSpec(
        nodes=(*(NodeSpec(b.id, measured.box_width, measured.box_heights[b.id], b.lane,
                          row_of[b.id]) for b in flow.boxes),
               *(NodeSpec(NOTE_NODE + note.id, note.w, note.h, box.lane, row_of[box.id])
                 for box, note in note_nodes)),
        edges=tuple(edges),
        clusters=tuple(ClusterSpec(lane.id, measured.lanes[lane.id].w,
                                   measured.lanes[lane.id].h) for lane in flow.lanes),
        nodesep=spacing[0], ranksep=spacing[1], cluster_margin=measured.theme.px(12),
        direction=direction or flow_direction(flow),
        ties=tuple((box.id, NOTE_NODE + note.id) for box, note in note_nodes))


def notes_by_anchor(measured: Measured) -> dict[str, tuple[MeasuredNote, ...]]:
    """The notes of each box or arrow, which the layout keeps room for beside it (a note
    near a lane finds its own free spot)."""
    anchors = set(measured.boxes) | set(measured.labels)
    out: dict[str, tuple[MeasuredNote, ...]] = {}
    for note in measured.notes:
        if note.near in anchors:
            out[note.near] = (*out.get(note.near, ()), note)
    return out


def flow_direction(flow: Flow) -> Direction:
    """The direction the flow asks for; not set means TB."""
    return flow.style.direction or "TB"
