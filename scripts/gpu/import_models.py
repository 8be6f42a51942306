#!/usr/bin/env python3
"""Turns a variable-rate run of train_gained.py into one Nic model file per rate point.

  python3 scripts/gpu/import_models.py --run DIR --family nic-mbt2018-mean --out models [--float16] [--nic "dotnet nic-torch.dll"]

DIR holds model.safetensors and log.jsonl from `train_gained.py train` and export/rate{K}.safetensors from
`train_gained.py export`. Each model file gets the name FAMILY-q{K}, the family, its rate point and λ, and as its
`training` metadata the run's settings, steps, minutes and the validation figures of its rate point (from the final
log record, and the history of the periodic ones). Needs only the Python standard library and the `nic-torch` tool (src/TorchCli).
"""

import argparse
import json
import os
import shlex
import struct
import subprocess
import sys
import tempfile


def read_metadata(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n).decode("utf-8")).get("__metadata__", {})


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True)
    p.add_argument("--family", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--float16", action="store_true")
    p.add_argument("--nic", default="dotnet src/TorchCli/bin/Release/net10.0/nic-torch.dll")
    p.add_argument("--hardware", default="one NVIDIA H100 (PyTorch, TF32 convolutions)")
    args = p.parse_args()

    meta = read_metadata(os.path.join(args.run, "model.safetensors"))
    lambdas = [float(v) for v in meta["lambdas"].split(",")]
    records = [json.loads(line) for line in open(os.path.join(args.run, "log.jsonl")) if line.strip()]
    final = [r for r in records if r.get("final")][-1]
    os.makedirs(args.out, exist_ok=True)
    for k, lam in enumerate(lambdas, start=1):
        history = [{"step": r["step"], **{key: v for key, v in r["validation"][k - 1].items() if key != "rate_point"}}
                   for r in records if not r.get("final")]
        final_figures = {key: v for key, v in final["validation"][k - 1].items() if key != "rate_point"}
        training = {
            "trainer": "scripts/gpu/train_gained.py (PyTorch mirror of Nic.Torch's modules), imported with nic-torch models import",
            "hardware": args.hardware,
            "variable_rate": f"one model for {len(lambdas)} rate points with gain units on y and z, folded into "
                             "g_a.6, g_s.0, h_a.4 and h_s.0 for this rate point",
            "lambdas": lambdas,
            "lambda": lam,
            "steps": int(meta["step"]),
            "minutes": float(meta["minutes"]),
            "batch": int(meta["batch"]),
            "crop": int(meta["crop"]),
            "data": "data/photos/train (34 photographs of docs/data.md), box-downscaled by " + meta["factors"]
                    + "; random crops, horizontal flips; every crop draws its own rate point",
            "optimizer": f"Adam lr {meta['lr']}, 1/10 after 85 % of the time budget; gradient clip 1; "
                         "quantiles: Adam 1e-3 on the auxiliary loss, 2000 more steps at the end",
            "validation": "centre 256x256 crops of data/photos/validation at the same downscales; "
                          "bpp from the likelihoods of the rounded latents, RGB PSNR of the clamped reconstruction",
            **({"started_from": {"checkpoint": meta["init"], "lambdas": [float(v) for v in meta["init_lambdas"].split(",")],
                                 "steps": int(meta["init_step"]), "minutes": float(meta["init_minutes"])},
                "total_steps": int(meta["step"]) + int(meta["init_step"]),
                "total_minutes": round(float(meta["minutes"]) + float(meta["init_minutes"]), 2)}
               if "init" in meta else {}),
            "validation_final": final_figures,
            "validation_history": history,
        }
        name = f"{args.family}-q{k}"
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(training, f, separators=(",", ":"))
            training_path = f.name
        command = shlex.split(args.nic) + [
            "models", "import", os.path.join(args.run, "export", f"rate{k}.safetensors"),
            "-o", os.path.join(args.out, name + ".nicm"), "--arch", meta["arch"], "--name", name,
            "--lambda", repr(lam), "--rate-point", str(k), "--family", args.family, "--training", training_path]
        if args.float16:
            command.append("--float16")
        try:
            subprocess.run(command, check=True)
        finally:
            os.unlink(training_path)


if __name__ == "__main__":
    sys.exit(main())
