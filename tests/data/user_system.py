"""A "user's own system" for ``--system``: the reference service deployed with other
settings. Verification must judge it by what it does, not by what the spec says."""

from inkproof.runtime.reference.config import SystemConfig
from inkproof.runtime.reference.system import build_with

ten_minute_ttl = build_with(SystemConfig(ttl=600))
faithful = build_with()
not_a_factory = 42
