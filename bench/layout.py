"""Layout benchmark: how legible is each corpus flow, next to D2's and Mermaid's layout of it.

For every flow of ``tests/corpus/flows`` and ``spec/flows`` it prints, per layout engine:

* ``cross``  pairs of arrows whose paths intersect (outside the boxes they join),
* ``thru``   (arrow, text line) pairs where an arrow runs through text that is not its own label,
* ``dist``   median distance in px from an arrow's label to its own arrow (0 = on the line),
* ``ink``    share of the picture's pixels that are not background,
* ``text``   smallest text size in px once the picture is fitted into 1024×1024.

inkproof is measured from its layout report (every element's box, arrows as polylines) and
its PNG. The peers are laid out from the same boxes, lanes (as containers / subgraphs) and
arrows with labels: D2 through its WebAssembly package (``@terrastruct/d2``, geometry from the
compiled diagram), Mermaid through ``@mermaid-js/mermaid-cli`` with Debian's chromium
(geometry from its SVG). They are looked up in ``$INKPROOF_PEERS``, ``bench/peers`` or
``/tmp/peers`` (a folder with ``node_modules``); install them with::

    mkdir -p bench/peers && cd bench/peers && PUPPETEER_SKIP_DOWNLOAD=1 \\
      npm install @terrastruct/d2 @mermaid-js/mermaid-cli

A peer that cannot run is reported as ``n/a (why)``; the benchmark always exits 0.

    .venv/bin/python bench/layout.py              # table of every flow
    .venv/bin/python bench/layout.py --sheet out/contact.png --pictures /tmp/corpus
    .venv/bin/python bench/layout.py --no-peers --json out/layout.json
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus" / "flows"
SEEDS = ROOT / "spec" / "flows"
FIT = 1024  # pictures are compared as if fitted into a FIT×FIT page
CHROMIUM = Path("/usr/bin/chromium")

Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # x, y, w, h


@dataclass
class Measures:
    """One engine's layout of one flow (``note`` says why it is missing or what it lacks)."""

    crossings: int | None = None
    through_text: int | None = None
    label_distance: float | None = None
    ink: float | None = None
    min_text: float | None = None
    note: str = ""

    def cells(self) -> list[str]:
        if self.crossings is None:
            return [(self.note or "n/a").split(":")[0][:30], "", "", "", ""]
        return [str(self.crossings), str(self.through_text),
                f"{self.label_distance:.0f}" if self.label_distance is not None else "-",
                f"{self.ink:.0%}" if self.ink is not None else "-",
                f"{self.min_text:.1f}" if self.min_text is not None else "-"]


@dataclass
class Row:
    flow: str
    boxes: int
    arrows: int
    lanes: int
    engines: dict[str, Measures] = field(default_factory=dict)


# ---- geometry ------------------------------------------------------------------------------


def _segments(points: Sequence[Point]) -> list[tuple[Point, Point]]:
    return list(itertools.pairwise(points))


def _cross(a: Point, b: Point, c: Point, d: Point) -> Point | None:
    """Where segment ab meets segment cd (None if they do not)."""
    r = (b[0] - a[0], b[1] - a[1])
    s = (d[0] - c[0], d[1] - c[1])
    den = r[0] * s[1] - r[1] * s[0]
    if abs(den) < 1e-9:
        return None
    t = ((c[0] - a[0]) * s[1] - (c[1] - a[1]) * s[0]) / den
    u = ((c[0] - a[0]) * r[1] - (c[1] - a[1]) * r[0]) / den
    if 0 <= t <= 1 and 0 <= u <= 1:
        return (a[0] + t * r[0], a[1] + t * r[1])
    return None


def _inside(p: Point, rect: Rect, pad: float = 0.0) -> bool:
    x, y, w, h = rect
    return x - pad <= p[0] <= x + w + pad and y - pad <= p[1] <= y + h + pad


def polylines_cross(a: Sequence[Point], b: Sequence[Point], boxes: Iterable[Rect]) -> bool:
    """True when two arrow paths intersect somewhere that is not inside (or at) a box.

    Arrows that leave or reach the same box meet at its border; that is not a crossing.
    """
    rects = list(boxes)
    for p, q in _segments(a):
        for r, s in _segments(b):
            hit = _cross(p, q, r, s)
            if hit is not None and not any(_inside(hit, box, 4.0) for box in rects):
                return True
    return False


