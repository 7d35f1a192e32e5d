"""Plain geometry shared by the drawing stages: rectangles, points and Bézier sampling."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Point = tuple[float, float]


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def center(self) -> Point:
        return (self.x + self.w / 2, self.y + self.h / 2)

    def inflate(self, by: float) -> Rect:
        return Rect(self.x - by, self.y - by, self.w + 2 * by, self.h + 2 * by)

    def moved(self, dx: float, dy: float) -> Rect:
        return Rect(self.x + dx, self.y + dy, self.w, self.h)

    def intersects(self, other: Rect) -> bool:
        return (self.x < other.right and other.x < self.right and self.y < other.bottom
                and other.y < self.bottom)

    def contains(self, other: Rect) -> bool:
        return (self.x <= other.x and self.y <= other.y and other.right <= self.right
                and other.bottom <= self.bottom)

    def contains_point(self, point: Point) -> bool:
        return self.x <= point[0] <= self.right and self.y <= point[1] <= self.bottom

    def rounded(self) -> tuple[float, float, float, float]:
        return (round(self.x, 1), round(self.y, 1), round(self.w, 1), round(self.h, 1))

    @staticmethod
    def around(points: Iterable[Point]) -> Rect:
        xs, ys = zip(*points, strict=True)
        return Rect(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))


def cubic_points(controls: Sequence[Point], steps: int = 12) -> list[Point]:
    """Sample a chain of cubic Béziers (Graphviz's 1 + 3n control points) as a polyline."""
    points = [controls[0]]
    for i in range(0, len(controls) - 3, 3):
        p0, p1, p2, p3 = controls[i:i + 4]
        for step in range(1, steps + 1):
            t = step / steps
            u = 1 - t
            points.append((
                u * u * u * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t ** 3 * p3[0],
                u * u * u * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t ** 3 * p3[1],
            ))
    return points


def segment_hits_rect(a: Point, b: Point, rect: Rect) -> bool:
    """Whether the segment a–b passes through the rectangle (Liang–Barsky clipping)."""
    if (max(a[0], b[0]) < rect.x or min(a[0], b[0]) > rect.right
            or max(a[1], b[1]) < rect.y or min(a[1], b[1]) > rect.bottom):
        return False  # the cheap answer for almost every segment
    dx, dy = b[0] - a[0], b[1] - a[1]
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, a[0] - rect.x), (dx, rect.right - a[0]), (-dy, a[1] - rect.y),
                 (dy, rect.bottom - a[1])):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def polyline_hits_rect(points: Sequence[Point], rect: Rect, bounds: Rect | None = None) -> bool:
    """Whether a polyline passes through the rectangle; ``bounds`` (its bbox) speeds it up."""
    if bounds is not None and not bounds.intersects(rect.inflate(0.01)):
        return False
    return any(segment_hits_rect(points[i], points[i + 1], rect) for i in range(len(points) - 1))


def segments_cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    """Whether the segments a–b and c–d cross (touching at an end counts)."""
    def side(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    d1, d2 = side(c, d, a), side(c, d, b)
    d3, d4 = side(a, b, c), side(a, b, d)
    return ((d1 > 0) != (d2 > 0) or d1 == 0 or d2 == 0) and \
        ((d3 > 0) != (d4 > 0) or d3 == 0 or d4 == 0) and \
        max(min(a[0], b[0]), min(c[0], d[0])) <= min(max(a[0], b[0]), max(c[0], d[0])) and \
        max(min(a[1], b[1]), min(c[1], d[1])) <= min(max(a[1], b[1]), max(c[1], d[1]))


def polyline_crosses_segment(points: Sequence[Point], a: Point, b: Point,
                             bounds: Rect | None = None) -> bool:
    """Whether a polyline crosses the segment a–b; ``bounds`` (its bbox) speeds it up."""
    if bounds is not None and not bounds.inflate(0.01).intersects(Rect.around((a, b))
                                                                  .inflate(0.01)):
        return False
    return any(segments_cross(points[i], points[i + 1], a, b) for i in range(len(points) - 1))


def straddles(rect: Rect, region: Rect) -> bool:
    """Whether ``rect`` lies partly inside ``region`` and partly outside it (crosses its
    border): a note half in one lane and half in the next."""
    return rect.intersects(region) and not region.contains(rect)
