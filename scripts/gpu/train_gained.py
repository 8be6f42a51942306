#!/usr/bin/env python3
"""Variable-rate training of Nic's hyperprior models in PyTorch, for a machine with a CUDA GPU.

The modules mirror Nic.Torch parameter for parameter (CompressAI's state-dict names: g_a.0.weight, g_a.1.beta,
entropy_bottleneck._matrix0, h_s.4.weight, ...), with the same arithmetic: GDN with the reparametrized beta and
gamma, the factorized entropy bottleneck with its quantiles and auxiliary loss, the Gaussian conditional with
scales bounded below by 0.11, uniform noise in training, likelihoods bounded below by 1e-9.

One model serves every rate point r: gain vectors scale the latent y (and the hyper-latent z) channel by channel
before quantization, and inverse gains scale them back before synthesis (asymmetric gain units). Every training
image draws its own r and is weighed by that point's lambda. A gain is linear in its channel, so `export` folds
the gains of one rate point into the adjacent convolutions (the last of g_a and h_a per output channel, the first
of g_s and h_s per input channel) and writes an ordinary fixed-rate state dict per rate point, which
`nic-torch models import` turns into a Nic model file.

  train:  python3 train_gained.py train --arch mbt2018-mean --n 96 --m 128 --lambdas 0.0018,... \
              --photos data/photos/train --validation data/photos/validation --out DIR --minutes 20
  export: python3 train_gained.py export --checkpoint DIR/model.safetensors --out DIR/export
  evaluate: python3 train_gained.py evaluate --checkpoint DIR/model.safetensors --lambdas 0.2,0.4 \
              --validation data/photos/validation    (validation figures with the gains --init would start from)

`--init FILE.nicm` starts a new run from a Nic model file of the same architecture (a model file is a safetensors
state dict under the same names): its weights, with its rate point's gains folded in, start the shared layers, and the
gains start at ±½·ln(λ/λ_file), e.g. to train higher-rate points on from a shipped model. `--init DIR/model.safetensors`
starts from a checkpoint of this script trained for other λs: the shared layers as they are, the gains interpolated in
log λ between its rate points and extended beyond them by the same ½·ln rule. The checkpoint's steps and minutes are
kept in the new run's metadata (init_step, init_minutes), so the model files can state the whole training.

Checkpoints (DIR/model.safetensors, DIR/optimizer.pt) are written every --checkpoint-minutes and at the end;
`train` resumes from them when they exist. The validation figures per rate point go to DIR/log.jsonl.
"""

import argparse
import json
import math
import os
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# ---------------------------------------------------------------------------------------------------------------
# safetensors, written and read here so that the script needs nothing beyond torch (and Pillow for `train`).

_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.int32: "I32"}
_FROM_DTYPE = {v: k for k, v in _DTYPES.items()}


def save_safetensors(path, tensors, metadata=None):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu").contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": _DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        dtype = _FROM_DTYPE[e["dtype"]]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(e["shape"]).clone()
    return tensors, metadata


# ---------------------------------------------------------------------------------------------------------------
# Layers, as Nic.Torch defines them.

PEDESTAL = 2.0 ** -36
GAMMA_BOUND = 2.0 ** -18
BETA_BOUND = math.sqrt(1e-6 + PEDESTAL)


class _LowerBound(torch.autograd.Function):
    """max(x, bound), passing the gradient where x ≥ bound or where it pushes x up (CompressAI's LowerBound)."""

    @staticmethod
    def forward(ctx, x, bound):
        ctx.save_for_backward(x)
        ctx.bound = bound
        return x.clamp_min(bound)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        pass_through = (x >= ctx.bound) | (grad < 0)
        return grad * pass_through.to(grad.dtype), None


def lower_bound(x, bound):
    return _LowerBound.apply(x, bound)


class Gdn(nn.Module):
    def __init__(self, channels, inverse=False):
        super().__init__()
        self.inverse = inverse
        self.beta = nn.Parameter(torch.sqrt(torch.ones(channels) + PEDESTAL))
        self.gamma = nn.Parameter(torch.sqrt(0.1 * torch.eye(channels) + PEDESTAL))

    def forward(self, x):
        c = x.shape[1]
        beta = lower_bound(self.beta, BETA_BOUND) ** 2 - PEDESTAL
        gamma = (lower_bound(self.gamma, GAMMA_BOUND) ** 2 - PEDESTAL).reshape(c, c, 1, 1)
        norm = F.conv2d(x * x, gamma, beta)
        return x * torch.sqrt(norm) if self.inverse else x * torch.rsqrt(norm)


