"""The reference system: an ordinary cache-aside service that verification runs against.

It does not know it is being verified. Its settings (TTL, key pattern, invalidation
strategy) live in :class:`~inkproof.runtime.reference.config.SystemConfig`, never in the
spec, so a spec that claims another TTL than the system uses fails verification.
"""
