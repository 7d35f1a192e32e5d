"""Run Graphviz ``dot`` on measured sizes and read back geometry (plain data, y down).

Every node, cluster label and edge label is passed with the exact size we measured
(fixed-size nodes, fixed-size HTML tables), so Graphviz reserves room for the real text.
This module knows nothing about flows: it is the :class:`~inkproof.render.layout.LayoutEngine`
in use, laying out a :class:`~inkproof.render.layout.GraphSpec`. Each cluster's header is a
*node* rather than a Graphviz cluster label: dot routes edges around nodes but happily
through cluster labels, and a top rank shared by all headers makes every cluster a
full-height column.
"""

from __future__ import annotations

import itertools
import json
import shutil

import graphviz

from inkproof.errors import InkproofError
from inkproof.render.geometry import Point, Rect
from inkproof.render.layout import EdgeGeometry, GraphLayout, GraphSpec, NodeSpec

POINTS_PER_INCH = 72.0  # Graphviz sizes are inches, coordinates points; we use 1 pt = 1 px


class GraphvizMissing(InkproofError):
    """The ``dot`` program is not installed."""


class DotEngine:
    """The layout engine: Graphviz ``dot`` (ranks top to bottom, spline edges)."""

    def layout(self, spec: GraphSpec) -> GraphLayout:
        return run_dot(spec)


def _table(w: float, h: float) -> str:
    return (f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="0" '
            f'fixedsize="true" width="{round(w)}" height="{round(h)}"><tr><td></td></tr></table>>')


def _inches(px: float) -> str:
    return f"{px / POINTS_PER_INCH:.4f}"


def to_dot(spec: GraphSpec) -> graphviz.Digraph:
    graph = graphviz.Digraph(graph_attr={
        "rankdir": "TB", "newrank": "true", "splines": "spline", "pad": "0", "margin": "0",
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
    for left, right in itertools.pairwise(headers):
        # Flat edges order their rank left to right: clusters keep the spec's lane order.
        graph.edge(left.id, right.id, style="invis")
    for header in headers:  # keep headers above the first row without labelled edges
        first = [n for n in spec.nodes if n.cluster == header.cluster]
        if first:
            top = min(first, key=lambda n: n.rank)
            graph.edge(header.id, top.id, style="invis", weight="0")
    # rank=same only groups a row; arrows order the rows they touch. A row no arrow
    # touches could float up into the header row, so hang it below the headers.
    touched = {edge.source for edge in spec.edges} | {edge.target for edge in spec.edges}
    loose = {n.rank for n in spec.nodes} - {n.rank for n in spec.nodes if n.id in touched}
    for node in spec.nodes:
        if node.rank in loose:
            top = _header_id(node.cluster) if node.cluster is not None else anchor
            graph.edge(top, node.id, style="invis", weight="0", minlen=str(node.rank + 1))
    rank_of = {node.id: node.rank for node in spec.nodes}
    for edge in spec.edges:
        # dot lays back edges out badly when several share two nodes (labels overlap), so
        # every edge is given top-down and drawn reversed when it really points up.
        upward = rank_of[edge.source] > rank_of[edge.target]
        tail, head = (edge.target, edge.source) if upward else (edge.source, edge.target)
        graph.edge(tail, head, label=_table(edge.label_w, edge.label_h), id=edge.id,
                   dir="back" if upward else "forward")
    return graph


def _header_id(cluster_id: str) -> str:
    return f"header__{cluster_id}"


def _node(graph: graphviz.Digraph, node: NodeSpec) -> None:
    graph.node(node.id, label="", shape="box", fixedsize="true", width=_inches(node.w),
               height=_inches(node.h))


def run_dot(spec: GraphSpec) -> GraphLayout:
    """Lay the graph out with ``dot`` and return its geometry with y growing downwards."""
    if shutil.which("dot") is None:
        raise GraphvizMissing("Graphviz's `dot` program is not installed — install the Debian "
                              "package graphviz (`make setup` does)")
    data = json.loads(to_dot(spec).pipe(format="json", engine="dot", quiet=True))
    x0, y0, x1, y1 = (float(v) for v in data["bb"].split(","))
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
        elif "pos" in obj:
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
    return GraphLayout(round(x1 - x0, 2), round(height, 2), nodes, clusters, cluster_labels,
                       edges)
