"""Bidirectional text: embedding levels from GNU FriBidi, and visual order of runs.

Arabic and Hebrew labels hold code spans, numbers and product names written left to right.
HarfBuzz shapes one direction at a time, so a line is cut into runs of one embedding level
(Unicode Bidirectional Algorithm, computed by FriBidi, the implementation GTK and Pango
use), each run is shaped in its own direction, and runs are then laid out in visual order.
FriBidi is reached through ctypes: python-bidi only returns reordered strings, and
shaping needs the logical runs.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Sequence

from inkproof.errors import InkproofError

# fribidi-types.h / fribidi-bidi-types.h
_MASK_RTL, _MASK_STRONG, _MASK_NEUTRAL, _MASK_LETTER = 0x01, 0x10, 0x40, 0x100
PAR_LTR = _MASK_STRONG | _MASK_LETTER
PAR_RTL = _MASK_STRONG | _MASK_LETTER | _MASK_RTL


class BidiMissing(InkproofError):
    """libfribidi is not installed."""


@functools.cache
def _library() -> ctypes.CDLL:
    name = ctypes.util.find_library("fribidi") or "libfribidi.so.0"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        raise BidiMissing("GNU FriBidi is not installed — install the Debian package "
                          "libfribidi0 (`make setup` does)") from None
    lib.fribidi_get_bidi_types.argtypes = [ctypes.POINTER(ctypes.c_uint32), ctypes.c_int,
                                           ctypes.POINTER(ctypes.c_uint32)]
    lib.fribidi_get_bracket_types.argtypes = [ctypes.POINTER(ctypes.c_uint32), ctypes.c_int,
                                              ctypes.POINTER(ctypes.c_uint32),
                                              ctypes.POINTER(ctypes.c_uint32)]
    lib.fribidi_get_par_embedding_levels_ex.argtypes = [
        ctypes.POINTER(ctypes.c_uint32), ctypes.POINTER(ctypes.c_uint32), ctypes.c_int,
        ctypes.POINTER(ctypes.c_uint32), ctypes.POINTER(ctypes.c_int8)]
    lib.fribidi_get_par_embedding_levels_ex.restype = ctypes.c_int8
    return lib


LRI, PDI = "\u2066", "\u2069"


def levels_with_isolates(text: str, isolated: Sequence[bool], rtl: bool) -> list[int]:
    """Levels of ``text`` where each stretch of ``isolated`` characters is a left-to-right
    isolate (code spans: `/item/42` must never be split up by the text around it)."""
    marked, owners = [], []
    for index, char in enumerate(text):
        starts = isolated[index] and (index == 0 or not isolated[index - 1])
        if starts:
            marked.append(LRI)
            owners.append(None)
        marked.append(char)
        owners.append(index)
        if isolated[index] and (index == len(text) - 1 or not isolated[index + 1]):
            marked.append(PDI)
            owners.append(None)
    all_levels = levels("".join(marked), rtl)
    return [level for level, owner in zip(all_levels, owners, strict=True) if owner is not None]


def levels(text: str, rtl: bool) -> list[int]:
    """Embedding level of each character of one paragraph (odd = right to left)."""
    if not text:
        return []
    lib = _library()
    n = len(text)
    chars = (ctypes.c_uint32 * n)(*(ord(c) for c in text))
    types = (ctypes.c_uint32 * n)()
    brackets = (ctypes.c_uint32 * n)()
    result = (ctypes.c_int8 * n)()
    lib.fribidi_get_bidi_types(chars, n, types)
    lib.fribidi_get_bracket_types(chars, n, types, brackets)
    base = ctypes.c_uint32(PAR_RTL if rtl else PAR_LTR)
    if lib.fribidi_get_par_embedding_levels_ex(types, brackets, n, ctypes.byref(base),
                                               result) == 0:
        raise InkproofError(f"FriBidi could not analyse {text!r}")
    return list(result)


def visual_order(run_levels: Sequence[int]) -> list[int]:
    """Indices of runs in visual (left-to-right) order, by rule L2 of the algorithm:
    from the highest level down to the lowest odd one, reverse every sequence of runs
    at that level or above."""
    order = list(range(len(run_levels)))
    if not order:
        return order
    lowest_odd = min((lv for lv in run_levels if lv % 2), default=None)
    if lowest_odd is None:
        lowest_odd = min(run_levels) + 1
    for level in range(max(run_levels), lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if run_levels[order[i]] >= level:
                j = i
                while j < len(order) and run_levels[order[j]] >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return order