def crossings(paths: Sequence[Sequence[Point]], boxes: Sequence[Rect]) -> int:
    return sum(polylines_cross(paths[i], paths[j], boxes)
               for i in range(len(paths)) for j in range(i + 1, len(paths)))


def _segment_hits_rect(p: Point, q: Point, rect: Rect) -> bool:
    if _inside(p, rect) or _inside(q, rect):
        return True
    x, y, w, h = rect
    corners = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
    return any(_cross(p, q, corners[i], corners[(i + 1) % 4]) for i in range(4))


def path_through_rect(path: Sequence[Point], rect: Rect) -> bool:
    return any(_segment_hits_rect(p, q, rect) for p, q in _segments(path))


def _point_segment(p: Point, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy)
                                             / length))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def rect_to_path(rect: Rect, path: Sequence[Point]) -> float:
    """Distance from a label's box to a path (0 when the path touches the box)."""
    if path_through_rect(path, rect):
        return 0.0
    x, y, w, h = rect
    corners = [(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x + w / 2, y + h / 2)]
    best = min(_point_segment(c, a, b) for c in corners for a, b in _segments(path))
    edges = _segments([*corners[:4], corners[0]])
    best = min(best, *(_point_segment(p, a, b) for p in path for a, b in edges))
    return best


def cubic_chain(points: Sequence[Point], steps: int = 8) -> list[Point]:
    """Sample a chain of cubic Béziers p0 c1 c2 p1 … (the renderer's own sampler)."""
    from inkproof.render.geometry import cubic_points

    return [(float(x), float(y)) for x, y in cubic_points(points, steps)]


def svg_path_points(d: str) -> list[Point]:
    """Polyline of an SVG path made of absolute M, L and C commands (what Mermaid writes)."""
    out: list[Point] = []
    for command, args in re.findall(r"([MLC])([^MLCZz]*)", d):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", args)]
        pairs = list(zip(numbers[::2], numbers[1::2], strict=False))
        if command == "C" and out:
            for i in range(0, len(pairs) - 2, 3):
                out += cubic_chain([out[-1], *pairs[i:i + 3]])[1:]
        else:
            out += pairs
    return out


def ink_coverage(png: bytes) -> float:
    """Share of pixels that differ visibly from the background (the corner colour)."""
    from PIL import Image, ImageChops

    image = Image.open(io.BytesIO(png)).convert("RGB")
    background = Image.new("RGB", image.size, image.getpixel((0, 0)))
    diff = ImageChops.difference(image, background).convert("L").point(
        lambda v: 255 if v > 24 else 0)
    histogram = diff.histogram()
    return histogram[255] / (image.width * image.height)


def _svg_png(svg: bytes | str, width: float, height: float) -> bytes:
    import resvg_py

    text = svg if isinstance(svg, str) else svg.decode()
    scale = min(FIT / width, FIT / height)
    return bytes(resvg_py.svg_to_bytes(svg_string=text, width=max(1, round(width * scale)),
                                       height=max(1, round(height * scale)),
                                       background="white"))


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


# ---- inkproof ------------------------------------------------------------------------------


def measure_report(report: dict[str, Any], png: bytes | None) -> Measures:
    """The five measures of one inkproof layout report (and its PNG for ink)."""
    elements = report["elements"]
    boxes = [tuple(e["bbox"]) for e in elements if e["kind"] == "box"]
    arrows = {e["owner"]: [tuple(p) for p in e["points"]]
              for e in elements if e["kind"] == "arrow" and e.get("points")}
    texts = [e for e in elements if e["kind"] == "text"]
    paths = list(arrows.values())
    through = sum(path_through_rect(path, tuple(t["bbox"]))
                  for owner, path in arrows.items() for t in texts if t["owner"] != owner)
    distances = []
    for owner, path in arrows.items():
        own = [tuple(t["bbox"]) for t in texts if t["owner"] == owner
               and not t["id"].startswith(f"{owner}.badge")]
        if own:
            distances.append(min(rect_to_path(r, path) for r in own))
    width, height = report["canvas"]
    sizes = [t["size"] for t in texts if t.get("size")]
    scale = min(FIT / width, FIT / height)
    return Measures(crossings(paths, boxes), through, _median(distances),
                    ink_coverage(png) if png else None,
                    min(sizes) * scale if sizes else None)


