"""Run Graphviz ``dot`` on measured sizes and read back geometry (plain data, y down).

Every node, cluster label and edge label is passed with the exact size we measured
(fixed-size nodes, fixed-size HTML tables), so Graphviz reserves room for the real text.
This module knows nothing about flows: it is the :class:`~inkproof.render.layout.LayoutEngine`
in use, laying out a :class:`~inkproof.render.layout.GraphSpec`. Each cluster's header is a
*node* rather than a Graphviz cluster label: dot routes edges around nodes but happily
through cluster labels, and a first rank shared by all headers makes every cluster span
the whole flow: a full-height column in TB (headers on top), a full-width band in LR
(headers at the left). A spine of invisible points pins the lanes in the spec's order
(see :func:`_spine`); the order is checked after every run all the same.
"""

from __future__ import annotations

import itertools
import json
import shutil
from typing import Any

import graphviz

from inkproof.errors import InkproofError
from inkproof.render.geometry import Point, Rect
from inkproof.render.layout import (
    EdgeGeometry,
    GraphLayout,
    GraphSpec,
    NodeSpec,
    check_cluster_order,
)

POINTS_PER_INCH = 72.0  # Graphviz sizes are inches, coordinates points; we use 1 pt = 1 px
SPINE = "spine__"  # the spine's root, and the prefix of its points (not drawn)


class GraphvizMissing(InkproofError):
    """The ``dot`` program is not installed."""


class DotEngine:
    """The layout engine: Graphviz ``dot`` (ranks top to bottom or left to right, spline
    edges)."""

    def layout(self, spec: GraphSpec) -> GraphLayout:
        return run_dot(spec)


def _table(w: float, h: float) -> str:
    return (f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="0" '
            f'fixedsize="true" width="{round(w)}" height="{round(h)}"><tr><td></td></tr></table>>')


def _inches(px: float) -> str:
    return f"{px / POINTS_PER_INCH:.4f}"


def to_dot(spec: GraphSpec) -> graphviz.Digraph:
    graph = graphviz.Digraph(graph_attr={
        "rankdir": spec.direction, "newrank": "true", "splines": "spline", "pad": "0",
        "margin": "0",
        "nodesep": _inches(spec.nodesep), "ranksep": _inches(spec.ranksep),
        "outputorder": "edgesfirst", "mclimit": "0.01",
    })
    headers = [NodeSpec(_header_id(c.id), c.label_w, c.label_h, c.id, -1)
               for c in spec.clusters]
    nodes = (*headers, *spec.nodes)
    for cluster in spec.clusters:
        with graph.subgraph(name=f"cluster_{cluster.id}") as sub:
            sub.attr(label="", margin=str(round(spec.cluster_margin)), id=cluster.id)
            for node in nodes:
                if node.cluster == cluster.id:
                    _node(sub, node)
    for node in nodes:
        if node.cluster is None:
            _node(graph, node)
    anchor = headers[0].id if headers else "anchor__"
    if not headers:  # rows still need a top to hang from
        graph.node(anchor, label="", shape="point", width="0", height="0", style="invis")
    for rank in sorted({node.rank for node in nodes}):
        with graph.subgraph() as same:
            same.attr(rank="same")
            for node in nodes:
                if node.rank == rank:
                    same.node(node.id)
    _spine(graph, headers)
    for header in headers:  # keep headers before the first rank without labelled edges
        first = [n for n in spec.nodes if n.cluster == header.cluster]
        if first:
            top = min(first, key=lambda n: n.rank)
            graph.edge(header.id, top.id, style="invis", weight="0")
    # rank=same only groups a rank; arrows order the ranks they touch. A rank no arrow
    # touches could float into the headers' rank, so hang it after the headers.
    touched = {edge.source for edge in spec.edges} | {edge.target for edge in spec.edges}
    loose = {n.rank for n in spec.nodes} - {n.rank for n in spec.nodes if n.id in touched}
    for node in spec.nodes:
        if node.rank in loose:
            top = _header_id(node.cluster) if node.cluster is not None else anchor
            graph.edge(top, node.id, style="invis", weight="0", minlen=str(node.rank + 1))
    for near, note in spec.ties:  # a flat edge keeps a note beside its box
        graph.edge(near, note, style="invis", weight="8")
    rank_of = {node.id: node.rank for node in spec.nodes}
    for edge in spec.edges:
        # dot lays back edges out badly when several share two nodes (labels overlap), so
        # every edge is given along the ranks and drawn reversed when it really points back.
        backwards = rank_of[edge.source] > rank_of[edge.target]
        tail, head = (edge.target, edge.source) if backwards else (edge.source, edge.target)
        graph.edge(tail, head, label=_table(edge.label_w, edge.label_h), id=edge.id,
                   dir="back" if backwards else "forward")
    return graph


