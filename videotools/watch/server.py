"""The watch page: a tile per camera (latest frame, plate, fps, state, dropped frames) and ``/status.json``.

A small threaded HTTP server: the page and its once-a-second status poll are
a handful of requests a second, and pictures are read from the cameras'
folders (``latest.jpg``, ``plate.png``), so the same server shows cameras
that run in this process or on a cluster's workers.
"""

from __future__ import annotations

import html
import json
import threading
import time
from collections.abc import Callable
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import SinkError

REQUEST_TIMEOUT = 10.0
"""Seconds a connection may take to send its request."""
FIELDS = ("state", "fps", "frames", "dropped", "restarts", "segments", "error")

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>videotools watch</title>
<style>
body {{ background: #111; color: #ddd; font: 14px sans-serif; margin: 12px; }}
.grid {{ display: flex; flex-wrap: wrap; gap: 12px; }}
.tile {{ background: #222; padding: 8px; border-radius: 6px; width: 340px; }}
.tile img {{ width: 160px; height: 90px; object-fit: contain; background: #000; }}
.state-up {{ color: #6d6; }} .state-starting {{ color: #ec5; }}
.state-down, .state-lost, .state-failed {{ color: #e55; }}
.error {{ color: #e99; font-size: 12px; }}
</style></head>
<body><h1>videotools watch: {count} cameras</h1><div class="grid">
{tiles}
</div>
<script>
async function refresh() {{
  try {{
    const r = await fetch("status.json", {{cache: "no-store"}});
    const s = await r.json();
    for (const c of s.cameras) {{
      const tile = document.getElementById("cam-" + c.name);
      if (!tile) continue;
      for (const k of {fields}) {{
        const el = tile.querySelector('[data-field="' + k + '"]');
        if (el) el.textContent = c[k] === null || c[k] === undefined ? "" : String(c[k]);
      }}
      tile.querySelector('[data-field="state"]').className = "state-" + c.state;
      for (const img of tile.querySelectorAll("img")) img.src = img.dataset.src + "?t=" + Date.now();
    }}
    document.getElementById("updated").textContent = new Date(s.time * 1000).toISOString();
  }} catch (e) {{}}
}}
setInterval(refresh, 1000);
refresh();
</script>
<p>updated <span id="updated"></span></p></body></html>
"""

TILE = """<div class="tile" id="cam-{name}"><b>{name}</b>
<span data-field="state" class="state-{state}">{state}</span><br>
<img alt="latest" data-src="cam/{name}/latest.jpg" src="cam/{name}/latest.jpg">
<img alt="plate" data-src="cam/{name}/plate.png" src="cam/{name}/plate.png"><br>
fps <span data-field="fps">{fps}</span> | frames <span data-field="frames">{frames}</span> |
dropped <span data-field="dropped">{dropped}</span> | restarts <span data-field="restarts">{restarts}</span> |
segments <span data-field="segments">{segments}</span>
<div class="error" data-field="error">{error}</div></div>"""


def page(cameras: list[dict[str, Any]]) -> str:
    """The page's HTML with the cameras' current figures in it (the script then keeps them fresh)."""
    tiles = []
    for c in cameras:
        values = {k: html.escape(str(c.get(k) if c.get(k) is not None else "")) for k in FIELDS}
        tiles.append(TILE.format(name=html.escape(c["name"]), **values))
    return PAGE.format(count=len(cameras), tiles="\n".join(tiles), fields=json.dumps(list(FIELDS)))


class StatusServer:
    """Serve the watch page on ``host:port`` (port 0: any free port) until :meth:`close`.

    Parameters
    ----------
    statuses : callable
        Returns the cameras' status dicts (``name``, ``state``, ``fps``...).
    out_dir : path
        Where the cameras' folders are (for their pictures).

    Raises
    ------
    SinkError
        The address cannot be bound (in use, not this machine's).
    """

    def __init__(self, host: str, port: int, statuses: Callable[[], list[dict[str, Any]]],
                 out_dir: str | Path) -> None:
        self.statuses, self.out_dir = statuses, Path(out_dir)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            timeout = REQUEST_TIMEOUT
            server_version = "videotools"

            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                outer._answer(self)

            def do_HEAD(self) -> None:  # noqa: N802 - a monitor's check: the GET's headers, no body
                outer._answer(self, head=True)

            def log_message(self, *args: Any) -> None:  # quiet: no line per request on stderr
                pass

        try:
            self.httpd = ThreadingHTTPServer((host, port), Handler)
        except OSError as err:
            raise SinkError(f"serve {host}:{port}: cannot serve there ({err.strerror or err})", param="serve") from None
        self.httpd.daemon_threads = True
        self.host, self.port = host, int(self.httpd.server_address[1])
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        daemon=True, name="videotools-watch-server")
        self._thread.start()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def _answer(self, req: BaseHTTPRequestHandler, *, head: bool = False) -> None:
        path = urlsplit(req.path).path
        cams = self.statuses()
        send = partial(_send, head=head)
        if path in ("/", "/index.html"):
            return send(req, 200, "text/html; charset=utf-8", page(cams).encode())
        if path == "/status.json":
            body = json.dumps({"time": time.time(), "cameras": cams}).encode()
            return send(req, 200, "application/json", body)
        parts = path.strip("/").split("/")
        names = {c["name"] for c in cams}
        if len(parts) == 3 and parts[0] == "cam" and parts[1] in names and parts[2] in ("latest.jpg", "plate.png"):
            try:
                data = (self.out_dir / parts[1] / parts[2]).read_bytes()
            except OSError:
                return send(req, 404, "text/plain", f"not yet: {path}".encode())
            return send(req, 200, "image/jpeg" if parts[2].endswith(".jpg") else "image/png", data)
        return send(req, 404, "text/plain", f"no such page: {path}".encode())

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _send(req: BaseHTTPRequestHandler, code: int, kind: str, body: bytes, *, head: bool = False) -> None:
    try:
        req.send_response(code)
        req.send_header("Content-Type", kind)
        req.send_header("Content-Length", str(len(body)))
        req.send_header("Cache-Control", "no-store")
        req.end_headers()
        if not head:
            req.wfile.write(body)
    except OSError:  # the viewer left
        pass