def measure_inkproof(spec: Path, lang: str = "en") -> tuple[Measures, Any]:
    """Render in-process; a refused layout is reported with the checker's first finding."""
    try:
        from inkproof import load_flow
        from inkproof.i18n.catalog import translator_for
        from inkproof.render import pipeline
    except Exception as exc:  # the renderer itself cannot be imported: say so, go on
        return Measures(note=f"n/a (import: {type(exc).__name__})"), None
    flow = load_flow(spec)
    translate = translator_for(spec, flow, lang) if lang != "en" else None
    try:
        result = pipeline.render_flow(flow, pipeline.RenderOptions(
            lang=lang, formats=("png",), translate=translate))
    except pipeline.IllegibleLayout as exc:
        return Measures(note=f"refused: {len(exc.findings)} findings, first: "
                             f"{exc.findings[0]}"), flow
    except Exception as exc:  # any refusal is a result here, not a crash
        first = str(exc).splitlines()[0]
        return Measures(note="refused: " + first[:200]), flow
    return measure_report(result.report, result.files.get("png")), flow


# ---- the peers' input ----------------------------------------------------------------------


def _plain(text: str) -> str:
    """A label as plain text (code spans lose their backticks; quotes dropped)."""
    return text.replace("`", "").replace('"', "'")


def _graph(flow: Any) -> tuple[list[tuple[str, str, str | None]], list[tuple[str, str, str]],
                                list[tuple[str, str]]]:
    """(box id, name, lane), (from, to, label), (lane id, title) in plain text."""
    def show(label: Any) -> str:
        return _plain(label.text if hasattr(label, "text") else str(label))

    boxes = [(b.id, show(b.name), b.lane) for b in flow.boxes]
    arrows = [(a.source, a.target, show(a.label)) for a in flow.arrows]
    lanes = [(lane.id, show(lane.title)) for lane in flow.lanes]
    return boxes, arrows, lanes


@dataclass(frozen=True)
class Syntax:
    """How one peer's text format writes lanes, boxes and arrows (``where`` = box id in it)."""

    header: str
    lane_open: str
    lane_close: str
    box: str
    arrow: str
    nested: bool  # boxes inside a lane are addressed as lane.box


D2_SYNTAX = Syntax("direction: right", '{lane}: "{title}" {{', "}}", '{box}: "{name}"',
                   '{a} -> {b}: "{label}"', nested=True)
MERMAID_SYNTAX = Syntax("flowchart LR", '  subgraph lane_{lane}["{title}"]', "  end",
                        '  {box}["{name}"]', '  {a} -->|"{label}"| {b}', nested=False)


def to_text(flow: Any, syntax: Syntax) -> str:
    """The flow's boxes, lanes and arrows in a peer's own diagram language."""
    boxes, arrows, lanes = _graph(flow)
    where = {box: f"{lane}.{box}" if lane and syntax.nested else box for box, _, lane in boxes}
    lines = [syntax.header]
    for lane, title in lanes:
        lines.append(syntax.lane_open.format(lane=lane, title=title))
        lines += ["  " + syntax.box.format(box=box, name=name)
                  for box, name, in_lane in boxes if in_lane == lane]
        lines.append(syntax.lane_close.format())
    lines += [syntax.box.format(box=box, name=name) for box, name, lane in boxes if not lane]
    lines += [syntax.arrow.format(a=where[a], b=where[b], label=label) for a, b, label in arrows]
    return "\n".join(lines) + "\n"


def peers_dir() -> Path | None:
    for candidate in (os.environ.get("INKPROOF_PEERS"), ROOT / "bench" / "peers", "/tmp/peers"):
        if candidate and (Path(candidate) / "node_modules").is_dir():
            return Path(candidate)
    return None


_D2_SCRIPT = """
import { D2 } from '@terrastruct/d2';
import fs from 'node:fs';
const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const d2 = new D2();
const out = {};
for (const [id, text] of Object.entries(jobs)) {
  try {
    const r = await d2.compile(text);
    const svg = await d2.render(r.diagram, r.renderOptions);
    out[id] = {diagram: r.diagram, svg};
  } catch (e) { out[id] = {error: String(e).slice(0, 200)}; }
}
fs.writeFileSync(process.argv[3], JSON.stringify(out));
process.exit(0);
"""


