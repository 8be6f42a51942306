#!/usr/bin/env bash
# Trains the nic-mbt2018-mean-small family (mbt2018-mean, N=64, M=96) on the photo set, for hours on a CPU:
# a base model at λ = 0.013 (rate point 4), then one model per rate point fine-tuned from it. Every stage checkpoints
# every 250 steps and resumes from its checkpoint when run again; a stage whose model file exists is skipped, so the
# script can be stopped (Ctrl-C, SIGTERM) and started again at any time, across sessions.
#
#   scripts/fetch-data.sh && scripts/train-models.sh [WORK_DIR]      # models land in WORK_DIR (default train-runs/)
#
# Finished models are copied into models/ by hand, after checking them with `nic eval`.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-train-runs}
mkdir -p "$work"
dotnet build src/Cli -c Release -o "$work/bin" >/dev/null
nic() { dotnet "$work/bin/nic.dll" "$@"; }
family=nic-mbt2018-mean-small
common=(--arch mbt2018-mean --n 64 --m 96 --batch 8 --crop 128 --family "$family" --checkpoint-every 250 --validate-every 2000)

# The base: λ of CompressAI's quality 4, from the first shipped model, 20,000 more steps.
if [ ! -f "$work/$family-q4.nicm" ]; then
  nic train image -o "$work/$family-q4.nicm" --name "$family-q4" --rate-point 4 --lambda 0.0130 \
    --init models/nic-mbt2018-mean-small-q4.nicm --steps 20000 --lr 2e-4 --lr-milestones 16000 \
    --checkpoint "$work/$family-q4.ckpt" "${common[@]}"
fi

# The other rate points: CompressAI's λ for qualities 1–3 and 5–7, fine-tuned from the base.
for point in 3:0.0067 5:0.0250 2:0.0035 6:0.0483 1:0.0018 7:0.0932; do
  q=${point%%:*} lambda=${point##*:}
  if [ ! -f "$work/$family-q$q.nicm" ]; then
    nic train image -o "$work/$family-q$q.nicm" --name "$family-q$q" --rate-point "$q" --lambda "$lambda" \
      --init "$work/$family-q4.nicm" --steps 6000 --lr 1e-4 --lr-milestones 5000 \
      --checkpoint "$work/$family-q$q.ckpt" "${common[@]}"
  fi
done
echo "all rate points trained in $work"
