"""Still-image tools: palette and segment on a 12-megapixel photo, group on 200 1-megapixel images.

Prints JSON: wall time of the whole command (subprocess, image read included) and
of the library call alone, medians over runs; for group, the adjusted Rand index
reached on a generated set whose right grouping is known (bases x variants:
crops, flips, brightness, rescales). Targets: palette and segment < 2 s,
group of 200 < 30 s.

    python benchmarks/stills.py [--runs 3] [--images 200]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from common import emit, median_time, result  # noqa: E402

import videotools as vt  # noqa: E402
from videotools.sources.synthetic import synthetic_photo_set  # noqa: E402
from videotools.stills import adjusted_rand_index, dominant_colors, group_images, segment  # noqa: E402


def cli(*args: str) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "videotools", *args], check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--images", type=int, default=200)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        photo = cv2.resize(vt.read_image(ROOT / "samples" / "coffee.png"), (4000, 3000), interpolation=cv2.INTER_CUBIC)
        big = tmp / "12mp.jpg"
        vt.write_image(big, photo)
        for k in (5, 8):
            rows.append(result(f"palette 12 MP k={k}", "seconds",
                               median_time(lambda k=k: dominant_colors(photo, k), args.runs),
                               runs=args.runs, scope="library call"))
            rows.append(result(f"palette 12 MP k={k}", "seconds", median_time(
                lambda k=k: cli("palette", str(big), "-k", str(k), "--json"), args.runs, warmup=0),
                runs=args.runs, scope="whole command, JPEG read included", target=2.0))
        for feats in ("rgb", "lab", "rgbxy"):
            out = tmp / "seg.png"
            rows.append(result(f"segment 12 MP k=4 {feats}", "seconds",
                               median_time(lambda feats=feats: segment(photo, 4, features=feats), args.runs),
                               runs=args.runs, scope="library call"))
            rows.append(result(f"segment 12 MP k=4 {feats}", "seconds", median_time(
                lambda feats=feats, out=out: cli("segment", str(big), "-k", "4", "--features", feats, "--out",
                                                 str(out), "--overwrite", "-q"),
                args.runs, warmup=0), runs=args.runs, scope="whole command, JPEG read and PNG write included",
                target=2.0))
        folder = tmp / "photos"
        folder.mkdir()
        variants = 10
        truth = {}
        photos = synthetic_photo_set(args.images // variants, variants, size=(1200, 900), seed=1)
        for i, (base, img) in enumerate(photos):
            name = f"img{i:03d}.jpg"
            vt.write_image(folder / name, img)
            truth[name] = base
        t = time.perf_counter()
        res = group_images([str(p) for p in sorted(folder.iterdir())], "auto", max_k=25)
        t_lib = time.perf_counter() - t
        found = {os.path.basename(f): g for f, g in zip(res.files, res.groups)}
        names = sorted(truth)
        ari = adjusted_rand_index([truth[n] for n in names], [found[n] for n in names])
        rows.append(result(f"group {len(names)} images ~1 MP, k=auto", "seconds", t_lib, scope="library call",
                           ari=round(ari, 3), k_found=res.k, k_true=len(set(truth.values())),
                           curve=[[k, round(s, 3)] for k, s in res.curve]))
        t_cli = cli("group", str(folder), "--out", str(tmp / "grouped"), "--max-k", "25", "-q")
        rows.append(result(f"group {len(names)} images ~1 MP, k=auto", "seconds", t_cli,
                           scope="whole command, copies included", target=30.0))
        got = {os.path.basename(r["file"]): r["group"] for r in csv.DictReader(open(tmp / "grouped" / "groups.csv"))}
        rows.append(result(f"group {len(names)} images ~1 MP, k=auto", "adjusted_rand_index",
                           adjusted_rand_index([truth[n] for n in names], [got[n] for n in names])))
    emit("stills", rows)


if __name__ == "__main__":
    main()
