"""The layout stage's interface: a graph of measured sizes in, geometry out (plain data).

A :class:`LayoutEngine` places fixed-size nodes (boxes and lane headers) in rows and
columns and routes labelled edges between them; it knows nothing about flows, text or
themes. Graphviz ``dot`` is the engine in use (:mod:`inkproof.render.graphviz_layout`);
another one only has to turn a :class:`GraphSpec` into a :class:`GraphLayout`.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from inkproof.errors import InkproofError
from inkproof.model import Flow
from inkproof.render.geometry import Point, Rect

if TYPE_CHECKING:
    from inkproof.render.measure import Measured


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
    """A cluster (a lane) whose header (label_w × label_h) sits above its first row."""

    id: str
    label_w: float
    label_h: float


@dataclass(frozen=True)
class GraphSpec:
    nodes: tuple[NodeSpec, ...]
    edges: tuple[EdgeSpec, ...]
    clusters: tuple[ClusterSpec, ...]
    nodesep: float = 40.0
    ranksep: float = 30.0
    cluster_margin: float = 12.0


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


class LayoutEngine(Protocol):
    """Places a graph: every node, cluster and edge of the spec gets its geometry.

    Nodes keep their size; every node of one rank shares a row, rows run top to bottom in
    rank order; each edge label gets a free ``label_w × label_h`` spot beside its edge.
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


def graph_spec(flow: Flow, measured: Measured, spacing: tuple[float, float]) -> GraphSpec:
    """The graph an engine lays out: measured boxes, labels and lane headers; ``spacing``
    is (node separation, row separation) in pixels."""
    row_of = rows(flow)
    return GraphSpec(
        nodes=tuple(NodeSpec(b.id, measured.box_width, measured.box_heights[b.id], b.lane,
                             row_of[b.id]) for b in flow.boxes),
        edges=tuple(EdgeSpec(a.id, a.source, a.target, measured.labels[a.id].w,
                             measured.labels[a.id].h) for a in flow.arrows),
        clusters=tuple(ClusterSpec(lane.id, measured.lanes[lane.id].w,
                                   measured.lanes[lane.id].h) for lane in flow.lanes),
        nodesep=spacing[0], ranksep=spacing[1], cluster_margin=measured.theme.px(12))
