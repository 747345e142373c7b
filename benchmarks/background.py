"""Background model quality and speed beside MOG2, a temporal median and a numpy EMA.

Prints JSON.
Quality, on synthetic:traffic (which knows its true background): mean absolute
error in grey levels of each model against the truth, averaged over the frames
after warm-up (t >= 1/alpha) and at the end, for plain and selective update;
beside OpenCV's ``createBackgroundSubtractorMOG2().getBackgroundImage()`` and
the temporal median of the whole clip. Scenes: the default one and a crowded
one with queues at lights. On a clip file (``--clip``, default the bundled
sample), the slow model's MAE against the clip's temporal median.
Speed: frames per second of ``update`` for alphas (0.1, 0.01) at
480p/720p/1080p (processing only), beside MOG2 and a numpy-only EMA.

    python benchmarks/background.py [--frames 600] [--runs 3] [--clip FILE]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from common import emit, median_time, result  # noqa: E402

import videotools as vt  # noqa: E402

SIZES = {"480p": (854, 480), "720p": (1280, 720), "1080p": (1920, 1080)}


def mae(a, b) -> float:
    return float(np.abs(a.astype(np.float64) - b).mean())


def scene_quality(rows, label: str, scene: vt.SyntheticTraffic, frames: int) -> None:
    alphas = (0.1, 0.01)
    plain, sel = vt.BackgroundModel(alphas), vt.BackgroundModel(alphas, selective=True)
    mog = cv2.createBackgroundSubtractorMOG2(detectShadows=False)
    errs = {(kind, a): [] for kind in ("plain", "selective") for a in alphas}
    keep = []  # frames for the temporal median (subsampled to bound memory)
    for t in range(frames):
        f = scene.frame(t)
        plain.update(f)
        sel.update(f)
        mog.apply(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
        if t % 4 == 0:
            keep.append(f)
        truth = scene.background(t)
        for i, a in enumerate(alphas):
            if t >= 1 / a:
                errs[("plain", a)].append(mae(plain.background(i), truth))
                errs[("selective", a)].append(mae(sel.background(i), truth))
    truth = scene.background(frames - 1)
    median = np.median(np.stack(keep), axis=0)
    mog_bg = cv2.cvtColor(mog.getBackgroundImage(), cv2.COLOR_BGR2RGB)
    for (kind, a), e in errs.items():
        i = alphas.index(a)
        final = mae((plain if kind == "plain" else sel).background(i), truth)
        rows.append(result(f"{label} {kind} alpha={a}", "mae_after_warmup", float(np.mean(e)),
                           baseline="MOG2 background (end)", baseline_value=mae(mog_bg, truth),
                           final=round(final, 3), runs=len(e)))
    rows.append(result(f"{label} temporal median", "mae_end", mae(median, truth)))
    rows.append(result(f"{label} MOG2", "mae_end", mae(mog_bg, truth)))


def clip_agreement(rows, clip: Path) -> None:
    model = vt.BackgroundModel((0.1, 0.01))
    sel = vt.BackgroundModel((0.1, 0.01), selective=True)
    mog = cv2.createBackgroundSubtractorMOG2(detectShadows=False)
    keep = []
    with vt.open_source(clip) as src:
        for i, f in enumerate(src):
            model.update(f)
            sel.update(f)
            mog.apply(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
            if i % 2 == 0:
                keep.append(cv2.resize(f, (min(f.shape[1], 640), min(f.shape[0], 360))) if f.shape[1] > 640 else f)
    median = np.median(np.stack(keep), axis=0)
    size = (median.shape[1], median.shape[0])

    def fit(img):
        return cv2.resize(img, size) if (img.shape[1], img.shape[0]) != size else img

    mog_bg = cv2.cvtColor(mog.getBackgroundImage(), cv2.COLOR_BGR2RGB)
    rows.append(result(f"{clip.name} slow model vs temporal median", "mae", mae(fit(model.background()), median),
                       baseline="MOG2 vs temporal median", baseline_value=mae(fit(mog_bg), median)))
    rows.append(result(f"{clip.name} selective slow model vs temporal median", "mae",
                       mae(fit(sel.background()), median)))


def speed(rows, runs: int, n: int = 60) -> None:
    for name, size in SIZES.items():
        scene = vt.SyntheticTraffic(size=size, noise=2)
        frames = [scene.frame(t) for t in range(0, 8)]

        def ours():
            m = vt.BackgroundModel((0.1, 0.01))
            for t in range(n):
                m.update(frames[t % 8])

        def ours_selective():
            m = vt.BackgroundModel((0.1, 0.01), selective=True, warmup=False)
            for t in range(n):
                m.update(frames[t % 8])

        def mog2():
            m = cv2.createBackgroundSubtractorMOG2(detectShadows=False)
            for t in range(n):
                m.apply(frames[t % 8])

        def numpy_ema():
            accs = [frames[0].astype(np.float32) for _ in range(2)]
            for t in range(n):
                f = frames[t % 8].astype(np.float32)
                for acc, a in zip(accs, (0.1, 0.01)):
                    acc *= 1 - a
                    acc += a * f

        t_ours = median_time(ours, runs)
        rows.append(result(f"{name} update, 2 alphas", "fps", n / t_ours, baseline="MOG2 apply",
                           baseline_value=n / median_time(mog2, runs), higher_is_better=True, runs=runs))
        rows.append(result(f"{name} update, 2 alphas", "fps", n / t_ours, baseline="numpy EMA, 2 alphas",
                           baseline_value=n / median_time(numpy_ema, runs), higher_is_better=True, runs=runs))
        rows.append(result(f"{name} selective update, 2 alphas", "fps", n / median_time(ours_selective, runs),
                           runs=runs))
        print(f"{name}: {n / t_ours:.0f} fps", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=750, help="frames of each synthetic scene (25 fps)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--clip", type=Path, default=ROOT / "samples" / "traffic.mp4")
    args = ap.parse_args()
    rows: list[dict] = []
    scene_quality(rows, "default scene 640x360", vt.SyntheticTraffic(size=(640, 360), seed=0), args.frames)
    scene_quality(rows, "crowded scene with queues", vt.SyntheticTraffic(size=(640, 360), seed=2, density=0.5),
                  args.frames)
    clip_agreement(rows, args.clip)
    speed(rows, args.runs)
    emit("background", rows, note="mae in grey levels (0..255), mean over RGB; fps ratio = ours / baseline")


if __name__ == "__main__":
    main()
