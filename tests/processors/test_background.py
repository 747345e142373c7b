import numpy as np
import pytest

import videotools as vt


def mae(a, b):
    return float(np.abs(a.astype(np.float64) - b).mean())


def test_slow_model_converges_to_the_true_background():
    scene = vt.SyntheticTraffic(size=(320, 180), seed=0, stops=False)  # the default scene, no lights
    model = vt.BackgroundModel((0.1, 0.01))
    for t in range(400):
        model.update(scene.frame(t))
    fast, slow = model.backgrounds
    truth = scene.background(399)
    assert mae(slow, truth) < 3.0
    assert mae(fast, truth) > mae(slow, truth)  # the fast model still carries recent cars


def test_warmup_versus_textbook_on_a_step_change():
    dark = np.full((20, 20, 3), 50, np.uint8)
    light = np.full((20, 20, 3), 150, np.uint8)
    warm, text = vt.BackgroundModel((0.01,)), vt.BackgroundModel((0.01,), warmup=False)
    for m in (warm, text):
        m.update(dark)
        for _ in range(49):
            m.update(light)
    # warm-up: cumulative mean of 1 dark + 49 light frames = 148; textbook: 150 - 100 * 0.99**49 = 88.9
    assert warm.background()[0, 0, 0] == 148
    assert text.background()[0, 0, 0] == 89
    assert warm.rate(0) == pytest.approx(1 / 51)


def test_mask_catches_the_moving_cars():
    scene = vt.SyntheticTraffic(size=(320, 180), seed=1, stops=False)
    model = vt.BackgroundModel((0.1, 0.01))
    recalls, precisions = [], []
    for t in range(300):
        frame = scene.frame(t)
        if t >= 200:
            mask, truth = model.foreground(frame), scene.foreground_mask(t)
            if truth.sum() > 200:
                recalls.append((mask & truth).sum() / truth.sum())
                precisions.append((mask & truth).sum() / max(1, mask.sum()))
        model.update(frame)
    assert np.mean(recalls) > 0.8 and np.mean(precisions) > 0.8, (np.mean(recalls), np.mean(precisions))


def test_selective_update_keeps_stopped_cars_out():
    """Cars queue at a light after the road has been seen: selective keeps the road, plain smears them in."""
    scene = vt.SyntheticTraffic(size=(320, 180), seed=2, density=0.4)
    plain, sel = vt.BackgroundModel((0.01,)), vt.BackgroundModel((0.01,), selective=True)
    for t in range(0, 1000):
        f = scene.frame(t)
        plain.update(f)
        sel.update(f)
    truth = scene.background(999)
    e_plain, e_sel = mae(plain.background(), truth), mae(sel.background(), truth)
    assert e_sel < 0.6 * e_plain, (e_sel, e_plain)


@pytest.mark.parametrize("alphas,msg", [((0.1, 0),"alpha must be in \\(0, 1\\], got 0.0"),
                                        ((1.5,), "got 1.5"), ((), "at least one alpha"),
                                        (("fast",), "alphas must be numbers")])
def test_bad_alphas(alphas, msg):
    with pytest.raises(vt.ParameterError, match=msg):
        vt.BackgroundModel(alphas)


def test_views_keep_the_input_size():
    frame = vt.SyntheticTraffic(size=(161, 91)).frame(0)
    for view in ("background", "side-by-side", "mask", "foreground"):
        out = vt.Background(view=view)(frame)
        assert out.shape == (91, 161, 3) and out.dtype == np.uint8


def test_cli_saves_pngs_even_on_ctrl_c(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-m", "videotools", "background", "synthetic:traffic?seconds=0&size=160x90",
                             "--save-dir", str(tmp_path), "-q"], stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    for a in ("0.1", "0.01"):
        img = vt.read_image(tmp_path / f"synthetic-traffic-background-alpha{a}.png")
        assert img.shape == (90, 160, 3) and img.std() > 5


def test_used_before_any_frame():
    model = vt.BackgroundModel()
    assert model.backgrounds == []
    with pytest.raises(vt.NotFittedError, match="no frame seen yet"):
        model.background()
    with pytest.raises(vt.NotFittedError, match="no frame seen yet"):
        model.foreground(np.zeros((4, 4, 3), np.uint8))
