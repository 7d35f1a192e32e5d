"""Mirror a composed scene for right-to-left languages (a pure geometric transform).

Arabic and Hebrew readers scan from the right: mirrored, the title and legend start at the
right edge, lanes run Extract → Load from right to left, icons sit at the right of their
box text and badges precede their label. Text itself is not mirrored: each block keeps its
shaped glyphs and is re-anchored to its mirrored place. ``style.rtl: keep`` turns it off.
"""

from __future__ import annotations

from inkproof.render.scene import Scene
from inkproof.render.transform import Mirror, transform


def mirror(scene: Scene) -> Scene:
    """The scene mirrored about its vertical centre line; mirroring twice gives it back."""
    return transform(scene, Mirror(scene.width))
