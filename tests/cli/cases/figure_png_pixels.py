# SPDX-License-Identifier: BSD-3-Clause
# Pixels of a figure PNG (8-bit RGB, as tracemesh writes it), with a plain decoder (zlib and the
# five PNG filters), no imaging library:
#   figure_png_pixels.py FIG.png crimson [ROWS]  DRAFT-mark crimson pixels in the first ROWS rows
#   figure_png_pixels.py FIG.png green X0        width, then count and mean x of the green
#                                                outline pixels at x >= X0 (side-by-side panel)
import struct
import sys
import zlib


def load(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    i, idat, w = 8, b"", 0
    while i < len(data):
        n, kind = struct.unpack(">I4s", data[i:i + 8])
        body = data[i + 8:i + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype == 2, "not 8-bit RGB"
        elif kind == b"IDAT":
            idat += body
        i += 12 + n
    raw, stride, rows, prev, k = zlib.decompress(idat), 3 * w, [], bytearray(3 * w), 0
    for _ in range(h):
        f, line = raw[k], bytearray(raw[k + 1:k + 1 + stride])
        k += 1 + stride
        for x in range(stride):
            a = line[x - 3] if x >= 3 else 0
            b = prev[x]
            c = prev[x - 3] if x >= 3 else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, rows


w, rows = load(sys.argv[1])
if sys.argv[2] == "crimson":
    if len(sys.argv) > 3:
        rows = rows[:int(sys.argv[3])]
    crimson = 0
    for line in rows:
        for x in range(0, len(line), 3):
            r, g, b = line[x], line[x + 1], line[x + 2]
            crimson += r > 170 and g < 90 and b < 120
    print(crimson)
else:
    x0, n, sx = int(sys.argv[3]), 0, 0
    for line in rows:
        for x in range(x0, w):
            r, g, b = line[3 * x], line[3 * x + 1], line[3 * x + 2]
            if g > 200 and r < 60 and b < 90:
                n += 1
                sx += x
    print(w, n, sx / n if n else -1)
