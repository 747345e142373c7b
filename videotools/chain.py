"""Parse a processing chain: ``"resize:width=640 | background:alpha=0.01 | posterize:k=6"``.

Syntax
------
Steps are separated by ``|`` and run left to right. Each step is a name,
optionally followed by ``:`` and ``key=value`` pairs separated by ``,``.
Repeat a key to give a list (``background:alpha=0.1,alpha=0.01``).

Steps
-----
``posterize``   k=8, space=rgb|lab, seed=0, refit=never|every:N|scene, fit_frames=5, palette=FILE
``background``  alpha=0.1,alpha=0.01 (default both), view=background|side-by-side|mask|foreground,
                model=plate|average (what the view shows and masks compare with: the clean plate
                that keeps queues and standing people out, the default and the same plate as the
                background command; or the slowest running average),
                selective=false, warmup=true, threshold=25, shadows=false (masks leave shadows out)
``resize``      width=, height=, scale=
``grey``        (no options)
``blur``        sigma=2
``flip``        axis=h|v
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .errors import ParameterError
from .kmeans import Palette
from .processors import Background, Blur, Flip, Grey, Posterize, Resize
from .protocols import Processor


def _bool(v: str) -> bool:
    s = v.lower()
    if s in ("1", "true", "yes", "on"):
        return True
    if s in ("0", "false", "no", "off"):
        return False
    raise ValueError(v)


def load_palette(value: str, *, k: int = 8, seed: int = 0, space: str | None = None) -> Palette:
    """A palette from a saved JSON file, or fitted on an image file (``--palette-from``)."""
    from pathlib import Path

    from .sources.images import is_image_path, read_image

    p = Path(value)
    if not p.exists():
        raise ParameterError(f"palette {value}: no such palette file", param="palette")
    if is_image_path(p):
        return Palette.fit(read_image(p), k, seed=seed, space=space or "rgb")
    pal = Palette.load(p)
    if space and space != pal.space:
        pal = Palette(pal.colors, space=space)
    return pal


def _posterize(**kw: Any) -> Posterize:
    pal = kw.pop("palette", None)
    if pal is not None:
        kw["palette"] = load_palette(pal, k=kw.get("k", 8), seed=kw.get("seed", 0), space=kw.get("space"))
    return Posterize(**kw)


def _background(alpha: list[float] | None = None, **kw: Any) -> Background:
    return Background(tuple(alpha) if alpha else (0.1, 0.01), **kw)


# name -> (factory, {parameter: converter})
STEPS: dict[str, tuple[Callable[..., Processor], dict[str, Callable[[str], Any]]]] = {
    "posterize": (_posterize, {"k": int, "space": str, "seed": int, "refit": str, "fit_frames": int,
                               "palette": str, "sample": int}),
    "background": (_background, {"alpha": float, "view": str, "selective": _bool, "warmup": _bool,
                                 "threshold": float, "model": str, "shadows": _bool}),
    "resize": (Resize, {"width": int, "height": int, "scale": float}),
    "grey": (Grey, {}),
    "gray": (Grey, {}),
    "blur": (Blur, {"sigma": float}),
    "flip": (Flip, {"axis": str}),
}
LISTS = {("background", "alpha")}
# bounds of whole-number parameters, whatever the step (processors check the rest, naming the parameter)
LIMITS: dict[str, tuple[int, int | None]] = {"seed": (0, 2**32 - 1), "fit_frames": (1, None), "sample": (1, None),
                                             "width": (1, 16384), "height": (1, 16384), "k": (1, 256)}
EXPECTED = {int: "a whole number", float: "a finite number", _bool: "true or false"}


def _check_value(step: str, key: str, raw: str, value: Any, converter: Callable[[str], Any]) -> None:
    """Reject what a converter lets through but no step wants: NaN, infinities, out-of-range whole numbers."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ParameterError(f"bad value for {step} {key}: {raw!r} (expected a finite number)", param="chain")
    if isinstance(value, int) and not isinstance(value, bool) and key in LIMITS:
        lo, hi = LIMITS[key]
        if value < lo or (hi is not None and value > hi):
            span = f"{lo}..{hi}" if hi is not None else f">= {lo}"
            raise ParameterError(f"bad value for {step} {key}: {raw!r} (expected a whole number {span})",
                                 param="chain")


def parse_chain(text: str) -> list[Processor]:
    """Build the processors a chain string names.

    Raises
    ------
    ParameterError
        Naming the step or parameter that is unknown or has a bad value.

    Examples
    --------
    >>> [type(p).__name__ for p in parse_chain("resize:width=320 | posterize:k=4")]
    ['Resize', 'Posterize']
    """
    steps: list[Processor] = []
    if not text or not text.strip():
        return steps
    for raw in text.split("|"):
        part = raw.strip()
        if not part:
            raise ParameterError(f"empty step in chain {text!r}", param="chain")
        name, _, args = part.partition(":")
        name = name.strip().lower()
        if name not in STEPS:
            raise ParameterError(f"unknown chain step {name!r}; known: {', '.join(sorted(STEPS))}", param="chain")
        factory, params = STEPS[name]
        kw: dict[str, Any] = {}
        for item in filter(None, (a.strip() for a in args.split(","))) if args else []:
            key, eq, value = item.partition("=")
            key = key.strip().replace("-", "_")
            if not eq or key not in params:
                known = ", ".join(params) or "none"
                raise ParameterError(f"bad parameter {item!r} for {name}; known: {known}", param="chain")
            try:
                v = params[key](value.strip())
            except ValueError as err:
                expected = EXPECTED.get(params[key])
                raise ParameterError(f"bad value for {name} {key}: {value.strip()!r}"
                                     + (f" (expected {expected})" if expected else "")) from err
            _check_value(name, key, value.strip(), v, params[key])
            if (name, key) in LISTS:
                if v in kw.get(key, []):
                    raise ParameterError(f"{name} {key}={value.strip()} given twice", param="chain")
                kw.setdefault(key, []).append(v)
            elif key in kw:
                raise ParameterError(f"{name} {key} given twice", param="chain")
            else:
                kw[key] = v
        try:
            steps.append(factory(**kw))
        except ParameterError as err:
            text = str(err)
            raise ParameterError(text if text.startswith(name) else f"{name}: {text}", param="chain") from None
    return steps
