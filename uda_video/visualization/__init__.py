"""Visualizers (registered in VISUALIZERS)."""
