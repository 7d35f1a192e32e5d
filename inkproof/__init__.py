"""inkproof: technical infographics that are beautiful, translated and true.

The public API is small on purpose: load a spec into the immutable Flow model, and catch
SpecError for anything the user got wrong.
"""

from inkproof.errors import InkproofError, Problem, SpecError
from inkproof.loader import load_flow, parse_flow
from inkproof.model import Flow

__version__ = "0.1.0"
__all__ = ["Flow", "InkproofError", "Problem", "SpecError", "__version__", "load_flow",
           "parse_flow"]
