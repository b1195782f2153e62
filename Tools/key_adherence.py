#!/usr/bin/env python3
"""How well continuations keep the key of their context (standard library only).

For every MIDI file in a folder: the seven pitch classes most used by the notes that start
in beats 0-16 stand for the context's scale; the script reports the share of the notes
starting in beats 16-32 whose pitch class lies outside it, averaged over the files. Real
music scores a few per cent; notes drawn without regard to key score about 5/12.

Usage: Tools/key_adherence.py FOLDER
"""
import collections
import os
import struct
import sys


def read_variable_length(data, index):
    value = 0
    while True:
        byte = data[index]
        index += 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, index


def note_onsets(path):
    """(beat, pitch) of every note-on with a non-zero velocity in a Standard MIDI File."""
    data = open(path, "rb").read()
    if data[:4] != b"MThd":
        raise ValueError(f"{path}: not a Standard MIDI File")
    header_length = struct.unpack(">I", data[4:8])[0]
    ticks_per_beat = struct.unpack(">H", data[12:14])[0]
    position, onsets = 8 + header_length, []
    while position < len(data):
        chunk, length = data[position:position + 4], struct.unpack(">I", data[position + 4:position + 8])[0]
        index, end = position + 8, position + 8 + length
        position = end
        if chunk != b"MTrk":
            continue
        tick, status = 0, None
        while index < end:
            delta, index = read_variable_length(data, index)
            tick += delta
            if data[index] == 0xFF:
                length, index = read_variable_length(data, index + 2)
                index += length
                continue
            if data[index] in (0xF0, 0xF7):
                length, index = read_variable_length(data, index + 1)
                index += length
                continue
            if data[index] & 0x80:
                status = data[index]
                index += 1
            kind = status & 0xF0
            if kind in (0xC0, 0xD0):
                index += 1
                continue
            if kind == 0x90 and data[index + 1] > 0:
                onsets.append((tick / ticks_per_beat, data[index]))
            index += 2
    return onsets


def out_of_scale_share(path):
    onsets = note_onsets(path)
    context = collections.Counter(pitch % 12 for beat, pitch in onsets if beat < 16)
    scale = {pitch_class for pitch_class, _ in context.most_common(7)}
    continuation = [pitch % 12 for beat, pitch in onsets if 16 <= beat < 32]
    if not continuation:
        return None
    return sum(pitch_class not in scale for pitch_class in continuation) / len(continuation)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    folder = sys.argv[1]
    shares = [share for name in sorted(os.listdir(folder)) if name.endswith((".mid", ".midi"))
              for share in [out_of_scale_share(os.path.join(folder, name))] if share is not None]
    if not shares:
        sys.exit(f"{folder}: no MIDI file with notes in beats 16-32")
    print(f"{folder}: {len(shares)} pieces, notes outside the context's seven main pitch classes: "
          f"{sum(shares) / len(shares):.3f}")


if __name__ == "__main__":
    main()
