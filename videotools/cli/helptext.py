"""How ``--help`` reads: commands in the order a user meets them, each with an example, plain metavars.

Help is printed by click's plain formatter (typer's rich markup would swallow
``[batch]`` and any other text in brackets), option values are shown as
``--out OUT``, flags without a metavar.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The order a user meets the commands in, and one example of each.
COMMANDS: dict[str, str] = {
    "demo": "videotools demo",
    "run": "videotools run clip.mp4 --chain 'resize:width=640' --out small.mp4",
    "info": "videotools info clip.mp4",
    "posterize": "videotools posterize clip.mp4 -k 8 --out poster.mp4",
    "background": "videotools background clip.mp4 --save-dir plates/",
    "live": "videotools live",
    "palette": "videotools palette photo.jpg -k 5",
    "segment": "videotools segment photo.jpg -k 4 --out view.png",
    "group": "videotools group photos/ --out grouped/",
    "batch": "videotools batch footage/ --do background --out-dir bg/",
    "watch": "videotools watch rtsp://10.0.0.7/sub --out-dir cams/ --serve 8080",
    "chains": "videotools chains",
    "cameras": "videotools cameras",
}


def ordered(names: list[str]) -> list[str]:
    """``names`` in the order of :data:`COMMANDS`, any other command after them."""
    rank = {n: i for i, n in enumerate(COMMANDS)}
    return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))


def plain_metavars(commands: Mapping[str, Any]) -> None:
    """Give each option that takes a value its name as metavar (``--max-frames MAX_FRAMES``), flags none."""
    for cmd in commands.values():
        for p in getattr(cmd, "params", []):
            if p.metavar is not None or getattr(p, "is_flag", False):
                continue
            name = (p.name or "value").upper()
            p.metavar = name
            if getattr(p, "param_type_name", "") == "argument":
                p.display_type_rich = lambda ctx: None  # the name says it: no "<str>" beside it


def format_commands(commands: list[tuple[str, Any]], formatter: Any) -> None:
    """The ``Commands`` section: each command's one-line help and, beneath it, an example."""
    if not commands:
        return
    width = max(len(name) for name, _ in commands) + 2
    limit = max(formatter.width - width - 4, 30)
    with formatter.section("Commands"):
        for name, cmd in commands:
            formatter.write(f"{'':{formatter.current_indent}}{name:<{width}}{cmd.get_short_help_str(limit)}\n")
            if name in COMMANDS:
                formatter.write(f"{'':{formatter.current_indent}}{'':<{width}}  {COMMANDS[name]}\n")
