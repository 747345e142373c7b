"""Palette fit, lookup build and apply speed beside scipy/sklearn/numpy; quality and stability beside elbg.

Prints JSON. Speed: for 480p/720p/1080p x k in {4, 8, 16, 32, 64} on a real photo
resized to the frame size: fit time, lookup build time, apply ms/frame, and the
same nearest-colour assignment (plus painting the frame) through scipy
``vq.vq``, sklearn ``KMeans.predict`` and numpy (BLAS distance expansion),
ratios = baseline time / videotools time. Each videotools output is checked
exact against the numpy result (distance to the chosen colour is the minimum).

Quality: PSNR of posterized photos against the originals for k = 4, 8, 16,
beside sklearn KMeans fitted on *all* pixels (the ceiling) and FFmpeg's elbg.
Stability: on the synthetic traffic clip with sensor noise, the mean fraction of
static pixels whose output colour changes between consecutive frames, for a
palette fitted once, a per-frame refit, and elbg (which refits every frame).

    python benchmarks/quantize.py [--runs 5] [--quick]
Needs scipy and scikit-learn for the baselines (pip install scipy scikit-learn);
scikit-image's bundled photos are used when installed, else samples/*.png.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from common import emit, median_time, result  # noqa: E402

import videotools as vt  # noqa: E402

SIZES = {"480p": (854, 480), "720p": (1280, 720), "1080p": (1920, 1080)}


def photos() -> dict[str, np.ndarray]:
    out = {}
    try:
        import skimage.data as d

        out = {"astronaut": d.astronaut(), "coffee": d.coffee(), "chelsea": d.chelsea()}
    except ImportError:
        for name in ("coffee", "chelsea"):
            out[name] = vt.read_image(ROOT / "samples" / f"{name}.png")
    return out


def numpy_nearest(px: np.ndarray, colors: np.ndarray) -> np.ndarray:
    c = colors.astype(np.float32)
    cc = (c * c).sum(1)
    out = np.empty(len(px), np.int64)
    for s in range(0, len(px), 1 << 18):
        x = px[s:s + (1 << 18)].astype(np.float32)
        out[s:s + (1 << 18)] = (cc - 2 * x @ c.T).argmin(1)
    return out


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b) ** 2)
    return float(10 * np.log10(255 ** 2 / mse)) if mse else float("inf")


def elbg_image(img: np.ndarray, k: int) -> np.ndarray:
    h, w = img.shape[:2]
    import subprocess

    raw = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
                          "-s", f"{w}x{h}", "-i", "-", "-vf", f"elbg=codebook_length={k}:seed=1,format=rgb24",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], input=img.tobytes(), capture_output=True,
                         check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(h, w, 3)


def speed(rows: list, runs: int, sizes: list[str], ks: list[int]) -> None:
    from scipy.cluster.vq import vq
    from sklearn.cluster import KMeans

    photo = photos()["astronaut" if "astronaut" in photos() else "coffee"]
    for name in sizes:
        w, h = SIZES[name]
        frame = cv2.resize(photo, (w, h), interpolation=cv2.INTER_CUBIC)
        px = frame.reshape(-1, 3)
        for k in ks:
            case = f"{name} k={k}"
            t_fit = median_time(lambda frame=frame, k=k: vt.Palette.fit(frame, k, seed=0), runs)
            pal = vt.Palette.fit(frame, k, seed=0)
            t_build = median_time(lambda pal=pal: vt.Palette(pal.colors).build_lookup(), runs)
            pal.build_lookup()
            t_apply = median_time(lambda pal=pal, frame=frame: pal.apply(frame), max(runs, 25), warmup=3)
            # exactness against numpy
            ref = numpy_nearest(px, pal.colors)
            got = pal.labels(frame).reshape(-1)
            c = pal.colors.astype(np.int64)
            d_got = ((px.astype(np.int64) - c[got]) ** 2).sum(1)
            d_ref = ((px.astype(np.int64) - c[ref]) ** 2).sum(1)
            exact = bool((d_got == d_ref).all())
            cf = pal.colors.astype(np.float32)
            shape = (h, w, 3)
            t_vq = median_time(lambda c=pal.colors, px=px, cf=cf, shape=shape:
                               c[vq(px.astype(np.float32), cf)[0]].reshape(shape), runs)
            km = KMeans(n_clusters=k, init=pal.colors.astype(np.float64), n_init=1, max_iter=1).fit(
                pal.colors.astype(np.float64))
            km.cluster_centers_ = pal.colors.astype(np.float64)
            t_sk = median_time(lambda c=pal.colors, km=km, px=px, shape=shape:
                               c[km.predict(px.astype(np.float64))].reshape(shape), runs)
            t_np = median_time(lambda c=pal.colors, px=px, shape=shape: c[numpy_nearest(px, c)].reshape(shape), runs)
            rows.append(result(case, "fit_ms", t_fit * 1e3, runs=runs))
            rows.append(result(case, "lookup_build_ms", t_build * 1e3, runs=runs))
            rows.append(result(case, "apply_ms", t_apply * 1e3, baseline="scipy vq.vq", baseline_value=t_vq * 1e3,
                               runs=runs, exact=exact))
            rows.append(result(case, "apply_ms", t_apply * 1e3, baseline="sklearn KMeans.predict",
                               baseline_value=t_sk * 1e3, runs=runs))
            rows.append(result(case, "apply_ms", t_apply * 1e3, baseline="numpy brute force (BLAS)",
                               baseline_value=t_np * 1e3, runs=runs))
            print(f"{case}: apply {t_apply*1e3:.2f} ms, vq {t_vq*1e3:.1f} ms, build {t_build*1e3:.0f} ms, "
                  f"exact={exact}", file=sys.stderr)


def quality(rows: list, ks: list[int]) -> None:
    from sklearn.cluster import KMeans

    for name, img in photos().items():
        px = img.reshape(-1, 3).astype(np.float64)
        for k in ks:
            t = time.perf_counter()
            ours = vt.Palette.fit(img, k, seed=0).apply(img)
            t_ours = time.perf_counter() - t
            t = time.perf_counter()
            km = KMeans(n_clusters=k, n_init=3, random_state=0).fit(px)
            t_km = time.perf_counter() - t
            ceiling = np.clip(np.rint(km.cluster_centers_[km.labels_]), 0, 255).reshape(img.shape)
            elbg = elbg_image(img, k)
            rows.append(result(f"{name} k={k}", "psnr_db", psnr(ours, img), baseline="sklearn KMeans on all pixels",
                               baseline_value=psnr(ceiling, img), higher_is_better=True,
                               fit_s=round(t_ours, 3), baseline_fit_s=round(t_km, 3)))
            rows.append(result(f"{name} k={k}", "psnr_db", psnr(ours, img), baseline="ffmpeg elbg",
                               baseline_value=psnr(elbg, img), higher_is_better=True))


def stability(rows: list, k: int = 8, frames: int = 60) -> None:
    import tempfile

    scene = vt.SyntheticTraffic(size=(640, 360), noise=2.0, seed=3)
    clip = [scene.frame(t) for t in range(frames)]
    static = [~(scene.foreground_mask(t) | scene.foreground_mask(t - 1)) for t in range(1, frames)]

    def flicker(outs):
        return float(np.mean([(outs[t] != outs[t - 1]).any(2)[static[t - 1]].mean() for t in range(1, frames)]))

    def mean_psnr(outs):
        return float(np.mean([psnr(o, f) for o, f in zip(outs, clip)]))

    post = vt.Posterize(k=k)
    post.fit(clip[:: frames // 5][:5])  # like the CLI's --fit-frames 5: frames spread over the clip
    once = [post(f) for f in clip]
    per_frame = [vt.Palette.fit(f, k, seed=t).apply(f) for t, f in enumerate(clip)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.mkv"
        with vt.VideoSink(path, fps=25, crf=0) as sink:  # lossless, so elbg sees the same pixels
            for f in clip:
                sink.write(f)
        gen = imageio_ffmpeg.read_frames(str(path), output_params=["-vf", f"elbg=codebook_length={k}:seed=1"])
        meta = next(gen)
        w, h = meta["size"]
        elbg = [np.frombuffer(b, np.uint8).reshape(h, w, 3) for b in gen]
    f_once, f_per, f_elbg = flicker(once), flicker(per_frame), flicker(elbg)
    rows.append(result(f"traffic 640x360 k={k}", "static_pixels_changing", f_once, baseline="per-frame refit",
                       baseline_value=f_per, runs=frames))
    rows.append(result(f"traffic 640x360 k={k}", "static_pixels_changing", f_once, baseline="ffmpeg elbg",
                       baseline_value=f_elbg, runs=frames))
    rows.append(result(f"traffic 640x360 k={k}", "mean_psnr_db", mean_psnr(once), baseline="per-frame refit",
                       baseline_value=mean_psnr(per_frame), higher_is_better=True, runs=frames))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="1080p, k = 8 and 32 only")
    args = ap.parse_args()
    rows: list[dict] = []
    if args.quick:
        speed(rows, args.runs, ["1080p"], [8, 32])
    else:
        speed(rows, args.runs, list(SIZES), [4, 8, 16, 32, 64])
        quality(rows, [4, 8, 16])
        stability(rows)
    emit("quantize", rows, note="apply ratio = baseline ms / videotools ms; psnr ratio = ours / baseline")


if __name__ == "__main__":
    main()
