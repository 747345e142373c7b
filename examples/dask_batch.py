"""Many videos on Dask: the background of each, written under OUT_DIR, with batch.json as the report.

    python examples/dask_batch.py [FOLDER_OR_GLOB] [OUT_DIR]

A local cluster of two single-threaded workers; pass ``scheduler="tcp://host:8786"``
to :func:`videotools.batch.run_batch` to use a running Dask cluster instead.
"""

from __future__ import annotations

import sys

from videotools.batch import run_batch


def main(inputs: str = "samples/", out_dir: str = "backgrounds") -> None:
    for item in run_batch(inputs, out_dir, do="background", alphas=(0.05,), workers=2, overwrite=True):
        print(f"{item.status:7s} {item.input}: {item.frames} frames -> {', '.join(item.outputs)}")


if __name__ == "__main__":
    main(*sys.argv[1:])
