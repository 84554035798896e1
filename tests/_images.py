"""Images for the tests of image loading (generate --images, pigments --photo)."""

import struct

import numpy as np


def cmyk_profile(black_ink_lightness=50.0):
    """A minimal ICC v2 CMYK printer profile (lut8 A2B0 to Lab, 2 grid points an ink) whose
    full black ink is only a mid grey (L* 50): PIL's plain conversion makes it black."""

    def lab(c, m, y, k):
        lightness = 100.0 * (1 - 0.3 * c) * (1 - 0.2 * m) * (1 - 0.05 * y)
        lightness -= lightness * (1 - black_ink_lightness / 100.0) * k
        return lightness, (-40 * c + 60 * m) * (1 - k), (-30 * c - 10 * m + 70 * y) * (1 - k)

    grid = bytearray()
    for corner in np.ndindex(2, 2, 2, 2):  # the first ink varies slowest
        L, a, b = lab(*corner)
        grid += bytes([round(L * 255 / 100), round(a + 128), round(b + 128)])
    ident = bytes(range(256))

    def s15(x):
        return struct.pack(">i", round(x * 65536))

    matrix = b"".join(s15(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
    a2b0 = b"mft1" + bytes(4) + bytes([4, 3, 2, 0]) + matrix + ident * 4 + bytes(grid) + ident * 3
    white = s15(0.9642) + s15(1.0) + s15(0.8249)
    text = b"test CMYK\0"
    desc = b"desc" + bytes(4) + struct.pack(">I", len(text)) + text + bytes(78)
    tags = [(b"desc", desc), (b"wtpt", b"XYZ " + bytes(4) + white), (b"A2B0", a2b0)]
    offset, table, body = 128 + 4 + 12 * len(tags), b"", b""
    for sig, data in tags:
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data + bytes(-len(data) % 4)
    header = struct.pack(">I", offset + len(body)) + bytes(4) + struct.pack(">I", 0x02100000)
    header += b"prtrCMYKLab " + bytes(12) + b"acsp" + bytes(28) + white
    return header + bytes(128 - len(header)) + struct.pack(">I", len(tags)) + table + body