def conv(cin, cout, k=5, s=2):
    return nn.Conv2d(cin, cout, k, stride=s, padding=k // 2)


def deconv(cin, cout, k=5, s=2):
    return nn.ConvTranspose2d(cin, cout, k, stride=s, padding=k // 2, output_padding=s - 1)


class EntropyBottleneck(nn.Module):
    """The factorized density of Ballé et al. 2018 (filters 3,3,3,3), quantiles trained by the auxiliary loss."""

    def __init__(self, channels, filters=(3, 3, 3, 3), init_scale=10.0, tail_mass=1e-9):
        super().__init__()
        widths = (1,) + tuple(filters) + (1,)
        scale = init_scale ** (1.0 / (len(filters) + 1))
        self.layers = len(widths) - 1
        for k in range(self.layers):
            init = math.log(math.expm1(1.0 / scale / widths[k + 1]))
            self.register_parameter(f"_matrix{k}", nn.Parameter(torch.full((channels, widths[k + 1], widths[k]), init)))
            self.register_parameter(f"_bias{k}", nn.Parameter(torch.empty(channels, widths[k + 1], 1).uniform_(-0.5, 0.5)))
            if k < self.layers - 1:
                self.register_parameter(f"_factor{k}", nn.Parameter(torch.zeros(channels, widths[k + 1], 1)))
        self.quantiles = nn.Parameter(torch.tensor([-init_scale, 0.0, init_scale]).repeat(channels, 1, 1))
        target = math.log(2 / tail_mass - 1)
        self.register_buffer("target", torch.tensor([-target, 0.0, target]))

    def logits_cumulative(self, x, stop_gradient):
        for k in range(self.layers):
            matrix = getattr(self, f"_matrix{k}")
            bias = getattr(self, f"_bias{k}")
            if stop_gradient:
                matrix, bias = matrix.detach(), bias.detach()
            x = torch.matmul(F.softplus(matrix), x) + bias
            if k < self.layers - 1:
                factor = getattr(self, f"_factor{k}")
                if stop_gradient:
                    factor = factor.detach()
                x = x + torch.tanh(factor) * torch.tanh(x)
        return x

    def likelihood(self, x):
        lower = self.logits_cumulative(x - 0.5, False)
        upper = self.logits_cumulative(x + 0.5, False)
        sign = -torch.sign(lower + upper).detach()
        return torch.abs(torch.sigmoid(sign * upper) - torch.sigmoid(sign * lower))

    def forward(self, x):
        if self.training:
            out = x + torch.empty_like(x).uniform_(-0.5, 0.5)
        else:
            medians = self.quantiles[:, :, 1:2].detach().reshape(1, -1, 1, 1)
            out = torch.round(x - medians) + medians
        b, c, h, w = out.shape
        values = out.permute(1, 0, 2, 3).reshape(c, 1, -1)
        lik = self.likelihood(values).reshape(c, b, h, w).permute(1, 0, 2, 3)
        return out, lower_bound(lik, 1e-9)

    def aux_loss(self):
        logits = self.logits_cumulative(self.quantiles, True)
        return torch.abs(logits - self.target).sum()


SCALE_BOUND = 0.11


def gaussian_likelihood(values, scales, means):
    centred = torch.abs(values - means) if means is not None else torch.abs(values)
    s = lower_bound(scales, SCALE_BOUND)
    upper = 0.5 * torch.erfc(-((0.5 - centred) / s) / math.sqrt(2))
    lower = 0.5 * torch.erfc(-((-0.5 - centred) / s) / math.sqrt(2))
    return lower_bound(upper - lower, 1e-9)


class GainedHyperprior(nn.Module):
    """bmshj2018-hyperprior (scale) or mbt2018-mean (mean-scale) with gain units for R rate points."""

    def __init__(self, arch, n, m, rates, lambdas=None, reference_lambda=None):
        super().__init__()
        self.arch, self.n, self.m, self.rates = arch, n, m, rates
        self.g_a = nn.Sequential(conv(3, n), Gdn(n), conv(n, n), Gdn(n), conv(n, n), Gdn(n), conv(n, m))
        self.g_s = nn.Sequential(deconv(m, n), Gdn(n, True), deconv(n, n), Gdn(n, True), deconv(n, n), Gdn(n, True),
                                 deconv(n, 3))
        if arch == "mbt2018-mean":
            self.h_a = nn.Sequential(conv(m, n, 3, 1), nn.LeakyReLU(0.01), conv(n, n), nn.LeakyReLU(0.01), conv(n, n))
            self.h_s = nn.Sequential(deconv(n, m), nn.LeakyReLU(0.01), deconv(m, m * 3 // 2), nn.LeakyReLU(0.01),
                                     conv(m * 3 // 2, 2 * m, 3, 1))
        elif arch == "bmshj2018-hyperprior":
            self.h_a = nn.Sequential(conv(m, n, 3, 1), nn.ReLU(), conv(n, n), nn.ReLU(), conv(n, n))
            self.h_s = nn.Sequential(deconv(n, n), nn.ReLU(), deconv(n, n), nn.ReLU(), conv(n, m, 3, 1), nn.ReLU())
        else:
            raise ValueError(f"unknown architecture {arch}")
        self.entropy_bottleneck = EntropyBottleneck(n)
        # Log-gains: y·exp(gain[r]) is quantized, ŷ·exp(inverse_gain[r]) is synthesized; likewise z.
        # They start where high-rate theory puts them: the quantization step ∝ 1/sqrt(λ), so gain ∝ sqrt(λ).
        # Relative to the geometric mean of the λs, or to the λ of the model the weights start from.
        if reference_lambda is None and lambdas is not None:
            reference_lambda = math.exp(sum(math.log(v) for v in lambdas) / len(lambdas))
        start = torch.zeros(rates, 1) if lambdas is None else 0.5 * torch.log(
            torch.tensor(lambdas) / reference_lambda).reshape(rates, 1)
        self.y_gain = nn.Parameter(start.repeat(1, m))
        self.y_inverse_gain = nn.Parameter(-start.repeat(1, m))
        self.z_gain = nn.Parameter(torch.zeros(rates, n))
        self.z_inverse_gain = nn.Parameter(torch.zeros(rates, n))

    def transform_parameters(self):
        return [p for name, p in self.named_parameters() if name != "entropy_bottleneck.quantiles"]

    def forward(self, x, r):
        g = lambda p: torch.exp(p[r]).reshape(len(r), -1, 1, 1)
        y = self.g_a(x) * g(self.y_gain)
        z = self.h_a(torch.abs(y) if self.arch == "bmshj2018-hyperprior" else y) * g(self.z_gain)
        z_hat, z_lik = self.entropy_bottleneck(z)
        params = self.h_s(z_hat * g(self.z_inverse_gain))
        if self.arch == "mbt2018-mean":
            scales, means = params.chunk(2, 1)
        else:
            scales, means = params, None
        if self.training:
            y_hat = y + torch.empty_like(y).uniform_(-0.5, 0.5)
        else:
            y_hat = torch.round(y - means) + means if means is not None else torch.round(y)
        y_lik = gaussian_likelihood(y_hat, scales, means)
        x_hat = self.g_s(y_hat * g(self.y_inverse_gain))
        if not self.training:
            x_hat = x_hat.clamp(0, 1)
        bits = -(torch.log2(y_lik).sum((1, 2, 3)) + torch.log2(z_lik).sum((1, 2, 3)))
        return x_hat, bits


# ---------------------------------------------------------------------------------------------------------------
# Data: the photographs at downscales 2, 3 and 4 (box average), held on the device as uint8.

def load_photos(directory, factors, device, minimum_side):
    from PIL import Image

    photos = []
    for name in sorted(os.listdir(directory)):
        if not name.lower().endswith((".jpg", ".jpeg", ".png")):
            continue
        image = Image.open(os.path.join(directory, name)).convert("RGB")
        for f in factors:
            small = image.reduce(f)
            if min(small.size) < minimum_side:
                continue
            data = torch.frombuffer(bytearray(small.tobytes()), dtype=torch.uint8)
            photos.append((name, f, data.reshape(small.size[1], small.size[0], 3).permute(2, 0, 1).contiguous().to(device)))
    if not photos:
        raise SystemExit(f"no photograph in {directory}")
    return photos


def random_batch(photos, weights, batch, crop, generator, device):
    picks = torch.multinomial(weights, batch, replacement=True, generator=generator).tolist()
    out = torch.empty(batch, 3, crop, crop, dtype=torch.uint8, device=device)
    for i, p in enumerate(picks):
        img = photos[p][2]
        top = int(torch.randint(0, img.shape[1] - crop + 1, (1,), generator=generator))
        left = int(torch.randint(0, img.shape[2] - crop + 1, (1,), generator=generator))
        patch = img[:, top:top + crop, left:left + crop]
        if int(torch.randint(0, 2, (1,), generator=generator)):
            patch = patch.flip(2)
        out[i] = patch
    return out.float().div_(255)


def centre_crops(photos, crop):
    crops = []
    for _, _, img in photos:
        top, left = (img.shape[1] - crop) // 2, (img.shape[2] - crop) // 2
        crops.append(img[:, top:top + crop, left:left + crop].float().div(255))
    return torch.stack(crops)


@torch.no_grad()
def validate(model, crops, rates):
    model.eval()
    figures = []
    for r in range(rates):
        index = torch.full((crops.shape[0],), r, dtype=torch.long, device=crops.device)
        x_hat, bits = model(crops, index)
        mse = ((x_hat - crops) ** 2).mean((1, 2, 3))
        psnr = (10 * torch.log10(1 / mse.clamp_min(1e-12))).mean().item()
        bpp = (bits / (crops.shape[2] * crops.shape[3])).mean().item()
        figures.append({"rate_point": r + 1, "bpp": round(bpp, 4), "psnr": round(psnr, 3)})
    model.train()
    return figures


def interpolate_gains(tensors, old_lambdas, new_lambdas):
    """The four gain tensors for new_lambdas from a checkpoint trained at old_lambdas (both rising)."""
    logs = [math.log(v) for v in old_lambdas]
    out = {name: [] for name in ("y_gain", "y_inverse_gain", "z_gain", "z_inverse_gain")}
    for lam in new_lambdas:
        t = math.log(lam)
        if t <= logs[0] or t >= logs[-1]:
            end = 0 if t <= logs[0] else len(logs) - 1
            shift = 0.5 * (t - logs[end])
            picked = {"y_gain": tensors["y_gain"][end] + shift, "y_inverse_gain": tensors["y_inverse_gain"][end] - shift,
                      "z_gain": tensors["z_gain"][end], "z_inverse_gain": tensors["z_inverse_gain"][end]}
        else:
            i = max(k for k in range(len(logs) - 1) if logs[k] <= t)
            w = (t - logs[i]) / (logs[i + 1] - logs[i])
            picked = {name: (1 - w) * tensors[name][i] + w * tensors[name][i + 1] for name in out}
        for name in out:
            out[name].append(picked[name].to(torch.float32))
    return {name: torch.stack(rows) for name, rows in out.items()}


def train(args):
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    device = torch.device(args.device if args.device else ("cuda" if torch.cuda.is_available() else "cpu"))
    torch.manual_seed(args.seed)
    lambdas = [float(v) for v in args.lambdas.split(",")]
    rates = len(lambdas)
    os.makedirs(args.out, exist_ok=True)
    model_path = os.path.join(args.out, "model.safetensors")
    optimizer_path = os.path.join(args.out, "optimizer.pt")
    log_path = os.path.join(args.out, "log.jsonl")

    factors = [int(f) for f in args.factors.split(",")]
    started = time.time()
    train_photos = load_photos(args.photos, factors, device, args.crop)
    val_photos = load_photos(args.validation, factors, device, args.crop)
    crops = centre_crops(val_photos, args.crop)
    weights = torch.tensor([float(p[2].shape[1] * p[2].shape[2]) for p in train_photos])
    print(f"data: {len(train_photos)} training photos, {crops.shape[0]} validation crops, {time.time() - started:.1f} s",
          flush=True)

    init_tensors, reference_lambda, init_gains, lineage = None, None, None, {}
    if args.init and not os.path.exists(model_path):
        init_tensors, init_meta = load_safetensors(args.init)
        lineage = {"init": os.path.basename(os.path.dirname(os.path.abspath(args.init))) + "/" + os.path.basename(args.init),
                   "init_lambdas": init_meta.get("lambdas", init_meta.get("lambda", "")),
                   "init_step": int(init_meta.get("step", 0) or 0) + int(init_meta.get("init_step", 0) or 0),
                   "init_minutes": float(init_meta.get("minutes", 0) or 0) + float(init_meta.get("init_minutes", 0) or 0)}
        if "y_gain" in init_tensors:
            # A checkpoint of this script (variable-rate, possibly for other λs): its shared layers as they are, and
            # each new rate point's gains interpolated between its own in log λ, or extended by the high-rate rule
            # (y gain ∝ sqrt(λ)) beyond its lowest and highest λ.
            shape = (init_meta.get("arch"), int(init_meta["n"]), int(init_meta["m"]))
            init_gains = interpolate_gains(init_tensors, [float(v) for v in init_meta["lambdas"].split(",")], lambdas)
        else:
            # A Nic model file is a safetensors state dict under the same names: its weights (with that rate point's
            # gains folded in) start the shared layers, and the gains start relative to its λ.
            shape = (init_meta.get("architecture"), int(init_meta["N"]), int(init_meta["M"]))
            reference_lambda = float(init_meta["lambda"])
        if shape != (args.arch, args.n, args.m):
            raise SystemExit(f"{args.init} is {shape[0]} N={shape[1]} M={shape[2]}, not {args.arch} N={args.n} M={args.m}")
    model = GainedHyperprior(args.arch, args.n, args.m, rates, lambdas, reference_lambda).to(device)
    if init_tensors is not None:
        own = model.state_dict()
        initial = {k: v.to(torch.float32) for k, v in init_tensors.items() if k in own and not k.endswith("gain")}
        missing = [k for k in own if k not in initial and not k.endswith(("gain", ".target"))]
        if missing:
            raise SystemExit(f"{args.init} lacks {', '.join(missing)}")
        initial.update(init_gains or {})
        model.load_state_dict({**own, **{k: v.to(device) for k, v in initial.items()}})
        print(f"weights from {args.init}" + (f" (lambda {reference_lambda})" if reference_lambda else ""), flush=True)
    optimizer = torch.optim.Adam(model.transform_parameters(), lr=args.lr)
    aux_optimizer = torch.optim.Adam([model.entropy_bottleneck.quantiles], lr=1e-3)
    step, elapsed_before = 0, 0.0
    if os.path.exists(model_path) and os.path.exists(optimizer_path):
        tensors, meta = load_safetensors(model_path)
        model.load_state_dict({k: v.to(device) for k, v in tensors.items()})
        lineage = {k: v for k, v in meta.items() if k.startswith("init")}
        state = torch.load(optimizer_path, map_location=device)
        optimizer.load_state_dict(state["optimizer"])
        aux_optimizer.load_state_dict(state["aux_optimizer"])
        step, elapsed_before = state["step"], state["elapsed"]
        print(f"resumed at step {step} ({elapsed_before / 60:.1f} min trained)", flush=True)
    model = model.to(memory_format=torch.channels_last)
    budget = args.minutes * 60
    generator = torch.Generator(device="cpu").manual_seed(args.seed + step)
    lambda_tensor = torch.tensor(lambdas, device=device)

    def save(final):
        meta = {"arch": args.arch, "n": args.n, "m": args.m, "lambdas": args.lambdas, "step": step,
                "batch": args.batch, "crop": args.crop, "factors": args.factors, "lr": args.lr,
                "minutes": round((elapsed_before + time.time() - session_start) / 60, 2), **lineage}
        save_safetensors(model_path, dict(model.state_dict()), meta)
        torch.save({"optimizer": optimizer.state_dict(), "aux_optimizer": aux_optimizer.state_dict(), "step": step,
                    "elapsed": elapsed_before + time.time() - session_start}, optimizer_path + ".tmp")
        os.replace(optimizer_path + ".tmp", optimizer_path)
        if final:
            figures = validate(model, crops, rates)
            record = {"step": step, "final": True, "minutes": meta["minutes"], "validation": figures}
            with open(log_path, "a") as f:
                f.write(json.dumps(record) + "\n")
            print(json.dumps(record), flush=True)

    session_start = time.time()
    last_checkpoint, last_report = session_start, session_start
    window = {"loss": 0.0, "bpp": 0.0, "mse": 0.0, "n": 0}
    while True:
        elapsed = elapsed_before + time.time() - session_start
        if elapsed >= budget or (args.steps and step >= args.steps):
            break
        fraction = elapsed / budget
        lr = args.lr * (0.1 if fraction >= args.decay_at else 1.0)
        for group in optimizer.param_groups:
            group["lr"] = lr
        x = random_batch(train_photos, weights, args.batch, args.crop, generator, device)
        x = x.contiguous(memory_format=torch.channels_last)
        r = torch.randint(0, rates, (args.batch,), generator=generator).to(device)
        x_hat, bits = model(x, r)
        mse = ((x_hat - x) ** 2).mean((1, 2, 3))
        bpp = bits / (args.crop * args.crop)
        loss = (lambda_tensor[r] * 255 ** 2 * mse + bpp).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.transform_parameters(), 1.0)
        optimizer.step()
        aux_optimizer.zero_grad(set_to_none=True)
        aux = model.entropy_bottleneck.aux_loss()
        aux.backward()
        aux_optimizer.step()
        step += 1
        window["loss"] += loss.item() if step % 50 == 0 else 0.0
        window["n"] += 1 if step % 50 == 0 else 0
        now = time.time()
        if now - last_report >= args.report_seconds:
            figures = validate(model, crops, rates)
            record = {"step": step, "minutes": round((elapsed_before + now - session_start) / 60, 2), "lr": lr,
                      "loss": round(window["loss"] / max(window["n"], 1), 4), "aux": round(aux.item(), 2),
                      "validation": figures}
            window = {"loss": 0.0, "bpp": 0.0, "mse": 0.0, "n": 0}
            with open(log_path, "a") as f:
                f.write(json.dumps(record) + "\n")
            print(json.dumps(record), flush=True)
            last_report = now
        if now - last_checkpoint >= args.checkpoint_minutes * 60:
            save(False)
            last_checkpoint = now
    # Let the quantiles settle on the final density before the tables are frozen.
    for _ in range(args.final_aux_steps):
        aux_optimizer.zero_grad(set_to_none=True)
        aux = model.entropy_bottleneck.aux_loss()
        aux.backward()
        aux_optimizer.step()
    save(True)
    print(f"done: {step} steps, aux {model.entropy_bottleneck.aux_loss().item():.3f}", flush=True)


# ---------------------------------------------------------------------------------------------------------------
# Export: one fixed-rate state dict per rate point, the gains folded into the adjacent convolutions.

def export(args):
    tensors, meta = load_safetensors(args.checkpoint)
    arch = meta["arch"]
    lambdas = [float(v) for v in meta["lambdas"].split(",")]
    os.makedirs(args.out, exist_ok=True)
    hs_first = "h_s.0"
    for r, lam in enumerate(lambdas):
        out = {k: v.clone() for k, v in tensors.items() if not k.endswith("gain")}
        gy = torch.exp(tensors["y_gain"][r])
        iy = torch.exp(tensors["y_inverse_gain"][r])
        gz = torch.exp(tensors["z_gain"][r])
        iz = torch.exp(tensors["z_inverse_gain"][r])
        # Conv2d weight [out, in, k, k]: scale output channels. ConvTranspose2d weight [in, out, k, k]: scale inputs.
        out["g_a.6.weight"] = tensors["g_a.6.weight"] * gy.reshape(-1, 1, 1, 1)
        out["g_a.6.bias"] = tensors["g_a.6.bias"] * gy
        out["g_s.0.weight"] = tensors["g_s.0.weight"] * iy.reshape(-1, 1, 1, 1)
        out["h_a.4.weight"] = tensors["h_a.4.weight"] * gz.reshape(-1, 1, 1, 1)
        out["h_a.4.bias"] = tensors["h_a.4.bias"] * gz
        out[hs_first + ".weight"] = tensors[hs_first + ".weight"] * iz.reshape(-1, 1, 1, 1)
        # h_a's first convolution sees the gained y, so it needs no change; h_s predicts the gained y's parameters.
        path = os.path.join(args.out, f"rate{r + 1}.safetensors")
        save_safetensors(path, out, {"arch": arch, "lambda": lam, "rate_point": r + 1, "step": meta.get("step", "")})
        print(f"{path}: rate point {r + 1}, lambda {lam}")


def check_export(args):
    """Checks on random images that a folded state dict gives the gained model's output at every rate point."""
    tensors, meta = load_safetensors(args.checkpoint)
    lambdas = [float(v) for v in meta["lambdas"].split(",")]
    model = GainedHyperprior(meta["arch"], int(meta["n"]), int(meta["m"]), len(lambdas))
    model.load_state_dict(tensors)
    model.eval()
    x = torch.rand(2, 3, 128, 128, generator=torch.Generator().manual_seed(1))
    worst = 0.0
    for r in range(len(lambdas)):
        folded, _ = load_safetensors(os.path.join(args.out, f"rate{r + 1}.safetensors"))
        plain = GainedHyperprior(meta["arch"], int(meta["n"]), int(meta["m"]), 1)
        folded.update({k: torch.zeros_like(v[:1]) for k, v in tensors.items() if k.endswith("gain")})
        plain.load_state_dict(folded)
        plain.eval()
        index = torch.full((2,), r, dtype=torch.long)
        with torch.no_grad():
            a, bits_a = model(x, index)
            b, bits_b = plain(x, torch.zeros(2, dtype=torch.long))
        diff = (a - b).abs().max().item()
        worst = max(worst, diff)
        print(f"rate point {r + 1}: largest output difference {diff:.2e}, bits {bits_a.sum().item():.1f} vs {bits_b.sum().item():.1f}")
    if worst > 1e-3:
        raise SystemExit("folded gains do not reproduce the gained model")


def evaluate(args):
    """Validation figures of a checkpoint at any λs, its gains interpolated or extended as --init would start them."""
    tensors, meta = load_safetensors(args.checkpoint)
    lambdas = [float(v) for v in args.lambdas.split(",")]
    model = GainedHyperprior(meta["arch"], int(meta["n"]), int(meta["m"]), len(lambdas))
    shared = {k: v.to(torch.float32) for k, v in tensors.items() if not k.endswith("gain")}
    shared.update(interpolate_gains(tensors, [float(v) for v in meta["lambdas"].split(",")], lambdas))
    model.load_state_dict(shared)
    crops = centre_crops(load_photos(args.validation, [int(f) for f in args.factors.split(",")], "cpu", args.crop), args.crop)
    for lam, figures in zip(lambdas, validate(model, crops, len(lambdas))):
        print(json.dumps({"lambda": lam, "bpp": figures["bpp"], "psnr": figures["psnr"]}), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train")
    t.add_argument("--arch", required=True, choices=["mbt2018-mean", "bmshj2018-hyperprior"])
    t.add_argument("--n", type=int, required=True)
    t.add_argument("--m", type=int, required=True)
    t.add_argument("--lambdas", required=True, help="comma-separated, one per rate point, rising")
    t.add_argument("--photos", required=True)
    t.add_argument("--validation", required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--minutes", type=float, required=True, help="training time budget, resumed runs included")
    t.add_argument("--steps", type=int, default=0, help="stop after this many steps (0: time budget only)")
    t.add_argument("--batch", type=int, default=16)
    t.add_argument("--crop", type=int, default=256)
    t.add_argument("--factors", default="2,3,4")
    t.add_argument("--lr", type=float, default=1e-4)
    t.add_argument("--decay-at", type=float, default=0.85, help="fraction of the budget after which lr is 1/10")
    t.add_argument("--checkpoint-minutes", type=float, default=2.0)
    t.add_argument("--report-seconds", type=float, default=60.0)
    t.add_argument("--final-aux-steps", type=int, default=2000)
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--device", default="")
    t.add_argument("--init", default="", help="a Nic model file (.nicm), or a checkpoint of this script for other "
                   "lambdas, of the same architecture to start from")
    e = sub.add_parser("export")
    e.add_argument("--checkpoint", required=True)
    e.add_argument("--out", required=True)
    c = sub.add_parser("check-export")
    c.add_argument("--checkpoint", required=True)
    c.add_argument("--out", required=True)
    v = sub.add_parser("evaluate")
    v.add_argument("--checkpoint", required=True)
    v.add_argument("--lambdas", required=True, help="comma-separated, rising")
    v.add_argument("--validation", required=True)
    v.add_argument("--crop", type=int, default=256)
    v.add_argument("--factors", default="2,3,4")
    args = p.parse_args()
    {"train": train, "export": export, "check-export": check_export, "evaluate": evaluate}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
