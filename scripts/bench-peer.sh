#!/usr/bin/env bash
# Times FractalMIDI beside the reference (the original PyTorch FractalMIDI, run by
# ../shared/bench/peer/) in one run, one command after the other, and prints a Markdown table
# of the times and their ratios. Absolute times drift between machines and days; the ratios
# of one run do not.
#
#   bash scripts/bench-peer.sh [--threads "1 2"] [--configs "small default"] [--steps 5] [--binary PATH]
#
# Needs the reference's venv and source from `bash ../shared/bench/peer/setup.sh GIT_DIR`
# (see ../shared/bench/peer/README.md) and a release build (`swift build -c release`).
# Pairs: `small` = config/bench_small_mar.yaml (batch 8, width 256), `default` =
# config/train_default.yaml (batch 4, width 512); sampling one roll with iterations 12,8,4 on
# both sides. Training times are medians of --steps timed steps after one warm-up on both
# sides (the reference's work per step varies with its random masks); sampling is one roll
# for us and the median of two for the reference.
set -euo pipefail
cd "$(dirname "$0")/.."

threads="1 2"
configs="small default"
steps=5
binary=.build/release/fractalmidi
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --configs) configs="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    *) echo "bench-peer.sh: unknown argument $1; use --threads, --configs, --steps or --binary" >&2; exit 1 ;;
  esac
done

peer_dir=../shared/bench/peer
python=${TMPDIR:-/tmp}/fm-peer-venv/bin/python
source_dir=${TMPDIR:-/tmp}/fm-peer-src
if [ ! -x "$python" ] || [ ! -d "$source_dir" ]; then
  echo "bench-peer.sh: no reference venv at $python; run bash $peer_dir/setup.sh GIT_DIR first ($peer_dir/README.md)" >&2
  exit 1
fi
if [ ! -x "$binary" ]; then
  echo "bench-peer.sh: no binary at $binary; run swift build -c release first" >&2
  exit 1
fi

echo "| config | threads | ours: train step | reference: train step | ratio | ours: sample | reference: sample | ratio | ours: peak RSS | reference: peak RSS |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for config in $configs; do
  case "$config" in
    small) file=config/bench_small_mar.yaml; batch=8; width=256 ;;
    default) file=config/train_default.yaml; batch=4; width=512 ;;
    *) echo "bench-peer.sh: unknown config $config; use small or default" >&2; exit 1 ;;
  esac
  for t in $threads; do
    ours=$("$binary" bench model --config "$file" --batch "$batch" --width "$width" --iters 12,8,4 \
             --threads "$t" --steps "$steps" --json)
    peer_train=$(cd "$source_dir" && "$python" "$OLDPWD/$peer_dir/peer_bench.py" --config "$config" --mode train \
                   --threads "$t" --steps "$steps" 2>/dev/null)
    peer_sample=$(cd "$source_dir" && "$python" "$OLDPWD/$peer_dir/peer_bench.py" --config "$config" --mode sample \
                    --threads "$t" 2>/dev/null)
    python3 - "$config" "$t" "$ours" "$peer_train" "$peer_sample" <<'EOF'
import json, sys
config, threads, ours, train, sample = sys.argv[1], sys.argv[2], *map(json.loads, sys.argv[3:])
o_train, o_sample = ours["train_step_s"], ours["sample_s"]
p_train, p_sample = train["median_s"], sample["median_s"]
o_rss = ours["peak_rss_mb"]
p_rss = max(train["peak_rss_mb"], sample["peak_rss_mb"])
print(f"| {config} | {threads} | {o_train:.2f} s | {p_train:.2f} s | {o_train / p_train:.2f} | "
      f"{o_sample:.2f} s | {p_sample:.2f} s | {o_sample / p_sample:.2f} | {o_rss:,.0f} MB | {p_rss:,.0f} MB |")
EOF
  done
done
