extension PianoRoll {
    /// The steps `range` of the roll as a roll of `range.count` steps; steps outside the roll
    /// (before 0 or after the end) are silent.
    ///
    /// A note already sounding at `range.lowerBound` is struck again there: its sustain cell
    /// becomes an onset with the velocity bin of the note's own onset, so the crop plays it
    /// (at its velocity) and never starts with a sustain cell. The tempo and time signature in
    /// force at `range.lowerBound` hold from step 0 of the crop.
    public func cropped(steps range: Range<Int>) -> PianoRoll {
        let count = range.count
        var result = [UInt8](repeating: Cell.silentCode, count: Self.pitchCount * count)
        let copied = range.clamped(to: 0..<steps)
        let notesAtStart = range.lowerBound > 0 && range.lowerBound < steps
            ? Dictionary(uniqueKeysWithValues: notes(soundingAt: range.lowerBound).map { ($0.pitch, $0.velocityBin) })
            : [:]
        codes.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for pitch in 0..<Self.pitchCount where !copied.isEmpty {
                    for step in copied {
                        target[pitch * count + step - range.lowerBound] = source[pitch * steps + step]
                    }
                    if copied.lowerBound == range.lowerBound && target[pitch * count] == Cell.sustainCode {
                        let bin = notesAtStart[pitch] ?? binning.defaultBin
                        target[pitch * count] = Cell.firstOnsetCode + UInt8(bin)
                    }
                }
            }
        }
        return PianoRoll(
            unchecked: count, velocityBins: velocityBins, codes: result,
            tempoMap: tempoMap.map { TempoChange(step: $0.step - range.lowerBound, microsecondsPerBeat: $0.microsecondsPerBeat) },
            timeSignatures: timeSignatures.map {
                TimeSignature(step: $0.step - range.lowerBound, numerator: $0.numerator, denominator: $0.denominator)
            })
    }

    /// The notes sounding at `step` (struck there or earlier and not yet ended).
    public func notes(soundingAt step: Int) -> [Note] {
        guard (0..<steps).contains(step) else { return [] }
        var result: [Note] = []
        for pitch in 0..<Self.pitchCount where codes[pitch * steps + step] != Cell.silentCode {
            var start = step
            while start > 0 && codes[pitch * steps + start] == Cell.sustainCode
                    && codes[pitch * steps + start - 1] != Cell.silentCode {
                start -= 1
            }
            var end = step + 1
            while end < steps && codes[pitch * steps + end] == Cell.sustainCode { end += 1 }
            let code = codes[pitch * steps + start]
            let bin = code == Cell.sustainCode ? binning.defaultBin : Int(code - Cell.firstOnsetCode)
            result.append(Note(pitch: pitch, step: start, length: end - start, velocityBin: bin))
        }
        return result
    }

    /// The semitone shifts that keep every sounding cell on the keyboard (MIDI pitches
    /// 0…127); any shift in −127…127 for a silent roll.
    public var allowedShifts: ClosedRange<Int> {
        guard let range = activePitchRange else { return -127...127 }
        return (-range.lowerBound)...(127 - range.upperBound)
    }

    /// Where the music ends: the step after the last sounding cell, so trailing silence (a file
    /// whose tracks end long after its last note) is left out; 0 for a silent roll.
    public var endOfLastNote: Int {
        codes.withUnsafeBufferPointer { cells in
            var end = 0
            for pitch in 0..<Self.pitchCount {
                let row = pitch * steps
                var step = steps
                while step > end && cells[row + step - 1] == Cell.silentCode { step -= 1 }
                end = max(end, step)
            }
            return end
        }
    }

    /// The lowest and highest pitch with a sounding cell, or nil for a silent roll.
    public var activePitchRange: ClosedRange<Int>? {
        let active = (0..<Self.pitchCount).filter { pitch in
            codes[(pitch * steps)..<((pitch + 1) * steps)].contains { $0 != Cell.silentCode }
        }
        guard let low = active.first, let high = active.last else { return nil }
        return low...high
    }

    /// The roll transposed by `semitones` (positive is up); throws, naming a note that would
    /// leave the keyboard, when the shift is outside ``allowedShifts``.
    public func shifted(bySemitones semitones: Int) throws(PianoRollError) -> PianoRoll {
        let allowed = allowedShifts
        guard allowed.contains(semitones) else {
            let pitch = semitones > 0 ? activePitchRange!.upperBound : activePitchRange!.lowerBound
            let row = codes[(pitch * steps)..<((pitch + 1) * steps)]
            let step = row.firstIndex { $0 != Cell.silentCode }! - pitch * steps
            let firstNote = notes(soundingAt: step).first { $0.pitch == pitch }!
            throw PianoRollError.shiftLeavesKeyboard(
                semitones: semitones, pitch: pitch, step: firstNote.step, allowed: allowed)
        }
        var result = [UInt8](repeating: Cell.silentCode, count: codes.count)
        for pitch in 0..<Self.pitchCount {
            let target = pitch + semitones
            guard Self.pitchRange.contains(target) else { continue }
            result[(target * steps)..<((target + 1) * steps)] = codes[(pitch * steps)..<((pitch + 1) * steps)]
        }
        return PianoRoll(unchecked: steps, velocityBins: velocityBins, codes: result,
                         tempoMap: tempoMap, timeSignatures: timeSignatures)
    }

    /// This roll followed by `other`; `other`'s tempo map and time signatures take over at
    /// the join. A sustain cell at `other`'s step 0 (a note with no onset) becomes an onset in
    /// the default velocity bin, so that it does not lengthen a note of this roll. Throws when
    /// the rolls use different velocity bins.
    public func appending(_ other: PianoRoll) throws(PianoRollError) -> PianoRoll {
        guard other.velocityBins == velocityBins else {
            throw PianoRollError.velocityBinsMismatch(velocityBins, other.velocityBins)
        }
        let count = steps + other.steps
        var result = [UInt8]()
        result.reserveCapacity(Self.pitchCount * count)
        for pitch in 0..<Self.pitchCount {
            result.append(contentsOf: codes[(pitch * steps)..<((pitch + 1) * steps)])
            let start = result.count
            result.append(contentsOf: other.codes[(pitch * other.steps)..<((pitch + 1) * other.steps)])
            if other.steps > 0 && result[start] == Cell.sustainCode {
                result[start] = Cell.firstOnsetCode + UInt8(binning.defaultBin)
            }
        }
        // The roll's own changes hold until the join; `other`'s step-0 entry (always present
        // after normalisation) restates its opening tempo and signature there.
        let tempos = tempoMap + other.tempoMap.map {
            TempoChange(step: $0.step + steps, microsecondsPerBeat: $0.microsecondsPerBeat)
        }
        let signatures = timeSignatures + other.timeSignatures.map {
            TimeSignature(step: $0.step + steps, numerator: $0.numerator, denominator: $0.denominator)
        }
        return PianoRoll(unchecked: count, velocityBins: velocityBins, codes: result,
                         tempoMap: tempos, timeSignatures: signatures)
    }
}
