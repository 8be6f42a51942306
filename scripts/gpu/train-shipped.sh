#!/usr/bin/env bash
# The recipe of the shipped models (models/README.md), in two halves.
#
# On a machine with a CUDA GPU and PyTorch (it needs no .NET), from the repository root with data/photos fetched:
#   scripts/gpu/train-shipped.sh train OUT        # both families at once on one H100, in two stages (below)
# Back on a machine with the .NET SDK, with OUT copied over (only OUT/<run>/model.safetensors and log.jsonl matter):
#   scripts/gpu/train-shipped.sh import OUT       # fold the gains, write float16 model files into OUT/models
# then check them with `nic eval data/photos/validation --models OUT/models --downscale 2` and copy the chosen ones
# into models/.
#
# Stage 1 trains each family from scratch for 23 minutes on six low and middle rate points (λ 0.0018–0.1) into
# OUT/stage1/<run>. Stage 2 starts from stage 1 (shared layers as trained, gains interpolated and extended in log λ)
# and trains 21 more minutes on the five shipped rate points, λ 0.0035–0.58, which reach the high rates, into
# OUT/<run>. STAGE1=DIR takes stage 1's checkpoints from DIR/<run>/model.safetensors instead of training them
# (scripts/gpu/prepare-stage2.py packs them for a GPU machine that receives this tree).
#
# Training resumes from OUT/.../model.safetensors and optimizer.pt when they exist (the time budget counts the
# minutes already trained).
set -euo pipefail
cd "$(dirname "$0")/../.."
step=${1:?train or import}
out=${2:?output directory}
stage1_lambdas=0.0018,0.0040,0.0090,0.0200,0.0450,0.1000
lambdas=0.0035,0.0125,0.0450,0.1600,0.5800
runs=("mean-scale mbt2018-mean 96 128 nic-mbt2018-mean" "scale bmshj2018-hyperprior 64 96 nic-bmshj2018-hyperprior")
python=${PYTHON:-python3}

# One variable-rate run of train_gained.py: ARCH N M LAMBDAS DIR MINUTES LR [more train options].
train_run() {
  local arch=$1 n=$2 m=$3 run_lambdas=$4 dir=$5 minutes=$6 lr=$7
  shift 7
  PYTHONUNBUFFERED=1 "$python" scripts/gpu/train_gained.py train --arch "$arch" --n "$n" --m "$m" \
    --lambdas "$run_lambdas" --photos data/photos/train --validation data/photos/validation \
    --out "$dir" --minutes "$minutes" --lr "$lr" --report-seconds 120 "$@"
}

case "$step" in
train)
  mkdir -p "$out"
  for run in "${runs[@]}"; do
    (
      set -- $run
      if [ -z "${STAGE1:-}" ]; then
        train_run "$2" "$3" "$4" "$stage1_lambdas" "$out/stage1/$1" 23 3e-4 > "$out/$1-stage1.log" 2>&1
      fi
      train_run "$2" "$3" "$4" "$lambdas" "$out/$1" 21 2e-4 \
        --init "${STAGE1:-$out/stage1}/$1/model.safetensors" > "$out/$1.log" 2>&1
    ) &
  done
  wait
  tail -n 2 "$out"/*.log
  ;;
import)
  dotnet build src/TorchCli -c Release >/dev/null
  for run in "${runs[@]}"; do
    set -- $run
    "$python" scripts/gpu/train_gained.py export --checkpoint "$out/$1/model.safetensors" --out "$out/$1/export"
    "$python" scripts/gpu/train_gained.py check-export --checkpoint "$out/$1/model.safetensors" --out "$out/$1/export"
    "$python" scripts/gpu/import_models.py --run "$out/$1" --family "$5" --out "$out/models" --float16
  done
  ;;
*)
  echo "usage: $0 train|import OUT" >&2
  exit 1
  ;;
esac
