#!/usr/bin/env bash
# Evaluates a trained model the way models/default/MODEL_CARD.md reports it:
#   1. bits per cell on the validation list (the trainer's validation computation) beside the
#      baseline (the entropy of that music's cell classes), and the same baseline for the
#      training list;
#   2. 32 generated 8-bar pop pieces against 32 real 8-bar excerpts of the POP909 validation
#      songs (and the same for the Bach chorales), per-statistic overlapping areas; pop again
#      with seed 2;
#   3. key adherence: the second half (beats 16-32) of 16 of those pop excerpts regenerated
#      given the first, and the share of its notes outside the first half's seven main pitch
#      classes (Tools/key_adherence.py; needs python3).
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
# A second seed for pop: alike runs differ by about ±0.03 in mean OA.
"$tool" generate --model "$model" --style pop --bars 8 --count 32 --seed 2 --no-animation -o "$out/generated-pop-seed2"
"$tool" eval --generated "$out/generated-pop-seed2" --reference "$out/real-pop" --json "$out/statistics-pop-seed2.json"
mkdir -p "$out/continued-pop"
for excerpt in $(ls "$out/real-pop"/*.mid | head -16); do
    # Bars have the excerpt's own time signature (POP909 files often say 1/4 or 2/4).
    beats=$("$tool" info "$excerpt" | awk '/time signatures/ { split($3, a, "/"); print a[1]; exit }')
    "$tool" inpaint "$excerpt" --region "$((16 / beats + 1))-$((32 / beats))" --model "$model" --seed 1 \
        --no-animation -o "$out/continued-pop" > /dev/null
done
python3 Tools/key_adherence.py "$out/real-pop"
python3 Tools/key_adherence.py "$out/continued-pop"
