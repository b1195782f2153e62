#!/usr/bin/env python3
"""Writes Tests/EvaluationTests/Fixtures/muspy_statistics.json: per-piece statistics of a dozen
corpus files, computed by the independent muspy library (and, for the statistics muspy lacks or
defines differently, by plain numpy below), for the Evaluation module's agreement tests.

To compare like with like, muspy does not read the corpus files itself (it has its own MIDI
rules). Each file is first quantised by FractalMIDI (`fractalmidi roll FILE --mid OUT`), the
quantised roll's MIDI is read with mido (480 ticks per beat, 120 per 16th-note step), and its
notes are handed to muspy as a `muspy.Music` with resolution 4 (steps per beat). Lengths are
the end of the last note (muspy's rule); the Swift test crops the roll to the same length.

Usage (muspy and mido in a virtual environment):
    python3 -m venv /tmp/muspyenv && /tmp/muspyenv/bin/pip install muspy
    swift build --product fractalmidi
    /tmp/muspyenv/bin/python Tools/make_muspy_fixtures.py .build/debug/fractalmidi
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import mido
import muspy
import numpy as np

FILES = [
    "pop909/002.mid", "pop909/003.mid", "pop909/005.mid", "pop909/008.mid",
    "bach-chorales/bach_bwv101.7.mid", "bach-chorales/bach_bwv103.6.mid",
    "bach-chorales/bach_bwv11.6.mid", "bach-chorales/bach_bwv144.3.mid",
    "midi-tests/pianobooster/BeginnerCourse_02-ChordOfCMajor.mid",
    "midi-tests/pianobooster/BoosterMusic_03-SkipToMyLoo.mid",
    "midi-tests/pianobooster/BoosterMusic_06-Greensleeves.mid",
    "midi-tests/pianobooster/BoosterMusic_07-AmazingGrace.mid",
]
TICKS_PER_STEP = 120
STEPS_PER_BEAT = 4


def read_quantised(path):
    """Notes [(step, pitch, length, velocity)] and time signatures [(step, num, den)]."""
    midi = mido.MidiFile(path)
    assert midi.ticks_per_beat == TICKS_PER_STEP * STEPS_PER_BEAT
    notes, signatures = [], []
    for track in midi.tracks:
        tick, pending = 0, {}
        for message in track:
            tick += message.time
            if message.type == "time_signature":
                signatures.append((tick // TICKS_PER_STEP, message.numerator, message.denominator))
            elif message.type == "note_on" and message.velocity > 0:
                pending.setdefault(message.note, []).append((tick, message.velocity))
            elif message.type in ("note_off", "note_on"):
                start, velocity = pending[message.note].pop(0)
                assert start % TICKS_PER_STEP == 0 and tick % TICKS_PER_STEP == 0
                notes.append((start // TICKS_PER_STEP, message.note,
                              (tick - start) // TICKS_PER_STEP, velocity))
    return sorted(notes), sorted(signatures) or [(0, 4, 4)]


def bars(signatures, length):
    """(start, nominal length) of each bar over `length` steps."""
    result = []
    for index, (start, numerator, denominator) in enumerate(signatures):
        bar = max(1, numerator * 16 // denominator)
        end = signatures[index + 1][0] if index + 1 < len(signatures) else length
        step = start
        while step < min(end, length):
            result.append((step, bar if end >= length else min(bar, end - step)))
            step += bar
    return result


def reference_statistics(notes, signatures, length):
    """The statistics muspy lacks or defines differently, by FractalMIDI's definitions."""
    active = np.zeros((length, 128), bool)
    for step, pitch, duration, _ in notes:
        active[step:step + duration, pitch] = True
    n_beats = math.ceil(length / STEPS_PER_BEAT)
    sounding = active.any(axis=1)
    empty = sum(not sounding[b * STEPS_PER_BEAT:(b + 1) * STEPS_PER_BEAT].any() for b in range(n_beats))

    bar_list = bars(signatures, length)
    patterns = []
    onsets = {step for step, _, _, _ in notes}
    for start, size in bar_list:
        patterns.append({step - start for step in onsets if start <= step < start + size})
    if len(bar_list) < 2:
        groove = math.nan
    else:
        distance = sum(len(a ^ b) for a, b in zip(patterns, patterns[1:]))
        total = sum(max(a[1], b[1]) for a, b in zip(bar_list, bar_list[1:]))
        groove = 1 - distance / total

    onset_steps = sorted(onsets)
    velocities = np.array([velocity for _, _, _, velocity in notes], float)
    return {
        "empty_beat_rate": empty / n_beats,
        "groove_consistency": groove,
        "note_density": len(notes) / (length / STEPS_PER_BEAT),
        "mean_note_duration": float(np.mean([d for _, _, d, _ in notes])) / STEPS_PER_BEAT,
        "velocity_mean": float(velocities.mean()),
        "velocity_std": float(velocities.std()),
        "mean_inter_onset_interval": float(np.mean(np.diff(onset_steps))) / STEPS_PER_BEAT,
    }


def main():
    tool = sys.argv[1]
    data = os.environ.get("FRACTALMIDI_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
    entries = []
    with tempfile.TemporaryDirectory() as folder:
        for relative in FILES:
            quantised = os.path.join(folder, "roll.mid")
            subprocess.run([tool, "roll", os.path.join(data, relative), "--output",
                            os.path.join(folder, "roll.png"), "--mid", quantised], check=True)
            notes, signatures = read_quantised(quantised)
            length = max(step + duration for step, _, duration, _ in notes)
            music = muspy.Music(resolution=STEPS_PER_BEAT, tracks=[muspy.Track(notes=[
                muspy.Note(time=step, pitch=pitch, duration=duration, velocity=velocity)
                for step, pitch, duration, velocity in notes])])
            bar = max(1, signatures[0][1] * 16 // signatures[0][2])
            entries.append({
                "source": relative,
                "steps": length,
                "notes": len(notes),
                "time_signatures": [list(s) for s in signatures],
                "muspy": {
                    "pitch_range": muspy.pitch_range(music),
                    "n_pitches_used": muspy.n_pitches_used(music),
                    "n_pitch_classes_used": muspy.n_pitch_classes_used(music),
                    "polyphony": muspy.polyphony(music),
                    "polyphony_rate": muspy.polyphony_rate(music),
                    "scale_consistency": muspy.scale_consistency(music),
                    "pitch_class_entropy": muspy.pitch_class_entropy(music),
                    "empty_beat_rate": muspy.empty_beat_rate(music),
                    "groove_consistency": muspy.groove_consistency(music, bar),
                },
                "reference": reference_statistics(notes, signatures, length),
            })
    output = os.path.join(os.path.dirname(__file__), "..", "Tests", "EvaluationTests", "Fixtures",
                          "muspy_statistics.json")
    with open(output + ".tmp", "w") as handle:
        json.dump({"generator": "Tools/make_muspy_fixtures.py", "muspy_version": muspy.__version__,
                   "files": entries}, handle, indent=1, default=float)
        handle.write("\n")
    os.replace(output + ".tmp", output)


if __name__ == "__main__":
    main()
