#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# The segmentation chain of `tracemesh segment SRC --preset bone --keep-largest --close R
# --fill-holes` written the way a scipy.ndimage user would, as the peer for bench/seg_bench.sh
# and the independent second implementation for the plausibility cases. Loads a NIfTI (from
# `tracemesh volume`), prints per-step times and voxel counts, optionally writes the mask.
#
# Definitions (chosen to match tracemesh's documented ones):
#   threshold  LO <= HU <= HI (bone preset: 226..32767)
#   largest    scipy.ndimage.label with a 3x3x3 structure (26-connectivity), np.bincount
#   close      binary_dilation then binary_erosion with a ball in mm built from the voxel spacing
#              (offsets with (di*sx)^2 + (dj*sy)^2 + (dk*sz)^2 <= R^2, the same relative 1e-6
#              tolerance as tracemesh for voxels exactly on the sphere). tracemesh treats voxels
#              outside the volume as neither feature nor background, so the erosion uses
#              border_value=1; scipy's binary_closing default (border_value=0) would also erode
#              from the volume border. "--closing edt" does the same with distance_transform_edt.
#   fill       binary_fill_holes (background connected through faces, scipy's default)
# Usage: seg_scipy.py IN.nii.gz [--lower HU] [--upper HU] [--close MM] [--steps LIST]
#        [--closing se|edt] [-o OUT.nii.gz] [--compare OTHER.nii.gz]
# --compare prints how many voxels differ from another mask (e.g. tracemesh's output).
import argparse
import sys
import time

import nibabel as nib
import numpy as np
from scipy import ndimage


def ball(spacing, radius):
    """Boolean structuring element of a ball of `radius` mm for the voxel spacing (mm)."""
    r2 = radius * radius * (1.0 + 1e-6)
    half = [int(np.floor(radius / s)) for s in spacing]
    axes = [np.arange(-h, h + 1) * s for h, s in zip(half, spacing)]
    x, y, z = np.meshgrid(*axes, indexing="ij")
    return (x * x + y * y + z * z) <= r2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("--lower", type=float, default=226.0)
    ap.add_argument("--upper", type=float, default=32767.0)
    ap.add_argument("--close", type=float, default=2.0)
    ap.add_argument("--steps", default="threshold,largest,close,fill")
    ap.add_argument("--closing", choices=("se", "edt"), default="se")
    ap.add_argument("-o", "--output")
    ap.add_argument("--compare")
    a = ap.parse_args()
    steps = a.steps.split(",")

    t_all = time.perf_counter()
    t = time.perf_counter()
    img = nib.load(a.input)
    data = np.asanyarray(img.dataobj)  # int16 as stored: no float copy
    spacing = [float(s) for s in img.header.get_zooms()[:3]]
    vox_ml = float(np.prod(spacing)) / 1000.0
    times = [("load", time.perf_counter() - t)]

    cpu = []

    def step(name, fn, m):
        t0, c0 = time.perf_counter(), time.process_time()
        r = fn(m)
        times.append((name, time.perf_counter() - t0))
        cpu.append((name, time.process_time() - c0))
        print(f"{name}: {int(np.count_nonzero(r))} voxels", file=sys.stderr)
        return r

    mask = None
    for s in steps:
        if s == "threshold":
            mask = step(s, lambda _: (data >= a.lower) & (data <= a.upper), None)
        elif s == "largest":
            def largest(m):
                lab, n = ndimage.label(m, structure=np.ones((3, 3, 3), bool))
                if n == 0:
                    return m
                sizes = np.bincount(lab.ravel())
                sizes[0] = 0
                return lab == int(np.argmax(sizes))  # argmax: lowest label among ties
            mask = step(s, largest, mask)
        elif s == "close":
            if a.closing == "se":
                se = ball(spacing, a.close)
                mask = step(s, lambda m: ndimage.binary_erosion(
                    ndimage.binary_dilation(m, structure=se), structure=se, border_value=1),
                    mask)
            else:
                r2 = a.close * a.close * (1.0 + 1e-6)

                def close_edt(m):
                    d = ndimage.distance_transform_edt(~m, sampling=spacing)
                    dil = d * d <= r2
                    # the volume border is not background: pad with foreground
                    pad = [(int(np.ceil(a.close / s)),) * 2 for s in spacing]
                    e = ndimage.distance_transform_edt(np.pad(dil, pad, constant_values=True),
                                                       sampling=spacing)
                    sl = tuple(slice(p[0], p[0] + n) for p, n in zip(pad, m.shape))
                    return (e * e > r2)[sl]
                mask = step(s, close_edt, mask)
        elif s == "fill":
            mask = step(s, ndimage.binary_fill_holes, mask)
        else:
            sys.exit(f"seg_scipy.py: unknown step {s}")
    if a.output:
        t = time.perf_counter()
        nib.save(nib.Nifti1Image(mask.astype(np.uint8), img.affine, img.header), a.output)
        times.append(("save", time.perf_counter() - t))
    n = int(np.count_nonzero(mask))
    steps_s = sum(v for k, v in times if k not in ("load", "save"))
    post_s = sum(v for k, v in times if k in ("largest", "close", "fill"))
    post_cpu = sum(v for k, v in cpu if k in ("largest", "close", "fill"))
    print(" ".join(f"{k}={v:.3f}" for k, v in times), f"steps={steps_s:.3f}",
          f"post={post_s:.3f}", f"post_cpu={post_cpu:.3f}",
          f"total={time.perf_counter() - t_all:.3f}")
    print(f"voxels={n} ml={n * vox_ml:.3f}")
    if a.compare:
        other = np.asanyarray(nib.load(a.compare).dataobj) != 0
        if other.shape != mask.shape:
            sys.exit(f"seg_scipy.py: {a.compare} is {other.shape}, not {mask.shape}")
        print(f"differing={int(np.count_nonzero(other != mask))}")


if __name__ == "__main__":
    main()
