"""A user's own icon: a small SVG file beside the spec, sanitized and turned into primitives.

The file is untrusted input that ends up inside published pictures, so it is read with a
size limit (:func:`~inkproof.reading.read_bounded`: no FIFOs, no devices, no huge files)
and checked against an allow-list before anything is drawn: only plain shape elements
(``svg g path rect circle ellipse line polyline polygon``, plus ``title``/``desc``) with
geometric attributes and transforms. Scripts, ``foreignObject``, images, ``use``/``href``,
event handlers, ``url(...)`` references, DOCTYPEs and entities (billion laughs, XXE) are
refused with a message naming the file, the line and what was refused. Nothing of the file
is copied into the output: its shapes become the same unit-square primitives as the built-in
icons (:mod:`~inkproof.render.icons`) and are sketched like them, so a user icon can carry
no markup, no link and no colour of its own. Same file, same primitives: the result depends
on the file's bytes only.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from fontTools.misc.transform import Identity, Transform
from fontTools.pens.basePen import BasePen
from fontTools.svgLib.path import parse_path
from fontTools.svgLib.path.shapes import PathBuilder

from inkproof.checks import MAX_ICON_BYTES
from inkproof.errors import Problem, SpecError
from inkproof.reading import read_bounded
from inkproof.render.icons import Geometry, Prim, names

#: Limits that keep a hostile file cheap to refuse and a legitimate one cheap to draw.
MAX_BYTES = MAX_ICON_BYTES  # one limit: what check accepts, render draws
MAX_ELEMENTS = 300
MAX_COMMANDS = 2_000  # path commands over the whole file
MAX_PRIMITIVES = 120
_CURVE_STEPS = 8

SVG_NS = "http://www.w3.org/2000/svg"
_SHAPES = frozenset({"path", "rect", "circle", "ellipse", "line", "polyline", "polygon"})
_CONTAINERS = frozenset({"svg", "g"})
_TEXT_ONLY = frozenset({"title", "desc"})  # allowed, their text is ignored
_GEOMETRY = frozenset({"d", "x", "y", "width", "height", "rx", "ry", "cx", "cy", "r", "x1",
                       "y1", "x2", "y2", "points", "transform", "viewBox", "version", "id",
                       "class", "fill", "fill-rule", "clip-rule", "fill-opacity", "stroke",
                       "stroke-width", "stroke-linecap", "stroke-linejoin", "stroke-opacity",
                       "stroke-miterlimit", "opacity", "preserveAspectRatio", "style"})
_LENGTHS = frozenset({"width", "height", "r", "rx", "ry", "x", "y", "cx", "cy", "x1", "y1",
                      "x2", "y2"})
_REQUIRED = {"rect": ("width", "height"), "circle": ("r",), "ellipse": ("rx", "ry")}
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_UNITS = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(px)?\s*$")
_TRANSFORM = re.compile(r"\s*(matrix|translate|scale|rotate|skewX|skewY)\s*\(([^)]*)\)\s*,?")
_COMMAND = re.compile(r"[MmLlHhVvCcSsQqTtAaZz]")


class _Refused(Exception):
    """One reason to refuse the file: what, and a snippet to find its line by."""

    def __init__(self, message: str, near: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message, self.near, self.hint = message, near, hint


def is_user_icon(name: str) -> bool:
    """Whether a box's icon names a file (``icons/upload.svg``) rather than a built-in."""
    return name not in names() and name.lower().endswith(".svg")


def resolve(icon_names: Iterable[str], assets_dir: Path | None) -> dict[str, Geometry]:
    """The geometry of every user icon among ``icon_names``, read from ``assets_dir``.

    Built-in names are skipped (the sketch stage looks them up itself). Every file is read
    and checked before any drawing starts, so a bad icon stops the render with nothing
    written; all bad icons are reported together.
    """
    found: dict[str, Geometry] = {}
    problems: list[Problem] = []
    for name in sorted(set(icon_names)):
        if not is_user_icon(name):
            continue
        try:
            found[name] = load(_locate(name, assets_dir))
        except SpecError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SpecError(problems)
    return found


