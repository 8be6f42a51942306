#!/usr/bin/env python3
"""Packs what stage 2 of scripts/gpu/train-shipped.sh needs for a GPU machine that receives this repository's tree.

  /usr/bin/python3 scripts/gpu/prepare-stage2.py STAGE1_DIR [--out .gpu/stage1]

STAGE1_DIR holds the stage-1 checkpoints mean-scale/model.safetensors and scale/model.safetensors (train_gained.py's
variable-rate float32 state dicts, 14.2 and 5.1 MB). They are written to OUT in float16 (9.7 MB together; stage 2
trains on from them, so the rounding does not matter) under the same names, with their metadata, so that

  STAGE1=.gpu/stage1 scripts/gpu/train-shipped.sh train OUT

runs there. Both data/photos and .gpu are ignored by git, so a tool that copies the tree must be told to carry them;
and the tree that travels must stay under 64 MiB: the photos (32.5 MB) and .gpu go along, so the shipped model files
(models/*.nicm, 58 MB) must be moved out of the tree for the duration of the call. Needs torch.
"""

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_gained  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("stage1")
    p.add_argument("--out", default=".gpu/stage1")
    args = p.parse_args()
    for run in ("mean-scale", "scale"):
        tensors, meta = train_gained.load_safetensors(os.path.join(args.stage1, run, "model.safetensors"))
        os.makedirs(os.path.join(args.out, run), exist_ok=True)
        target = os.path.join(args.out, run, "model.safetensors")
        train_gained.save_safetensors(
            target, {k: v.half() if v.dtype == torch.float32 else v for k, v in tensors.items()}, meta)
        print(f"{target}: {meta.get('arch')} N={meta.get('n')} M={meta.get('m')}, lambdas {meta.get('lambdas')}, "
              f"{meta.get('step')} steps, {os.path.getsize(target):,} bytes")


if __name__ == "__main__":
    sys.exit(main())
