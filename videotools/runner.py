"""The old home of :func:`process`, kept until ``videotools/__init__`` names :mod:`videotools.runs` for it.

A run (its options, and the call that carries it out) lives in :mod:`videotools.runs`;
the loop alone in :mod:`videotools.pipeline`.
"""

from .runs import process

__all__ = ["process"]