def _locate(name: str, assets_dir: Path | None) -> Path:
    """The file a relative icon path names, refusing paths that leave the spec's folder."""
    if assets_dir is None:
        raise SpecError([Problem(name, 1, 1, "a user icon is read from the spec's folder, and "
                                 "this flow was not loaded from a file",
                                 "render the spec file, or use a built-in icon")])
    relative = PurePosixPath(name)
    root = assets_dir.resolve()
    target = (root / relative).resolve()
    if relative.is_absolute() or not target.is_relative_to(root):
        raise SpecError([Problem(name, 1, 1, "a user icon must be a relative path inside the "
                                 "spec's folder", "put the .svg file beside the spec")])
    return target


def load(path: Path) -> Geometry:
    """The primitives of the SVG file at ``path``; SpecError naming the file otherwise."""
    data = read_bounded(path, MAX_BYTES, "icon file", "keep a user icon small and simple")
    try:
        return parse(data)
    except _Refused as exc:
        raise SpecError([Problem(str(path), _line_of(data, exc.near), 1,
                                 f"icon refused: {exc.message}",
                                 exc.hint or "use only plain shapes (path, rect, circle, "
                                 "ellipse, line, polyline, polygon) in svg and g")]) from None


def parse(data: bytes) -> Geometry:
    """Sanitize SVG bytes and convert their shapes into unit-square primitives."""
    text = _decode(data)
    _refuse_declarations(text)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise _Refused(f"not well-formed XML ({exc})") from None
    if _local(root.tag) != "svg":
        raise _Refused(f"the root element is <{_local(root.tag)}>, not <svg>",
                       f"<{_local(root.tag)}", "the file must be an SVG document")
    count = sum(1 for _ in root.iter())
    if count > MAX_ELEMENTS:
        raise _Refused(f"it has {count:,} elements; the limit is {MAX_ELEMENTS:,}")
    commands = sum(len(_COMMAND.findall(el.get("d", ""))) for el in root.iter())
    if commands > MAX_COMMANDS:
        raise _Refused(f"its paths have {commands:,} commands; the limit is {MAX_COMMANDS:,}",
                       "d=", "simplify the drawing")
    for element in root.iter():
        _check(element)
    outlines = list(_outlines(root, Identity, filled=True))
    if not outlines:
        raise _Refused("it draws nothing (no shapes)", None, "draw at least one shape")
    return _normalize(outlines, _view_box(root))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _Refused("it is not UTF-8 text", None, "save the SVG as UTF-8") from None


def _refuse_declarations(text: str) -> None:
    """Refuse DOCTYPE, ENTITY and other markup declarations, and processing instructions
    other than the XML declaration, before any parser sees them: entities are how billion
    laughs and external-entity (XXE) attacks get in."""
    for match in re.finditer(r"<!(?!--)([A-Za-z\[]+)", text):
        word = match.group(1).upper()
        what = ("an entity declaration" if word == "ENTITY" else
                "a DOCTYPE" if word == "DOCTYPE" else "a CDATA section" if word.startswith("[")
                else f"a <!{match.group(1)}> declaration")
        raise _Refused(f"it contains {what}", match.group(0),
                       "remove the DOCTYPE and any entities; an icon needs neither")
    for match in re.finditer(r"<\?([A-Za-z0-9_:-]*)", text):
        if match.group(1).lower() != "xml" or match.start() != text.find("<?"):
            raise _Refused(f"it contains a processing instruction <?{match.group(1)}>",
                           match.group(0))


def _local(tag: str) -> str:
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def _check(element: ET.Element) -> None:
    """Refuse an element or attribute outside the allow-list, naming it."""
    tag = element.tag
    if tag.startswith("{") and not tag.startswith("{" + SVG_NS + "}"):
        raise _Refused(f"element <{_local(tag)}> is not an SVG element", f"{_local(tag)}")
    local = _local(tag)
    if local not in _SHAPES | _CONTAINERS | _TEXT_ONLY:
        raise _Refused(f"element <{local}> is not allowed", f"<{local}")
    if local in _TEXT_ONLY:
        if len(element):
            raise _Refused(f"<{local}> may hold text only", f"<{local}")
        return
    for key, value in element.attrib.items():
        name = _local(key)
        if key.startswith("{") or name.lower() in ("href", "src"):
            raise _Refused(f"attribute {name!r} on <{local}> is an external reference",
                           name)
        if name.lower().startswith("on"):
            raise _Refused(f"event handler {name!r} on <{local}> is not allowed", name)
        if name not in _GEOMETRY:
            raise _Refused(f"attribute {name!r} on <{local}> is not allowed", name)
        lowered = value.lower()
        if "url(" in lowered or "javascript:" in lowered or "@import" in lowered \
                or "expression(" in lowered:
            raise _Refused(f"attribute {name!r} on <{local}> refers to something outside the "
                           "icon (url(), script or import)", value[:40])
    if (element.text or "").strip():
        raise _Refused(f"<{local}> holds text; text is not drawn in an icon", f"<{local}")


