"""Background plates, running averages and foreground masks beside OpenCV's MOG2 and KNN. Prints JSON.

Quality, on ``synthetic:traffic`` scenes that know their true background and
their true object masks, several seeds each:

* ``queues``: cars stopping at lights (half the lanes red 7 s of every 20 s);
* ``dense queues``: the same, bumper to bumper;
* ``crowd``: people beside the road, each standing still for 5-25 s a minute;
* ``lighting``: a strong lighting drift (+-15 % over a minute) and more noise.

Plates: mean absolute error (grey levels, mean over RGB) against the true
background at the last frame (``mae_end``) and over the clip after the first
10 s (``mae_mean``), for the plate, both running averages plain and selective
(the slow one, alpha 0.01; the fast one, 0.1), MOG2's and KNN's
``getBackgroundImage()``, and the temporal median of the whole clip (offline,
every 2nd frame). Masks: F-measure against the true object masks over every
5th frame after 4 s, for masks measured against the plate, the selective slow
average, and MOG2's and KNN's own (shadows, marked 127 by them, not counted).
Shadows: a scene whose cars cast shadows, masks with and without ``shadows=True``.

On the bundled clip (``--clip``, samples/traffic.mp4: the synthetic scene with
seed 7, 20 s: one cycle of the lights, H.264 crf 18), the same plates against the clip's temporal median, and
against the synthetic truth it was made from.

Speed at 1080p (interleaved runs, medians): ``BackgroundModel(plate=True)``
update plus a mask every frame, beside MOG2 and KNN ``apply``; and the default
``videotools background`` command on a 30 fps 1080p H.264 file, end to end
(decode included), in frames per second.

Real footage (``--media``, default ../shared/media): car-detection.mp4 against
its temporal median; the same clip with a real car and a real arm pasted
standing for 14-17 s and removed (the reference stays the untouched clip's
median: the ground truth); the bundled synthetic clip. Each gives mean error,
the share of pixels off by more than 20 and the share of those in specks
(regions of at most 64 pixels) for the plate, MOG2, KNN, the slow running
average and the clip's own temporal median. Speed: the plate alone, MOG2 and
KNN at 480p and 1080p, frames per second.

    python benchmarks/background.py [--only real] [--frames 750] [--seeds 3] [--runs 5] [--clip FILE]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from common import emit, median_times, result  # noqa: E402

import videotools as vt  # noqa: E402

SCENES = {
    "queues": {"density": 0.3},
    "dense queues": {"density": 0.5},
    "crowd": {"density": 0.15, "people": 0.8},
    "lighting": {"density": 0.3, "drift": 0.15, "noise": 3.0},
}
ESTIMATES = ("plate", "plain alpha=0.01", "plain alpha=0.1", "selective alpha=0.01", "selective alpha=0.1",
             "MOG2", "KNN", "temporal median (offline)")


def mae(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float64) - b).mean())


class Counts:
    """Pixel counts for an F-measure, accumulated over frames."""

    def __init__(self) -> None:
        self.tp = self.fp = self.fn = 0

    def add(self, mask: np.ndarray, truth: np.ndarray) -> None:
        self.tp += int(np.count_nonzero(mask & truth))
        self.fp += int(np.count_nonzero(mask & ~truth))
        self.fn += int(np.count_nonzero(~mask & truth))

    @property
    def f(self) -> float:
        return 2 * self.tp / max(1, 2 * self.tp + self.fp + self.fn)


def models():
    return (vt.BackgroundModel((0.1, 0.01), plate=True), vt.BackgroundModel((0.1, 0.01), selective=True),
            cv2.createBackgroundSubtractorMOG2(), cv2.createBackgroundSubtractorKNN())


def backgrounds(plain, sel, mog, knn) -> dict[str, np.ndarray]:
    return {"plate": plain.plate, "plain alpha=0.01": plain.background(1), "plain alpha=0.1": plain.background(0),
            "selective alpha=0.01": sel.background(1), "selective alpha=0.1": sel.background(0),
            "MOG2": cv2.cvtColor(mog.getBackgroundImage(), cv2.COLOR_BGR2RGB),
            "KNN": cv2.cvtColor(knn.getBackgroundImage(), cv2.COLOR_BGR2RGB)}


def scene_run(scene: vt.SyntheticTraffic, frames: int) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """MAE at the end and over time of every estimate, and mask F-measures, on one scene."""
    plain, sel, mog, knn = models()
    keep, during = [], {k: [] for k in ESTIMATES if k != "temporal median (offline)"}
    counts = {k: Counts() for k in ("plate", "selective alpha=0.01", "MOG2", "KNN")}
    warm = int(scene.fps * 4)
    for t in range(frames):
        f = scene.frame(t)
        bgr = cv2.cvtColor(f, cv2.COLOR_RGB2BGR)
        plain.update(f)
        sel.update(f)
        m_mog, m_knn = mog.apply(bgr), knn.apply(bgr)
        if t % 2 == 0:
            keep.append(f)
        if t >= warm and t % 5 == 0:
            truth = scene.foreground_mask(t)
            counts["plate"].add(plain.foreground(f), truth)
            counts["selective alpha=0.01"].add(sel.foreground(f), truth)
            counts["MOG2"].add(m_mog == 255, truth)
            counts["KNN"].add(m_knn == 255, truth)
        if t >= scene.fps * 10 and t % 25 == 0:
            tb = scene.background(t)
            for k, img in backgrounds(plain, sel, mog, knn).items():
                during[k].append(mae(img, tb))
    truth = scene.background(frames - 1)
    end = {k: mae(img, truth) for k, img in backgrounds(plain, sel, mog, knn).items()}
    end["temporal median (offline)"] = mae(np.median(np.stack(keep), axis=0), truth)
    return end, {k: float(np.mean(v)) for k, v in during.items()}, {k: c.f for k, c in counts.items()}


def quality(rows: list[dict], frames: int, seeds: int) -> None:
    for name, params in SCENES.items():
        ends: dict[str, list[float]] = {k: [] for k in ESTIMATES}
        means: dict[str, list[float]] = {k: [] for k in ESTIMATES if k != "temporal median (offline)"}
        fs: dict[str, list[float]] = {}
        for seed in range(seeds):
            scene = vt.SyntheticTraffic(size=(640, 360), seed=seed, **params)
            end, mean, f = scene_run(scene, frames)
            for k, v in end.items():
                ends[k].append(v)
            for k, v in mean.items():
                means[k].append(v)
            for k, v in f.items():
                fs.setdefault(k, []).append(v)
            print(f"{name} seed {seed}: plate {end['plate']:.2f}, MOG2 {end['MOG2']:.2f}, median "
                  f"{end['temporal median (offline)']:.2f}; F plate {f['plate']:.3f} MOG2 {f['MOG2']:.3f}",
                  file=sys.stderr)
        for k in ESTIMATES:
            extra = {"per_seed": [round(v, 3) for v in ends[k]]}
            if k in means:
                extra["mae_mean_after_10s"] = round(float(np.mean(means[k])), 4)
            rows.append(result(f"{name}: {k}", "mae_end", float(np.mean(ends[k])), baseline="MOG2",
                               baseline_value=float(np.mean(ends["MOG2"])), runs=seeds, **extra)
                        if k != "MOG2" else result(f"{name}: {k}", "mae_end", float(np.mean(ends[k])), runs=seeds,
                                                   **extra))
        for k, v in fs.items():
            rows.append(result(f"{name}: mask vs {k}" if k != "plate" else f"{name}: mask vs plate", "f_measure",
                               float(np.mean(v)), baseline="MOG2 mask", baseline_value=float(np.mean(fs["MOG2"])),
                               higher_is_better=True, runs=seeds, per_seed=[round(x, 4) for x in v]))


def shadow_quality(rows: list[dict], frames: int, seeds: int) -> None:
    """Masks on a scene whose cars cast shadows: with and without the shadow option, beside MOG2."""
    f_off, f_on, f_mog = [], [], []
    for seed in range(seeds):
        scene = vt.SyntheticTraffic(size=(640, 360), seed=seed, density=0.3, shadows=0.5)
        model = vt.BackgroundModel((0.1, 0.01), plate=True)
        mog = cv2.createBackgroundSubtractorMOG2()
        c_off, c_on, c_mog = Counts(), Counts(), Counts()
        for t in range(frames):
            f = scene.frame(t)
            model.update(f)
            m_mog = mog.apply(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
            if t >= scene.fps * 4 and t % 5 == 0:
                truth = scene.foreground_mask(t)
                c_off.add(model.foreground(f), truth)
                c_on.add(model.foreground(f, shadows=True), truth)
                c_mog.add(m_mog == 255, truth)
        f_off.append(c_off.f)
        f_on.append(c_on.f)
        f_mog.append(c_mog.f)
    rows.append(result("shadows: mask vs plate, shadows=False", "f_measure", float(np.mean(f_off)),
                       baseline="MOG2 mask (shadows detected)", baseline_value=float(np.mean(f_mog)),
                       higher_is_better=True, runs=seeds))
    rows.append(result("shadows: mask vs plate, shadows=True", "f_measure", float(np.mean(f_on)),
                       baseline="MOG2 mask (shadows detected)", baseline_value=float(np.mean(f_mog)),
                       higher_is_better=True, runs=seeds))


def clip_quality(rows: list[dict], clip: Path) -> None:
    """Plates on the bundled clip against its temporal median, and against the synthetic truth it was made from."""
    plain, sel, mog, knn = models()
    keep = []
    n = 0
    with vt.open_source(clip) as src:
        for f in src:
            bgr = cv2.cvtColor(f, cv2.COLOR_RGB2BGR)
            plain.update(f)
            sel.update(f)
            mog.apply(bgr)
            knn.apply(bgr)
            keep.append(f)
            n += 1
    median = np.median(np.stack(keep), axis=0)
    bgs = backgrounds(plain, sel, mog, knn)
    truth = None
    if clip.name == "traffic.mp4":
        from videotools.demo import SAMPLE_SPEC

        truth = vt.open_source(SAMPLE_SPEC).background(n - 1)
    for k, img in bgs.items():
        extra = {"mae_vs_synthetic_truth": round(mae(img, truth), 4)} if truth is not None else {}
        row = result(f"{clip.name}: {k} vs temporal median", "mae", mae(img, median), runs=1, **extra)
        if k != "MOG2":
            row = result(f"{clip.name}: {k} vs temporal median", "mae", mae(img, median), baseline="MOG2",
                         baseline_value=mae(bgs["MOG2"], median), runs=1, **extra)
        rows.append(row)
    if truth is not None:
        rows.append(result(f"{clip.name}: temporal median (offline) vs synthetic truth", "mae", mae(median, truth)))


def speed(rows: list[dict], runs: int, n: int = 48) -> None:
    scene = vt.SyntheticTraffic(size=(1920, 1080), noise=2)
    frames = [scene.frame(t) for t in range(0, 96, 12)]
    bgr = [cv2.cvtColor(f, cv2.COLOR_RGB2BGR) for f in frames]

    def ours():
        m = vt.BackgroundModel((0.1, 0.01), plate=True)
        for t in range(n):
            f = frames[t % 8]
            m.update(f)
            m.foreground(f)

    def averages():
        m = vt.BackgroundModel((0.1, 0.01))
        for t in range(n):
            m.update(frames[t % 8])

    def mog2():
        m = cv2.createBackgroundSubtractorMOG2()
        for t in range(n):
            m.apply(bgr[t % 8])

    def knn():
        m = cv2.createBackgroundSubtractorKNN()
        for t in range(n):
            m.apply(bgr[t % 8])

    def shadows():
        m = vt.BackgroundModel((0.1, 0.01), plate=True)
        for t in range(n):
            f = frames[t % 8]
            m.update(f)
            m.foreground(f, shadows=True)

    load = os.getloadavg()[0]  # other work on a shared machine slows MOG2 (two threads) more than us (one)
    times = median_times({"ours": ours, "averages": averages, "mog2": mog2, "knn": knn, "shadows": shadows},
                         runs=runs)
    fps = {k: n / v for k, v in times.items()}
    load = round(max(load, os.getloadavg()[0]), 2)
    rows.append(result("1080p plate + 2 running averages + mask", "fps", fps["ours"], baseline="MOG2 apply",
                       baseline_value=fps["mog2"], higher_is_better=True, runs=runs, load_average=load))
    rows.append(result("1080p plate + 2 running averages + mask", "fps", fps["ours"], baseline="KNN apply",
                       baseline_value=fps["knn"], higher_is_better=True, runs=runs, load_average=load))
    rows.append(result("1080p 2 running averages only", "fps", fps["averages"], runs=runs))
    rows.append(result("1080p plate + 2 running averages + mask with shadows=True", "fps", fps["shadows"],
                       runs=runs))
    print(f"1080p: ours {fps['ours']:.0f} fps, MOG2 {fps['mog2']:.0f}, KNN {fps['knn']:.0f}", file=sys.stderr)


def command_speed(rows: list[dict], seconds: float = 10.0, runs: int = 3) -> None:
    """The default ``videotools background`` on a 30 fps 1080p H.264 file, decode included: median of ``runs``."""
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "street-1080p30.mp4"
        subprocess.run([sys.executable, "-m", "videotools", "run",
                        f"synthetic:traffic?size=1920x1080&fps=30&seconds={seconds:g}&seed=3", "--out", str(clip),
                        "--crf", "23", "-q"], check=True, capture_output=True)
        fps, loads, frames = [], [], 0
        for _ in range(runs):
            loads.append(os.getloadavg()[0])
            r = subprocess.run([sys.executable, "-m", "videotools", "background", str(clip), "--save-dir", tmp,
                                "--overwrite"], capture_output=True, text=True, cwd=tmp)
            m = re.search(r"(\d+) frames in ([\d.]+) s \(([\d.]+) fps\)", r.stderr)
            if r.returncode or not m:
                raise RuntimeError(f"background command failed: {r.stderr[-500:]}")
            fps.append(float(m.group(3)))
            frames = int(m.group(1))
        rows.append(result("videotools background, 1080p 30 fps H.264, defaults", "fps", float(np.median(fps)),
                           baseline="real time", baseline_value=30.0, higher_is_better=True, runs=runs,
                           frames=frames, per_run=fps, load_average=round(max(loads), 2)))


def standing(frames: list[np.ndarray], median: np.ndarray, source: np.ndarray, box: tuple[int, int, int, int],
             at: tuple[int, int], start: int, end: int) -> list[np.ndarray]:
    """``frames`` with the real patch ``box`` of ``source`` standing at ``at`` from frame ``start`` to ``end``.

    The footage's own variation (noise, rain, exposure: frame minus its median) stays on the patch.
    """
    x, y, w, h = box
    X, Y = at
    patch = source[y:y + h, x:x + w].astype(np.float32)
    out = []
    for i, f in enumerate(frames):
        if start <= i < end:
            f = f.copy()
            region = f[Y:Y + h, X:X + w].astype(np.float32) - median[Y:Y + h, X:X + w]
            f[Y:Y + h, X:X + w] = np.clip(patch + region, 0, 255).astype(np.uint8)
        out.append(f)
    return out


def plate_errors(img: np.ndarray, ref: np.ndarray) -> dict[str, float]:
    """Mean error, share of pixels off by > 20 (any channel), and the share of those in specks (regions <= 64 px)."""
    d = np.abs(img.astype(np.float64) - ref)
    off = d.max(2) > 20
    n, _, stats, _ = cv2.connectedComponentsWithStats(off.astype(np.uint8), connectivity=8)
    specks = int(sum(stats[i, cv2.CC_STAT_AREA] for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] <= 64))
    return {"mae": float(d.mean()), "off20_percent": 100 * float(off.mean()),
            "speck_percent": 100 * specks / off.size}


def real_footage(media: Path) -> dict[str, tuple[list[np.ndarray], np.ndarray]]:
    """Clips and their references: car-detection.mp4 vs its temporal median; the same with a red car (cut from
    its frame 200) parked 4-18 s and an arm (cut from bottle-detection.mp4) held 6-20 s, vs the untouched clip's
    median; the bundled synthetic clip vs its temporal median."""
    def load(path: Path) -> list[np.ndarray]:
        with vt.open_source(path) as src:
            return list(src)

    cars = load(media / "car-detection.mp4")
    median = np.median(np.stack(cars), axis=0).astype(np.float32)
    bottle = load(media / "bottle-detection.mp4")
    stood = standing(cars, median, cars[200], (316, 218, 165, 214), (300, 100), 50, 225)
    stood = standing(stood, median, bottle[509], (0, 0, 140, 110), (40, 250), 75, 250)
    clips = {"car-detection.mp4": (cars, median), "car-detection + car and arm standing 14-17 s": (stood, median)}
    sample = ROOT / "samples" / "traffic.mp4"
    if sample.is_file():
        syn = load(sample)
        clips["samples/traffic.mp4 (synthetic)"] = (syn, np.median(np.stack(syn), axis=0))
    return clips


def real_quality(rows: list[dict], media: Path) -> None:
    """Plate, MOG2, KNN, the running average and the clip's own temporal median against each clip's reference."""
    for name, (frames, ref) in real_footage(media).items():
        plate = vt.processors.PlateModel()
        avg = vt.BackgroundModel((0.01,))
        mog, knn = cv2.createBackgroundSubtractorMOG2(), cv2.createBackgroundSubtractorKNN()
        for f in frames:
            bgr = cv2.cvtColor(f, cv2.COLOR_RGB2BGR)
            plate.update(f)
            avg.update(f)
            mog.apply(bgr)
            knn.apply(bgr)
        bgs = {"plate": plate.plate, "MOG2": cv2.cvtColor(mog.getBackgroundImage(), cv2.COLOR_BGR2RGB),
               "KNN": cv2.cvtColor(knn.getBackgroundImage(), cv2.COLOR_BGR2RGB), "running average 0.01":
               avg.background(), "temporal median of the clip": np.median(np.stack(frames), axis=0)}
        errs = {k: plate_errors(img, ref) for k, img in bgs.items()}
        for k, e in errs.items():
            for metric, v in e.items():
                rows.append(result(f"{name}: {k}", metric, v, baseline="MOG2", baseline_value=errs["MOG2"][metric])
                            if k != "MOG2" else result(f"{name}: {k}", metric, v))
        print(f"{name}: " + ", ".join(f"{k} {e['mae']:.2f} {e['off20_percent']:.2f}% specks "
                                      f"{e['speck_percent']:.3f}%" for k, e in errs.items()), file=sys.stderr)


def plate_speed(rows: list[dict], runs: int, n: int = 60) -> None:
    """Frames per second of the plate alone, MOG2 and KNN at 480p and 1080p (interleaved runs, medians)."""
    for label, size in (("480p", (854, 480)), ("1080p", (1920, 1080))):
        scene = vt.SyntheticTraffic(size=size, noise=2)
        frames = [scene.frame(t) for t in range(0, 120, 10)]
        bgr = [cv2.cvtColor(f, cv2.COLOR_RGB2BGR) for f in frames]

        def plate(frames=frames):
            m = vt.processors.PlateModel()
            for t in range(n):
                m.update(frames[t % len(frames)])

        def mog2(bgr=bgr):
            m = cv2.createBackgroundSubtractorMOG2()
            for t in range(n):
                m.apply(bgr[t % len(bgr)])

        def knn(bgr=bgr):
            m = cv2.createBackgroundSubtractorKNN()
            for t in range(n):
                m.apply(bgr[t % len(bgr)])

        load = os.getloadavg()[0]
        times = median_times({"plate": plate, "mog2": mog2, "knn": knn}, runs=runs)
        fps = {k: n / v for k, v in times.items()}
        load = round(max(load, os.getloadavg()[0]), 2)
        for base in ("MOG2", "KNN"):
            rows.append(result(f"{label} plate (PlateModel.update, every 5th frame sampled)", "fps", fps["plate"],
                               baseline=f"{base} apply", baseline_value=fps[base.lower()], higher_is_better=True,
                               runs=runs, load_average=load))
        print(f"{label}: plate {fps['plate']:.0f} fps, MOG2 {fps['mog2']:.0f}, KNN {fps['knn']:.0f} (load {load})",
              file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=750, help="frames of each synthetic scene (25 fps)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--clip", type=Path, default=ROOT / "samples" / "traffic.mp4")
    ap.add_argument("--media", type=Path, default=ROOT.parent / "shared" / "media")
    ap.add_argument("--only", choices=("real", "all"), default="all",
                    help="real: the plate on real footage and the bundled clip, and speed at 480p and 1080p")
    args = ap.parse_args()
    rows: list[dict] = []
    real_quality(rows, args.media)
    plate_speed(rows, args.runs)
    if args.only == "real":
        emit("background", rows, memory={"plate_model_1080p_bytes": vt.processors.PlateModel.memory_bytes(
            (1920, 1080))}, note="mae in grey levels (0..255), mean over RGB; ratio > 1: videotools better")
        return
    quality(rows, args.frames, args.seeds)
    shadow_quality(rows, min(args.frames, 500), args.seeds)
    clip_quality(rows, args.clip)
    speed(rows, args.runs)
    command_speed(rows)
    emit("background", rows, memory={"plate_model_1080p_bytes": vt.processors.PlateModel.memory_bytes((1920, 1080))},
         note="mae in grey levels (0..255), mean over RGB; ratio > 1: videotools better than the baseline")


if __name__ == "__main__":
    main()
