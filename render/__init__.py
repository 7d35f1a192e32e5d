"""Drawing stages (installed as ``inkproof.render``): Flow model → layout → sketch → SVG → PNG."""