def run_d2(graphs: dict[str, str], peers: Path | None) -> dict[str, Measures]:
    if peers is None or not (peers / "node_modules" / "@terrastruct" / "d2").is_dir():
        return {k: Measures(note="n/a (@terrastruct/d2 not installed)") for k in graphs}
    if not shutil.which("node"):
        return {k: Measures(note="n/a (no node)") for k in graphs}
    with tempfile.TemporaryDirectory(dir=peers) as tmp:
        script, jobs, result = Path(tmp, "d2.mjs"), Path(tmp, "in.json"), Path(tmp, "out.json")
        script.write_text(_D2_SCRIPT)
        jobs.write_text(json.dumps(graphs))
        try:
            subprocess.run(["node", str(script), str(jobs), str(result)], cwd=peers,
                           capture_output=True, timeout=150, check=True)
            data = json.loads(result.read_text())
        except (subprocess.SubprocessError, OSError, ValueError) as exc:
            return {k: Measures(note=f"n/a (d2: {type(exc).__name__})") for k in graphs}
    return {k: _measure_d2(data.get(k, {"error": "no output"})) for k in graphs}


def _measure_d2(entry: dict[str, Any]) -> Measures:
    if "error" in entry:
        return Measures(note=f"n/a ({entry['error'][:40]})")
    diagram = entry["diagram"]
    boxes, texts = [], []
    for shape in diagram["shapes"]:
        rect = (shape["pos"]["x"], shape["pos"]["y"], shape["width"], shape["height"])
        if shape.get("level", 1) > 1 or not any(s["id"].startswith(shape["id"] + ".")
                                                for s in diagram["shapes"]):
            boxes.append(rect)
            w, h = shape["labelWidth"], shape["labelHeight"]
            texts.append(("box", (rect[0] + (rect[2] - w) / 2, rect[1] + (rect[3] - h) / 2,
                                  w, h), shape["fontSize"]))
        else:  # a container: its label sits at its top
            w, h = shape["labelWidth"], shape["labelHeight"]
            texts.append(("lane", (rect[0] + (rect[2] - w) / 2, rect[1], w, h),
                          shape["fontSize"]))
    paths, label_boxes = [], []
    for conn in diagram["connections"]:
        route = [(p["x"], p["y"]) for p in conn["route"]]
        path = cubic_chain(route) if conn.get("isCurve") and len(route) >= 4 else route
        paths.append(path)
        if conn.get("label"):
            mid = _along(path, 0.5)
            w, h = conn["labelWidth"], conn["labelHeight"]
            label_boxes.append((len(paths) - 1, (mid[0] - w / 2, mid[1] - h / 2, w, h),
                                conn["fontSize"]))
    return _peer_measures(paths, boxes, texts, label_boxes, entry["svg"])


