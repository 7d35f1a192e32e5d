"""Translation: catalogs of every label, kept in step with the English spec.

``messages`` lists what a flow asks translators for; ``catalog`` reads, writes and merges
gettext PO files (through Babel); ``guard`` checks that a translation kept what must not
change; ``translator`` gives the renderer each label in a language, English where a
translation is missing, stale or invalid — and reports it.
"""
