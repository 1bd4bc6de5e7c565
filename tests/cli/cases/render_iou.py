# SPDX-License-Identifier: BSD-3-Clause
"""Intersection-over-union of the foregrounds of two PNG images of the same size.

usage: render_iou.py LABEL REFERENCE.png OTHER.png (--min X | --below X)

The foreground of each image is every pixel that differs from the image's top-left corner
pixel (the background; for an image with alpha, a transparent pixel is background too).
Prints "LABEL: IoU V" on stdout; exits 1 with a message on stderr when V < X (--min) or
V >= X (--below). PNGs are decoded here with zlib (8-bit, non-interlaced grey, grey+alpha,
RGB or RGBA), so nothing beyond numpy is needed.
"""
import struct
import sys
import zlib

import numpy as np


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    pos, idat, ihdr = 8, [], None
    while pos + 8 <= len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if ihdr is None:
        sys.exit(f"{path}: no IHDR")
    w, h, depth, colour, _, _, interlace = ihdr
    channels = {0: 1, 4: 2, 2: 3, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace != 0:
        sys.exit(f"{path}: unsupported PNG (depth {depth}, colour type {colour}, "
                 f"interlace {interlace})")
    bpp, stride = channels, w * channels
    raw = zlib.decompress(b"".join(idat))
    if len(raw) != h * (stride + 1):
        sys.exit(f"{path}: image data is {len(raw)} bytes, expected {h * (stride + 1)}")
    out = np.zeros((h, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.uint8)
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=y * (stride + 1) + 1)
        if ftype == 0:
            cur = line.copy()
        elif ftype == 1:  # Sub: running sum along each channel
            cur = (np.cumsum(line.reshape(w, bpp).astype(np.int64), axis=0) % 256)
            cur = cur.astype(np.uint8).reshape(stride)
        elif ftype == 2:  # Up
            cur = line + prev
        elif ftype in (3, 4):  # Average, Paeth: sequential along the row
            cur_l = bytearray(stride)
            up = prev.tolist()
            src = line.tolist()
            for i in range(stride):
                a = cur_l[i - bpp] if i >= bpp else 0
                b = up[i]
                if ftype == 3:
                    cur_l[i] = (src[i] + ((a + b) >> 1)) & 255
                else:
                    c = up[i - bpp] if i >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                    cur_l[i] = (src[i] + pred) & 255
            cur = np.frombuffer(bytes(cur_l), dtype=np.uint8)
        else:
            sys.exit(f"{path}: bad filter type {ftype} in row {y}")
        out[y] = cur
        prev = cur
    return out.reshape(h, w, channels)


def foreground(img):
    bg = img[0, 0]
    mask = np.any(img != bg, axis=2)
    if img.shape[2] in (2, 4):  # alpha: transparent is background
        mask &= img[:, :, -1] != 0
    return mask


def main(argv):
    if len(argv) != 6 or argv[4] not in ("--min", "--below"):
        sys.exit(__doc__)
    label, ref_path, other_path, mode, limit = argv[1], argv[2], argv[3], argv[4], float(argv[5])
    ref, other = read_png(ref_path), read_png(other_path)
    if ref.shape[:2] != other.shape[:2]:
        sys.exit(f"{label}: {ref_path} is {ref.shape[1]}x{ref.shape[0]} px but {other_path} "
                 f"is {other.shape[1]}x{other.shape[0]} px")
    a, b = foreground(ref), foreground(other)
    union = int(np.count_nonzero(a | b))
    if union == 0 or not a.any() or not b.any():
        sys.exit(f"{label}: empty silhouette ({ref_path}: {int(a.sum())} px, "
                 f"{other_path}: {int(b.sum())} px)")
    iou = np.count_nonzero(a & b) / union
    print(f"{label}: IoU {iou:.4f} ({int(a.sum())} px vs {int(b.sum())} px; "
          f"only first {int((a & ~b).sum())}, only second {int((b & ~a).sum())})")
    if mode == "--min" and not iou >= limit:
        sys.exit(f"{label}: IoU {iou:.4f} of {other_path} against {ref_path} is below {limit}")
    if mode == "--below" and not iou < limit:
        sys.exit(f"{label}: IoU {iou:.4f} of {other_path} against {ref_path} is not below "
                 f"{limit} (the check cannot tell different views apart)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
