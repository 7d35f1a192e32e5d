"""Verification stages (installed as ``inkproof.runtime``): Flow model → system → observation →
matching → report."""
