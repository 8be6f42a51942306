#!/usr/bin/env python3
"""Lossless baselines for the binarized MNIST test digits of docs/bits-back.md.

Input: the digits that `nic-torch bitsback compress --write-digits FILE` coded (784 bytes of 0 or 1 per digit).
Codes them with gzip -9, bzip2 -9 and xz -9e (each on one byte per pixel and on packed bits, 8 pixels per byte;
the smaller is reported), as a 1-bit PNG (zlib level 9, the best of the five PNG filters used for every row), and
with WebP lossless (cwebp -lossless -z 9 -exact) and JPEG XL lossless (cjxl -d 0 -e 9) on one 8-bit grey image that
tiles all digits, 100 per row. Prints JSON: bytes and bits per dimension for each. Python standard library only, plus
the gzip, bzip2, xz, cwebp and cjxl programs (Debian: webp, libjxl-tools).
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

SIDE = 28
PIXELS = SIDE * SIDE
PER_ROW = 100


def tile(bits, count):
    rows = (count + PER_ROW - 1) // PER_ROW
    width, height = PER_ROW * SIDE, rows * SIDE
    image = bytearray(width * height)
    for n in range(count):
        top, left = (n // PER_ROW) * SIDE, (n % PER_ROW) * SIDE
        for y in range(SIDE):
            start = n * PIXELS + y * SIDE
            image[(top + y) * width + left:(top + y) * width + left + SIDE] = bits[start:start + SIDE]
    return image, width, height


def pack(values):
    out = bytearray((len(values) + 7) // 8)
    for i, v in enumerate(values):
        if v:
            out[i >> 3] |= 0x80 >> (i & 7)
    return bytes(out)


def png_1bit(image, width, height):
    stride = (width + 7) // 8
    rows = [pack(image[y * width:(y + 1) * width]) for y in range(height)]

    def paeth(a, b, c):
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        return a if pa <= pb and pa <= pc else (b if pb <= pc else c)

    def filtered(kind):
        out = bytearray()
        previous = bytes(stride)
        for row in rows:
            out.append(kind)
            for i in range(stride):
                a = row[i - 1] if i else 0
                b = previous[i]
                c = previous[i - 1] if i else 0
                predictor = (0, a, b, (a + b) >> 1, paeth(a, b, c))[kind]
                out.append((row[i] - predictor) & 0xFF)
            previous = row
        return bytes(out)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    best = min((zlib.compress(filtered(k), 9) for k in range(5)), key=len)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", best) + chunk(b"IEND", b"")


def run(command, data=None):
    return subprocess.run(command, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True).stdout


def main():
    path = sys.argv[1]
    bits = open(path, "rb").read()
    if len(bits) == 0 or len(bits) % PIXELS or any(b > 1 for b in set(bits)):
        sys.exit(f"{path}: not whole digits of 0/1 bytes")
    count = len(bits) // PIXELS
    dims = count * PIXELS
    packed = pack(bits)
    results = {}

    def record(name, size, command):
        results[name] = {"bytes": size, "bits_per_dim": 8.0 * size / dims, "command": command}

    for name, command in (("gzip", ["gzip", "-9", "-c"]), ("bzip2", ["bzip2", "-9", "-c"]), ("xz", ["xz", "-9e", "-c"])):
        raw, dense = len(run(command, bits)), len(run(command, packed))
        form = "packed bits" if dense <= raw else "one byte per pixel"
        record(name, min(raw, dense), " ".join(command) + f" ({form}; the other form: {max(raw, dense)} bytes)")

    image, width, height = tile(bits, count)
    record("png", len(png_1bit(image, width, height)), f"1-bit PNG {width}x{height}, zlib 9, best of filters 0-4")
    with tempfile.TemporaryDirectory() as work:
        pgm = os.path.join(work, "digits.pgm")
        with open(pgm, "wb") as f:
            f.write(f"P5\n{width} {height}\n255\n".encode() + bytes(255 if v else 0 for v in image))
        webp, jxl = os.path.join(work, "digits.webp"), os.path.join(work, "digits.jxl")
        run(["cwebp", "-quiet", "-lossless", "-z", "9", "-exact", pgm, "-o", webp])
        record("webp_lossless", os.path.getsize(webp), f"cwebp -lossless -z 9 -exact (one {width}x{height} grey image)")
        run(["cjxl", "-d", "0", "-e", "9", "--quiet", pgm, jxl])
        record("jpegxl_lossless", os.path.getsize(jxl), f"cjxl -d 0 -e 9 (one {width}x{height} grey image)")
        decoded = os.path.join(work, "back.pgm")
        run(["djxl", jxl, decoded, "--quiet"])
        if open(decoded, "rb").read()[-len(image):] != bytes(255 if v else 0 for v in image):
            sys.exit("JPEG XL did not decode to the digits")

    print(json.dumps({"digits": count, "dimensions": dims, "baselines": results}, indent=2))


if __name__ == "__main__":
    main()