def _number(element: ET.Element, name: str, default: float | None = None) -> float:
    raw = element.get(name)
    if raw is None:
        if default is None:
            raise _Refused(f"<{_local(element.tag)}> needs {name!r}", f"<{_local(element.tag)}")
        return default
    match = _UNITS.match(raw)
    if not match or not math.isfinite(float(match.group(1))):
        raise _Refused(f"{name}={raw!r} on <{_local(element.tag)}> is not a number in user "
                       "units", name)
    return float(match.group(1))


def _transform(element: ET.Element) -> Transform:
    raw = element.get("transform")
    if not raw:
        return Identity
    result, position = Identity, 0
    for match in _TRANSFORM.finditer(raw):
        if match.start() != position:
            break
        position = match.end()
        args = [float(n) for n in _NUMBER.findall(match.group(2))]
        result = result.transform(_one_transform(match.group(1), args, raw))
    if raw[position:].strip():
        raise _Refused(f"transform {raw!r} is not understood", "transform")
    return result


def _one_transform(kind: str, args: list[float], raw: str) -> Transform:
    counts = {"matrix": (6,), "translate": (1, 2), "scale": (1, 2), "rotate": (1, 3),
              "skewX": (1,), "skewY": (1,)}
    if len(args) not in counts[kind]:
        raise _Refused(f"transform {raw!r}: {kind} takes {' or '.join(map(str, counts[kind]))} "
                       "numbers", "transform")
    if kind == "matrix":
        return Transform(*args)
    if kind == "translate":
        return Identity.translate(args[0], args[1] if len(args) > 1 else 0.0)
    if kind == "scale":
        return Identity.scale(args[0], args[1] if len(args) > 1 else args[0])
    if kind == "rotate":
        angle = math.radians(args[0])
        if len(args) == 3:
            return Identity.translate(args[1], args[2]).rotate(angle).translate(-args[1],
                                                                                 -args[2])
        return Identity.rotate(angle)
    return Identity.skew(math.radians(args[0]), 0) if kind == "skewX" else \
        Identity.skew(0, math.radians(args[0]))


class _Flatten(BasePen):
    """A pen that turns path segments into point lists (curves sampled evenly)."""

    def __init__(self) -> None:
        super().__init__(None)
        self.runs: list[tuple[list[tuple[float, float]], bool]] = []
        self._current: list[tuple[float, float]] = []

    def _moveTo(self, pt: tuple[float, float]) -> None:
        self.flush(False)
        self._current = [pt]

    def _lineTo(self, pt: tuple[float, float]) -> None:
        self._current.append(pt)

    def _curveToOne(self, p1: tuple[float, float], p2: tuple[float, float],
                    p3: tuple[float, float]) -> None:
        p0 = self._current[-1] if self._current else p1
        for i in range(1, _CURVE_STEPS + 1):
            t = i / _CURVE_STEPS
            u = 1 - t
            self._current.append(
                (u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                 u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1]))

    def _qCurveToOne(self, p1: tuple[float, float], p2: tuple[float, float]
                     ) -> None:
        p0 = self._current[-1] if self._current else p1
        for i in range(1, _CURVE_STEPS + 1):
            t = i / _CURVE_STEPS
            u = 1 - t
            self._current.append((u * u * p0[0] + 2 * u * t * p1[0] + t * t * p2[0],
                                  u * u * p0[1] + 2 * u * t * p1[1] + t * t * p2[1]))

    def _closePath(self) -> None:
        self.flush(True)

    def _endPath(self) -> None:
        self.flush(False)

    def flush(self, closed: bool = False) -> None:
        if len(self._current) >= 2:
            self.runs.append((self._current, closed))
        self._current = []


_Outline = tuple[list[tuple[float, float]], bool, bool]  # points, closed, filled


