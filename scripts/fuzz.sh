#!/usr/bin/env bash
# Runs the coverage-guided fuzzers (libFuzzer through the Swift toolchain's -sanitize=fuzzer,
# with AddressSanitizer) on every parser of user input.
#
#   bash scripts/fuzz.sh [--runs N] [--seconds S] [--seed K] [TARGET ...]
#
# TARGET is one of midi, safetensors, config, checkpoint, regions, studio (default: all). Each target runs
# until N executions (default 1,000,000) or S seconds (default 1,800), whichever comes first,
# starting from a
# seed corpus made from ../shared/data, config/ and the test fixtures, kept in .fuzz/ so a
# second run continues where the first left off. A crash, hang (-timeout, 10 s) or allocation
# over the memory limit (-rss_limit_mb / -malloc_limit_mb, 2 GB) stops the target; its input is
# copied into Tests/FuzzRegressions/TARGET/, where the normal test suite replays it, and the
# script exits 1. A summary line per target gives executions, time and the result. --seed
# fixes libFuzzer's random seed (CI's smoke run uses one, so that it repeats).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=1000000
seconds=1800
seed=0
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        midi|safetensors|config|checkpoint|regions|studio) targets+=("$1"); shift ;;
        *) echo "scripts/fuzz.sh: unknown argument '$1'; use --runs N, --seconds S, --seed K and targets midi, safetensors, config, checkpoint, regions, studio" >&2; exit 1 ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || targets=(midi safetensors config checkpoint regions studio)
shared=${FRACTALMIDI_DATA:-$root/../shared/data}

bash scripts/install-deps.sh
echo "building the fuzzers (release, -sanitize=fuzzer,address)"
# -sanitize=fuzzer links libFuzzer but instruments only the fuzz executables themselves; the
# coverage flags instrument every module, so that the fuzzer sees which paths an input takes.
(cd Fuzz && swift build -c release --sanitize=fuzzer --sanitize=address \
    -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table 2>&1 | grep -E "error|Build complete" || true)
bin=$root/Fuzz/.build/release
for target in "${targets[@]}"; do
    [ -x "$bin/fuzz-$target" ] || { echo "scripts/fuzz.sh: the fuzzer fuzz-$target did not build; run the build line of this script by hand to see why" >&2; exit 1; }
done

work=$root/.fuzz
seed_corpus() {
    local target=$1 corpus=$work/$target/corpus
    mkdir -p "$corpus"
    [ -z "$(ls -A "$corpus")" ] || return 0
    case $target in
        midi)
            # The first 120 in sorted order. awk reads to the end where head would stop early:
            # under pipefail, sort then dies of SIGPIPE now and then and takes the script with it.
            [ -d "$shared" ] && find "$shared/midi-tests" "$shared/pop909" "$shared/bach-chorales" -type f \( -name '*.mid' -o -name '*.midi' \) -size -24k | sort | awk 'NR <= 120' | while read -r f; do cp "$f" "$corpus/"; done
            ;;
        safetensors) cp Tests/NNTests/Fixtures/*.safetensors "$corpus/" ;;
        config) cp config/*.yaml "$corpus/" ;;
        regions)
            local n=0
            for text in 3-5 9.5 3:2 5-6:C3-C5 1-2:48-72 2.25-3:2.5 1-8:A0-C8 C3-C5 48-72 7; do
                n=$((n + 1)); printf '%s' "$text" > "$corpus/seed-$n"
            done
            ;;
        studio)
            # The studio's bodies: a job of each mode, a session document, a bare piece.
            local piece='{"steps":32,"bpm":120,"beatsPerBar":4,"velocityBins":32,"notes":[{"pitch":60,"step":0,"length":4,"velocity":20},{"pitch":64,"step":8,"length":8,"velocity":12}]}'
            printf '{"mode":"new","piece":%s,"bars":2,"takes":2,"seed":7,"temperature":1.05,"topP":0.98,"cfg":1}' "$piece" > "$corpus/job-new"
            printf '{"mode":"continue","piece":%s,"bars":1,"style":"pop"}' "$piece" > "$corpus/job-continue"
            printf '{"mode":"inpaint","piece":%s,"region":{"startStep":4,"endStep":24,"lowPitch":48,"highPitch":72},"locked":[1]}' "$piece" > "$corpus/job-inpaint"
            printf '{"title":"Song","history":[{"label":"open","piece":%s,"seed":3}],"position":0}' "$piece" > "$corpus/session"
            printf '%s' "$piece" > "$corpus/piece"
            ;;
        checkpoint)
            # A tiny checkpoint: one training step of config/train_tiny.yaml on three songs.
            local run=$work/checkpoint/seed-run
            rm -rf "$run"; mkdir -p "$run"
            if [ ! -d "$shared/pop909" ]; then
                # Without the shared corpus: the bundled model's state with its weights' header.
                python3 -c 'import struct,sys; s=open(sys.argv[1],"rb").read(); w=open(sys.argv[2],"rb").read(4096); open(sys.argv[3],"wb").write(struct.pack("<I",len(s))+s+w)' \
                    models/default/state.json models/default/model.safetensors "$corpus/bundled-head"
                return 0
            fi
            printf '%s\n' "$shared/pop909/002.mid" "$shared/pop909/003.mid" "$shared/pop909/005.mid" > "$run/songs.txt"
            swift build -c release --product fractalmidi 2>&1 | grep -E "error" || true
            .build/release/fractalmidi train --config config/train_tiny.yaml --run "$run/run" --train-data "$run/songs.txt" --max-steps 1 --set logging.num_images_to_log=0 >/dev/null
            local checkpoint; checkpoint=$run/run/checkpoints/$(cat "$run/run/checkpoints/latest")
            python3 - "$checkpoint" "$corpus" <<'PY'
import struct, sys, pathlib
folder, corpus = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
state, weights = (folder / "state.json").read_bytes(), (folder / "model.safetensors").read_bytes()
join = lambda s, w: struct.pack("<I", len(s)) + s + w
(corpus / "tiny").write_bytes(join(state, weights))
(corpus / "tiny-state-only").write_bytes(join(state, b""))
PY
            ;;
    esac
    find Tests/FuzzRegressions/"$target" -type f ! -name '.*' -exec cp {} "$corpus/" \; 2>/dev/null || true
}

status=0
for target in "${targets[@]}"; do
    seed_corpus "$target"
    artifacts=$work/$target/artifacts
    mkdir -p "$artifacts"
    limit=(-runs="$runs" -max_total_time="$seconds" -seed="$seed")
    log=$work/$target/last.log
    start=$(date +%s)
    set +e
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 "$bin/fuzz-$target" "$work/$target/corpus" \
        "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 > "$log" 2>&1
    code=$?
    set -e
    elapsed=$(( $(date +%s) - start ))
    executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    if [ $code -eq 0 ]; then
        echo "fuzz-$target: $executions executions in ${elapsed} s, no crash, hang or excess allocation"
    else
        status=1
        mkdir -p "Tests/FuzzRegressions/$target"
        for found in "$artifacts"/*; do
            [ -e "$found" ] || continue
            cp "$found" "Tests/FuzzRegressions/$target/$(basename "$found")"
        done
        echo "fuzz-$target: FAILED after $executions executions in ${elapsed} s (exit $code); inputs copied to Tests/FuzzRegressions/$target/, log $log" >&2
        grep -m3 -E "ERROR|SUMMARY|Fatal error" "$log" >&2 || true
    fi
done
exit $status
