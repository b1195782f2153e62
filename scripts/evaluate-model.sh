#!/usr/bin/env bash
# Evaluates a trained model the way models/default/MODEL_CARD.md reports it:
#   1. bits per cell on the validation list (the trainer's validation computation) beside the
#      baseline (the entropy of that music's cell classes), and the same baseline for the
#      training list;
#   2. 32 generated 8-bar pop pieces against 32 real 8-bar excerpts of the POP909 validation
#      songs (and the same for the Bach chorales), per-statistic overlapping areas.
# Usage: scripts/evaluate-model.sh MODEL_DIR OUT_DIR   (from the repository root, after a release build)
set -euo pipefail
model=${1:?usage: scripts/evaluate-model.sh MODEL_DIR OUT_DIR}
out=${2:?usage: scripts/evaluate-model.sh MODEL_DIR OUT_DIR}
tool=.build/release/fractalmidi
split=models/default/split
mkdir -p "$out"

"$tool" data cache "$split/train.txt" | tee "$out/train-baseline.txt"
"$tool" eval --checkpoint "$model" --data "$split/valid.txt" --json "$out/likelihood-valid.json"
for style in pop bach; do
    "$tool" data crops "$split/valid-$style.txt" --bars 8 --count 32 -o "$out/real-$style"
    "$tool" generate --model "$model" --style "$style" --bars 8 --count 32 --seed 1 --no-animation -o "$out/generated-$style"
    "$tool" eval --generated "$out/generated-$style" --reference "$out/real-$style" \
        --json "$out/statistics-$style.json" --chart "$out/statistics-$style.png"
done