def _along(path: Sequence[Point], share: float) -> Point:
    lengths = [math.dist(a, b) for a, b in _segments(path)]
    goal, walked = sum(lengths) * share, 0.0
    for (a, b), length in zip(_segments(path), lengths, strict=True):
        if walked + length >= goal and length > 0:
            t = (goal - walked) / length
            return (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
        walked += length
    return path[-1]


def _viewbox(svg: str) -> tuple[float, float]:
    match = re.search(r'viewBox="([-\d.e ]+)"', svg)
    if not match:
        return (FIT, FIT)
    _, _, w, h = (float(v) for v in match.group(1).split())
    return (w, h)


def _peer_measures(paths: list[list[Point]], boxes: list[Rect],
                   texts: list[tuple[str, Rect, float]],
                   labels: list[tuple[int, Rect, float]], svg: str) -> Measures:
    through = sum(path_through_rect(path, rect) for path in paths for _, rect, _ in texts)
    through += sum(path_through_rect(path, rect) for i, path in enumerate(paths)
                   for j, rect, _ in labels if j != i)
    distances = [rect_to_path(rect, paths[i]) for i, rect, _ in labels]
    width, height = _viewbox(svg)
    try:
        ink = ink_coverage(_svg_png(svg, width, height))
    except Exception:  # resvg cannot draw it: ink unknown
        ink = None
    sizes = [size for _, _, size in texts] + [size for _, _, size in labels]
    scale = min(FIT / width, FIT / height)
    return Measures(crossings(paths, boxes), through, _median(distances), ink,
                    min(sizes) * scale if sizes else None)


def run_mermaid(graphs: dict[str, str], peers: Path | None) -> dict[str, Measures]:
    mmdc = peers / "node_modules" / ".bin" / "mmdc" if peers else None
    if mmdc is None or not mmdc.exists():
        return {k: Measures(note="n/a (mermaid-cli not installed)") for k in graphs}
    if not CHROMIUM.exists():
        return {k: Measures(note="n/a (no /usr/bin/chromium)") for k in graphs}
    ids = list(graphs)
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp, "puppeteer.json")
        config.write_text(json.dumps({"executablePath": str(CHROMIUM),
                                      "args": ["--no-sandbox", "--disable-gpu"]}))
        source = Path(tmp, "all.md")
        source.write_text("".join(f"```mermaid\n{graphs[k]}```\n\n" for k in ids))
        try:
            subprocess.run([str(mmdc), "-i", str(source), "-o", str(Path(tmp, "out.md")),
                            "-p", str(config), "-q"], capture_output=True, timeout=150,
                           check=True, env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"})
        except (subprocess.SubprocessError, OSError) as exc:
            return {k: Measures(note=f"n/a (mmdc: {type(exc).__name__})") for k in graphs}
        out = {}
        for index, key in enumerate(ids, start=1):
            svg_file = Path(tmp, f"out-{index}.svg")
            out[key] = (_measure_mermaid(svg_file.read_text()) if svg_file.exists()
                        else Measures(note="n/a (no output)"))
        return out


_TRANSLATE = r'transform="translate\(([-\d.e]+),\s*([-\d.e]+)\)"'


def _measure_mermaid(svg: str) -> Measures:
    paths = [svg_path_points(d) for d in
             re.findall(r'<path d="([^"]+)"[^>]*class="[^"]*flowchart-link', svg)]
    boxes, texts = [], []
    for x, y, body in re.findall(r'<g class="node[^"]*"[^>]*' + _TRANSLATE + r'>(.*?)</g>',
                                 svg, re.S):
        rect = re.search(r'<rect[^>]*x="([-\d.e]+)" y="([-\d.e]+)" width="([\d.e]+)" '
                         r'height="([\d.e]+)"', body)
        if rect:
            rx, ry, w, h = (float(v) for v in rect.groups())
            boxes.append((float(x) + rx, float(y) + ry, w, h))
        label = re.search(r'<g class="label"[^>]*' + _TRANSLATE +
                          r'>.*?<foreignObject width="([\d.e]+)" height="([\d.e]+)"', body, re.S)
        if label:
            lx, ly, w, h = (float(v) for v in label.groups())
            texts.append(("box", (float(x) + lx, float(y) + ly, w, h), 16.0))
    labels = []
    pattern = (r'<g class="edgeLabel"[^>]*' + _TRANSLATE + r'>\s*<g class="label"[^>]*' +
               _TRANSLATE + r'>\s*<foreignObject width="([\d.e]+)" height="([\d.e]+)"')
    for index, (x, y, lx, ly, w, h) in enumerate(re.findall(pattern, svg)):
        if float(w) > 0 and index < len(paths):
            labels.append((index, (float(x) + float(lx), float(y) + float(ly), float(w),
                                   float(h)), 16.0))
    return _peer_measures(paths, boxes, texts, labels, svg)


# ---- the run -------------------------------------------------------------------------------


def flows(paths: Sequence[Path]) -> list[Path]:
    return sorted(p for folder in paths for p in
                  (sorted(folder.glob("*.yaml")) if folder.is_dir() else [folder]))


ENGINES = ("inkproof", "D2", "Mermaid")
COLUMNS = ("cross", "thru", "dist", "ink", "text")


def table(rows: Sequence[Row]) -> str:
    head = ["flow", "b/a/l"] + [f"{e}:{c}" if i == 0 else c
                                for e in ENGINES for i, c in enumerate(COLUMNS)]
    body = [[r.flow, f"{r.boxes}/{r.arrows}/{r.lanes}"] +
            [c for e in ENGINES for c in r.engines[e].cells()] for r in rows]
    body.append(["TOTAL", ""] + [c for e in ENGINES for c in _total(rows, e).cells()])
    widths = [max(len(str(line[i])) for line in [head, *body]) for i in range(len(head))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(fmt.format(*line) for line in [head, *body])


def _total(rows: Sequence[Row], engine: str) -> Measures:
    done = [r.engines[engine] for r in rows if r.engines[engine].crossings is not None]
    if not done:
        return Measures(note="n/a")
    def mean(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return statistics.mean(known) if known else None
    total = Measures(sum(m.crossings or 0 for m in done), sum(m.through_text or 0 for m in done),
                     mean([m.label_distance for m in done]), mean([m.ink for m in done]),
                     min((m.min_text for m in done if m.min_text is not None), default=None))
    total.note = f"{len(done)}/{len(rows)} laid out"
    return total


def contact_sheet(pictures: Path, out: Path, langs: Sequence[str], thumb: int = 256) -> int:
    """Tile ``pictures/<flow>/<lang>.png`` into one PNG with the flow id under each; count."""
    from PIL import Image, ImageDraw

    tiles = [(p.parent.name, lang, p) for p in sorted(pictures.glob("*/en.png"))
             for lang in langs if (p.parent / f"{lang}.png").exists()]
    tiles = [(flow, lang, p.parent / f"{lang}.png") for flow, lang, p in tiles]
    columns = len(langs) * max(1, 6 // len(langs))
    rows = max(1, math.ceil(len(tiles) / columns))
    sheet = Image.new("RGB", (columns * thumb, rows * (thumb + 16)), "white")
    draw = ImageDraw.Draw(sheet)
    for index, (flow, lang, path) in enumerate(tiles):
        image = Image.open(path).convert("RGB")
        image.thumbnail((thumb, thumb))
        x, y = (index % columns) * thumb, (index // columns) * (thumb + 16)
        sheet.paste(image, (x, y))
        draw.rectangle((x, y, x + thumb - 1, y + thumb - 1), outline=(200, 200, 200))
        draw.text((x + 4, y + thumb + 2), f"{flow} ({lang})", fill="black")
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)
    return len(tiles)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("specs", nargs="*", type=Path, default=[CORPUS, SEEDS])
    parser.add_argument("--no-peers", action="store_true", help="measure inkproof only")
    parser.add_argument("--json", type=Path, help="also write every measure as JSON")
    parser.add_argument("--sheet", type=Path, help="write a contact sheet PNG of --pictures")
    parser.add_argument("--pictures", type=Path, default=Path("/tmp/corpus"),
                        help="rendered pictures (OUT/<flow>/<lang>.png) for --sheet")
    parser.add_argument("--langs", default="en,ar,ja", help="languages on the sheet")
    args = parser.parse_args(argv)
    if args.sheet:
        count = contact_sheet(args.pictures, args.sheet, args.langs.split(","))
        print(f"contact sheet: {count} pictures -> {args.sheet}")
        return 0
    rows, d2_in, mermaid_in = [], {}, {}
    for spec in flows(args.specs):
        measures, flow = measure_inkproof(spec)
        if flow is None:
            from inkproof import load_flow

            flow = load_flow(spec)
        row = Row(flow.id, len(flow.boxes), len(flow.arrows), len(flow.lanes),
                  {"inkproof": measures})
        rows.append(row)
        d2_in[flow.id] = to_text(flow, D2_SYNTAX)
        mermaid_in[flow.id] = to_text(flow, MERMAID_SYNTAX)
    peers = None if args.no_peers else peers_dir()
    why = "n/a (--no-peers)" if args.no_peers else "n/a (no peers folder)"
    d2 = run_d2(d2_in, peers) if peers else {k: Measures(note=why) for k in d2_in}
    mermaid = run_mermaid(mermaid_in, peers) if peers else {k: Measures(note=why)
                                                            for k in mermaid_in}
    for row in rows:
        row.engines["D2"], row.engines["Mermaid"] = d2[row.flow], mermaid[row.flow]
    print("Layout benchmark (cross = arrow pairs crossing, thru = arrows through text, dist ="
          " median label-to-own-arrow px, ink = non-background share, text = smallest px when"
          f" fitted into {FIT}x{FIT}; b/a/l = boxes/arrows/lanes)")
    print(table(rows))
    for row in rows:
        for engine, measures in row.engines.items():
            if ":" in measures.note and measures.crossings is None:
                print(f"  {row.flow} ({engine}) {measures.note}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
