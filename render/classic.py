"""The "classic" export: the same flow drawn by mingrammer/diagrams with neutral icons.

For docs sites that want a conventional diagram. diagrams gives every node a random id and
writes files into the working folder; here ids come from the spec (``nodeid=``), nothing
touches the disk, and image references are inlined, so the output is deterministic and
self-contained. Icons are generic/on-prem ones only: no cloud-vendor logos. Graphviz's ids
(``graph0``, ``node3``) get the picture's prefix, so the SVG can be inlined beside others.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from inkproof.labels import Label
from inkproof.model import Flow
from inkproof.render.svg import prefix_ids
from inkproof.render.theme import WHITEBOARD

#: Classic diagrams keep the light look (their icons are drawn for a white page).
_THEME = WHITEBOARD


def _icon_class(icon: str) -> type:
    """The diagrams node class for an icon name; icons (and a user's own SVG icons) without
    a close generic class get a plain process box, so a new icon never needs an entry here."""
    from diagrams.generic.compute import Rack
    from diagrams.generic.database import SQL
    from diagrams.generic.device import Mobile, Tablet
    from diagrams.generic.network import Firewall, Switch
    from diagrams.generic.storage import Storage
    from diagrams.onprem.client import Client, User, Users
    from diagrams.onprem.compute import Server
    from diagrams.programming.flowchart import (
        Action,
        Database,
        Document,
        MultipleDocuments,
        StoredData,
    )

    mapping: dict[str, type] = {
        "web-window": Client, "server-rack": Rack, "memory-stack": StoredData,
        "message-queue": MultipleDocuments, "gear": Server, "bot": Server, "database": SQL,
        "replica": Database, "chart-pulse": Tablet, "logs": MultipleDocuments,
        "cloud": Storage, "person": User, "users": Users, "mobile": Mobile,
        "firewall": Firewall, "network": Switch, "server": Server, "file": Document,
        "object-storage": Storage,
    }
    return mapping.get(str(icon), Action)


def build(flow: Flow, translate: Callable[[str, Label], Label] | None = None) -> object:
    """The diagrams ``Diagram`` of a flow (not rendered)."""
    from diagrams import Cluster, Diagram, Edge, setcluster, setdiagram

    tr = translate or (lambda _context, label: label)
    diagram = Diagram(tr("flow.title", flow.title).text, show=False, direction="LR",
                      curvestyle="curved",
                      outformat="png", filename=f"inkproof-{flow.id}",
                      graph_attr={"fontsize": "20", "pad": "0.4", "bgcolor": "white"})
    setdiagram(diagram)
    try:
        nodes = {}
        for lane in [*flow.lanes, None]:
            boxes = [b for b in flow.boxes if b.lane == (lane.id if lane else None)]
            if not boxes:
                continue
            cluster = Cluster(tr(f"lane.{lane.id}.title", lane.title).text) if lane else None
            if cluster is not None:
                cluster.__enter__()
            for box in boxes:
                label = tr(f"box.{box.id}.name", box.name).text
                nodes[box.id] = _icon_class(box.icon)(label, nodeid=box.id)
            if cluster is not None:
                cluster.__exit__(None, None, None)
        setcluster(None)
        for arrow in flow.arrows:
            colour = _THEME.arrow_colour(arrow.path)
            dashed = _THEME.arrow_dash(arrow.path, arrow.optional) is not None
            numbers = ",".join(str(n) for n in flow.legend_numbers(arrow.id))
            label = tr(f"arrow.{arrow.id}.label", arrow.label).text
            edge = Edge(label=f"{numbers}. {label}" if numbers else label, color=colour,
                        fontcolor=colour, style="dashed" if dashed else "solid")
            nodes[arrow.source] >> edge >> nodes[arrow.target]
    finally:
        setdiagram(None)
    return diagram


def render(flow: Flow, formats: Sequence[str],
           translate: Callable[[str, Label], Label] | None = None, *,
           ids: str) -> dict[str, bytes]:
    """PNG and/or SVG of the flow; ``ids`` (see :func:`~inkproof.render.svg.id_prefix`)
    starts every id of the SVG."""
    diagram = build(flow, translate)
    dot = diagram.dot  # type: ignore[attr-defined]
    files: dict[str, bytes] = {}
    if "png" in formats:
        files["png"] = dot.pipe(format="png", quiet=True)
    if "svg" in formats:
        files["svg"] = prefix_ids(_inline_images(dot.pipe(format="svg", quiet=True)), ids)
    return files


def _inline_images(svg: bytes) -> bytes:
    """Replace icon file paths by data: URIs so the SVG works wherever it is published."""

    def embed(match: re.Match[bytes]) -> bytes:
        path = Path(match.group(2).decode())
        data = base64.b64encode(path.read_bytes()).decode()
        return match.group(1) + f"data:image/png;base64,{data}".encode() + match.group(3)

    return re.sub(rb'(xlink:href=")([^"]+\.png)(")', embed, svg)
