"""The status page's server on its own: what a browser and a monitor's check get."""

import http.client
import json

from videotools.watch.server import StatusServer


def test_head_gives_the_get_headers_without_a_body_and_unknown_paths_are_404(tmp_path):
    cams = [{"name": "north", "state": "up", "fps": 12.5, "frames": 40, "dropped": 0}]
    server = StatusServer("127.0.0.1", 0, lambda: cams, tmp_path)
    try:
        answers = {}
        for method, path in (("GET", "/status.json"), ("HEAD", "/status.json"), ("HEAD", "/"),
                             ("GET", "/cam/south/latest.jpg"), ("GET", "/cam/north/plate.png")):
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            conn.request(method, path)
            r = conn.getresponse()
            answers[method, path] = (r.status, r.getheader("Content-Type"), int(r.getheader("Content-Length")),
                                     r.read())
            conn.close()
    finally:
        server.close()
    status, kind, _, body = answers["GET", "/status.json"]
    assert (status, kind) == (200, "application/json") and json.loads(body)["cameras"] == cams
    head = answers["HEAD", "/status.json"]
    assert head[:2] == (200, "application/json") and head[2] > 0 and head[3] == b""
    assert answers["HEAD", "/"][0] == 200 and answers["HEAD", "/"][2] > 0 and answers["HEAD", "/"][3] == b""
    assert answers["GET", "/cam/south/latest.jpg"][0] == 404  # no such camera
    assert answers["GET", "/cam/north/plate.png"][0] == 404  # no plate yet
