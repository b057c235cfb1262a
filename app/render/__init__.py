"""Renderers: one per surface, each turning an :class:`Evaluation` into words or data."""