def _outlines(element: ET.Element, inherited: Transform, filled: bool) -> Iterable[_Outline]:
    """Every shape's point runs in the root's user space (transforms applied)."""
    local = _local(element.tag)
    if local in _TEXT_ONLY:
        return
    matrix = inherited.transform(_transform(element)) if local != "svg" else inherited
    fill = element.get("fill")
    filled = filled if fill is None else fill.strip().lower() not in ("none", "transparent")
    if local in _CONTAINERS:
        for child in element:
            yield from _outlines(child, matrix, filled)
        return
    builder = PathBuilder()
    plain = ET.Element(local, {k: v for k, v in element.attrib.items() if k != "transform"})
    for name in _REQUIRED.get(local, ()):
        _number(element, name)  # refuse a shape without its size, naming what is missing
    for name in _LENGTHS & set(plain.attrib):
        plain.set(name, repr(_number(element, name)))
    builder.add_path_from_element(plain)
    pen = _Flatten()
    for d in builder.paths:
        try:
            parse_path(d, pen)
        except (ValueError, IndexError, ZeroDivisionError) as exc:
            raise _Refused(f"<{local}> has path data that cannot be read ({exc})", "d=") \
                from None
        pen.flush()  # an unterminated last subpath
    open_shape = local in ("line", "polyline")
    for points, closed in pen.runs:
        shut = (closed or local in ("circle", "ellipse")) and not open_shape
        yield ([matrix.transformPoint(p) for p in points], shut, filled and not open_shape)


def _view_box(root: ET.Element) -> tuple[float, float, float, float] | None:
    raw = root.get("viewBox")
    if raw is not None:
        values = [float(n) for n in _NUMBER.findall(raw)]
        if len(values) != 4 or values[2] <= 0 or values[3] <= 0:
            raise _Refused(f"viewBox {raw!r} is not four numbers with a positive size",
                           "viewBox")
        return values[0], values[1], values[2], values[3]
    if root.get("width") is not None and root.get("height") is not None:
        width, height = _number(root, "width"), _number(root, "height")
        if width > 0 and height > 0:
            return 0.0, 0.0, width, height
    return None


def _normalize(outlines: list[_Outline],
               view: tuple[float, float, float, float] | None) -> Geometry:
    """Fit the drawing into the unit square (aspect kept, centred): the viewBox if there is
    one, else the shapes' own bounds; points outside it are clamped to the square."""
    if view is None:
        xs = [x for points, _, _ in outlines for x, _ in points]
        ys = [y for points, _, _ in outlines for _, y in points]
        view = (min(xs), min(ys), max(max(xs) - min(xs), 1e-9), max(max(ys) - min(ys), 1e-9))
    x0, y0, w, h = view
    scale = 1 / max(w, h)
    dx, dy = (1 - w * scale) / 2, (1 - h * scale) / 2

    def unit(point: tuple[float, float]) -> tuple[float, float]:
        x = min(1.0, max(0.0, dx + (point[0] - x0) * scale))
        y = min(1.0, max(0.0, dy + (point[1] - y0) * scale))
        return (round(x, 3), round(y, 3))

    prims: list[Prim] = []
    for points, closed, filled in outlines:
        pts = _dedupe(unit(p) for p in points)
        if closed and len(pts) > 1 and pts[0] == pts[-1]:
            pts = pts[:-1]
        if len(pts) < 2:
            continue
        if closed and len(pts) >= 3:
            prims.append(Prim("polygon", points=tuple(pts), filled=filled))
        else:
            prims.append(Prim("polyline" if len(pts) > 2 else "line", points=tuple(pts)))
    if not prims:
        raise _Refused("it draws nothing visible at icon size", None, "draw larger shapes")
    if len(prims) > MAX_PRIMITIVES:
        raise _Refused(f"it has {len(prims):,} separate shapes; the limit is "
                       f"{MAX_PRIMITIVES:,}", None, "merge or simplify shapes")
    return tuple(prims)


def _dedupe(points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for point in points:
        if not out or out[-1] != point:
            out.append(point)
    return out


def _line_of(data: bytes, near: str | None) -> int:
    """The line of the first occurrence of ``near`` in the file (1 when unknown)."""
    if not near:
        return 1
    index = data.find(near.encode("utf-8", "replace"))
    return data.count(b"\n", 0, index) + 1 if index >= 0 else 1
