"""Rendering of the opinion PDF."""
