"""``python -m inkproof`` runs the CLI."""

from inkproof.cli import main

main()