def _spine(graph: graphviz.Digraph, headers: list[NodeSpec]) -> None:
    """Pin the clusters in the spec's order with a spine: a rank of invisible points before
    the headers, one per lane, chained in lane order and each tied to its lane's header,
    with a root point before them that lists them in that order too.

    dot orders clusters by crossing minimisation, where an order between two nodes binds
    only when neither is in a cluster: a chain of flat edges between the headers is a mere
    hint, and dot moves a lane whenever that spares an arrow a jump over it. The spine's
    points are in no cluster, so their chain binds. Each tie stays within one node
    ``group``, which makes a crossing of two ties cost as much as a thousand arrow
    crossings, so the lanes follow the spine. The root (``ordering=out``) is where dot's
    first ordering starts, a search from the nodes nothing points to, so it meets the lanes
    in order: without it dot (2.43) sometimes starts from a box, ends with the chain
    crossed and fails placing it ("trouble in init_rank"). The spine's ranks are cropped
    off the drawing.
    """
    if len(headers) < 2:
        return
    graph.node(SPINE, label="", shape="point", width="0", height="0", style="invis",
               ordering="out")
    with graph.subgraph() as same:
        same.attr(rank="same")
        for header in headers:
            same.node(_spine_id(header), label="", shape="point", width="0", height="0",
                      style="invis", group=_group(header))
    chain = lane_chain(headers)
    for header in chain:
        graph.edge(SPINE, _spine_id(header), style="invis", weight="0")
    for before, after in itertools.pairwise(chain):
        graph.edge(_spine_id(before), _spine_id(after), style="invis")
    for header in headers:  # weight 0: a tie orders, it does not pull
        graph.edge(_spine_id(header), header.id, style="invis", weight="0")


def lane_chain(headers: list[NodeSpec]) -> list[NodeSpec]:
    """The order the spine pins the lanes in: the spec's."""
    return headers


def _spine_id(header: NodeSpec) -> str:
    return f"{SPINE}{header.cluster}"


def _group(header: NodeSpec) -> str:
    return f"lane__{header.cluster}"


def _header_id(cluster_id: str) -> str:
    return f"header__{cluster_id}"


def _node(graph: graphviz.Digraph, node: NodeSpec) -> None:
    extra = {"group": _group(node)} if node.id == _header_id(node.cluster or "") else {}
    graph.node(node.id, label="", shape="box", fixedsize="true", width=_inches(node.w),
               height=_inches(node.h), **extra)


def _drawn_box(data: dict[str, Any], spec: GraphSpec) -> tuple[float, float, float, float]:
    """dot's bounding box (x0, y0, x1, y1, y up) without the spine's rank: the clusters,
    which begin with the headers' rank, bound the drawing on the spine's side."""
    x0, y0, x1, y1 = (float(v) for v in data["bb"].split(","))
    boxes = [[float(v) for v in obj["bb"].split(",")] for obj in data.get("objects", [])
             if "bb" in obj and obj.get("name", "").startswith("cluster_")]
    if any(obj.get("name", "").startswith(SPINE) for obj in data.get("objects", [])):
        if spec.direction == "TB":  # the spine is above the headers
            y1 = max(box[3] for box in boxes)
        else:  # the spine is left of the headers
            x0 = min(box[0] for box in boxes)
    return x0, y0, x1, y1


def run_dot(spec: GraphSpec) -> GraphLayout:
    """Lay the graph out with ``dot`` and return its geometry with y growing downwards;
    raises :class:`~inkproof.render.layout.LayoutError` if the lanes came out of order."""
    if shutil.which("dot") is None:
        raise GraphvizMissing("Graphviz's `dot` program is not installed — install the Debian "
                              "package graphviz (`make setup` does)")
    data = json.loads(to_dot(spec).pipe(format="json", engine="dot", quiet=True))
    x0, y0, x1, y1 = _drawn_box(data, spec)
    height = y1 - y0

    def flip(x: float, y: float) -> Point:
        return (round(x - x0, 2), round(height - (y - y0), 2))

    nodes: dict[str, Rect] = {}
    clusters: dict[str, Rect] = {}
    cluster_labels: dict[str, Rect] = {}
    for obj in data.get("objects", []):
        if "bb" in obj and obj.get("name", "").startswith("cluster_"):
            bx0, by0, bx1, by1 = (float(v) for v in obj["bb"].split(","))
            (ax, ay), (bx, by) = flip(bx0, by0), flip(bx1, by1)
            clusters[obj["name"][len("cluster_"):]] = Rect(ax, by, bx - ax, ay - by)
        elif "pos" in obj and not obj["name"].startswith(SPINE):
            px, py = (float(v) for v in obj["pos"].split(","))
            w, h = float(obj["width"]) * POINTS_PER_INCH, float(obj["height"]) * POINTS_PER_INCH
            cx, cy = flip(px, py)
            rect = Rect(round(cx - w / 2, 2), round(cy - h / 2, 2), round(w, 2), round(h, 2))
            if obj["name"].startswith("header__"):
                cluster_labels[obj["name"][len("header__"):]] = rect
            else:
                nodes[obj["name"]] = rect
    edges: dict[str, EdgeGeometry] = {}
    by_id = {edge.id: edge for edge in spec.edges}
    for edge in data.get("edges", []):
        if "id" not in edge:
            continue  # invisible helper edges
        controls = [tuple(p) for p in next(op["points"] for op in edge["_draw_"]
                                            if op["op"] == "b")]
        if edge.get("dir") == "back":
            controls.reverse()
            head_ops = edge.get("_tdraw_", [])
        else:
            head_ops = edge.get("_hdraw_", [])
        head = next(op["points"] for op in head_ops if op["op"] in ("P", "p"))
        lx, ly = (float(v) for v in edge["lp"].split(","))
        cx, cy = flip(lx, ly)
        wanted = by_id[edge["id"]]
        label = Rect(round(cx - wanted.label_w / 2, 2), round(cy - wanted.label_h / 2, 2),
                     wanted.label_w, wanted.label_h)
        edges[edge["id"]] = EdgeGeometry(tuple(flip(*p) for p in controls),
                                         tuple(flip(*p) for p in head), label)
    layout = GraphLayout(round(x1 - x0, 2), round(height, 2), nodes, clusters, cluster_labels,
                         edges, spec.direction)
    check_cluster_order(spec, layout)
    return layout
