import PianoRoll

/// Where one training or validation example was cut from: which song, from which step, and
/// transposed by how many semitones.
public struct ExampleOrigin: Sendable, Hashable, Codable {
    /// The song's index in its ``DecodedDataset``.
    public var song: Int
    /// The first step of the crop (steps past the song's end are silent padding).
    public var start: Int
    /// The transposition in semitones (positive is up).
    public var shift: Int

    /// An origin.
    public init(song: Int, start: Int, shift: Int) {
        self.song = song
        self.start = start
        self.shift = shift
    }
}

/// A batch of examples for the model: `size` crops of `steps` steps as contiguous cell codes,
/// with their class labels.
///
/// ``codes`` holds example after example, each pitch-major like ``PianoRoll/codes``: the cell
/// (`pitch`, `step`) of example `b` is `codes[(b · 128 + pitch) · steps + step]`.
public struct Batch: Sendable, Hashable {
    /// The number of steps of every example.
    public let steps: Int
    /// The number of velocity bins the codes use.
    public let velocityBins: Int
    /// The cell codes, `size × 128 × steps`.
    public let codes: [UInt8]
    /// The class index of each example (``MusicDataset/unlabeledClass`` for unlabeled music).
    public let labels: [Int32]
    /// Where each example was cut from.
    public let origins: [ExampleOrigin]

    /// The number of examples.
    public var size: Int { labels.count }

    /// The batch of `songs`' crops at `origins` (see ``Batch/crop(of:origin:steps:)``).
    public init(songs: [DecodedSong], origins: [ExampleOrigin], steps: Int) {
        precondition(!songs.isEmpty, "a batch needs songs")
        let cellsPerExample = PianoRoll.pitchCount * steps
        var codes = [UInt8](repeating: PianoRoll.Cell.silentCode, count: origins.count * cellsPerExample)
        codes.withUnsafeMutableBufferPointer { output in
            for (index, origin) in origins.enumerated() {
                let example = UnsafeMutableBufferPointer(rebasing: output[(index * cellsPerExample)..<((index + 1) * cellsPerExample)])
                Self.writeCrop(of: songs[origin.song].roll, origin: origin, steps: steps, into: example)
            }
        }
        self.steps = steps
        self.velocityBins = songs[0].roll.velocityBins
        self.codes = codes
        self.labels = origins.map { songs[$0.song].classIndex }
        self.origins = origins
    }

    /// The example of `roll` at `origin`: its steps `start ..< start + steps` (silence past
    /// the end; a note sounding at the start is struck there, see ``PianoRoll/cropped(steps:)``),
    /// transposed by `origin.shift`, which must keep the crop's notes on the keyboard.
    public static func crop(of roll: PianoRoll, origin: ExampleOrigin, steps: Int) -> PianoRoll {
        let crop = roll.cropped(steps: origin.start..<(origin.start + steps))
        guard origin.shift != 0 else { return crop }
        do {
            return try crop.shifted(bySemitones: origin.shift)
        } catch {
            preconditionFailure("shift \(origin.shift) outside the crop's allowed shifts: \(error)")
        }
    }

    /// Writes the codes of ``crop(of:origin:steps:)`` into `output` (128 × `steps` cells, all
    /// silent on entry) without building intermediate rolls.
    static func writeCrop(of roll: PianoRoll, origin: ExampleOrigin, steps: Int, into output: UnsafeMutableBufferPointer<UInt8>) {
        let window = (origin.start..<(origin.start + steps)).clamped(to: 0..<roll.steps)
        guard !window.isEmpty else { return }
        let defaultOnset = PianoRoll.Cell.firstOnsetCode + UInt8(roll.binning.defaultBin)
        roll.codes.withUnsafeBufferPointer { codes in
            for pitch in 0..<PianoRoll.pitchCount {
                let row = pitch * roll.steps
                let source = UnsafeBufferPointer(rebasing: codes[(row + window.lowerBound)..<(row + window.upperBound)])
                guard source.contains(where: { $0 != PianoRoll.Cell.silentCode }) else { continue }
                let target = pitch + origin.shift
                precondition(PianoRoll.pitchRange.contains(target),
                             "shift \(origin.shift) moves pitch \(pitch) off the keyboard")
                let first = target * steps + window.lowerBound - origin.start
                _ = UnsafeMutableBufferPointer(rebasing: output[first..<(first + source.count)]).initialize(from: source)
                // A note sounding at the crop's first step is struck there, at its own velocity.
                if window.lowerBound == origin.start && source[0] == PianoRoll.Cell.sustainCode {
                    var onset = window.lowerBound
                    while onset > 0 && codes[row + onset] == PianoRoll.Cell.sustainCode
                            && codes[row + onset - 1] != PianoRoll.Cell.silentCode {
                        onset -= 1
                    }
                    let code = codes[row + onset]
                    output[first] = code == PianoRoll.Cell.sustainCode ? defaultOnset : code
                }
            }
        }
    }

    /// Example `index` as a roll (120 beats per minute, 4/4).
    public func roll(at index: Int) -> PianoRoll {
        let cells = PianoRoll.pitchCount * steps
        // The codes were copied from valid rolls with the same bins, so this cannot throw.
        return try! PianoRoll(steps: steps, velocityBins: velocityBins,
                              codes: Array(codes[(index * cells)..<((index + 1) * cells)]))
    }

    /// The number of floats of ``inputFeatures()``: `size × 128 × steps × 3`.
    public var inputFeatureCount: Int { codes.count * PianoRoll.featuresPerCell }

    /// The model input features, `size × 128 × steps × 3` floats: for each cell onset (0/1),
    /// active (0/1) and velocity (bin centre / 127 on onsets, else 0), as
    /// ``PianoRoll/inputFeatures(of:)`` defines them.
    public func inputFeatures() -> [Float] {
        [Float](unsafeUninitializedCapacity: inputFeatureCount) { buffer, count in
            writeInputFeatures(into: buffer)
            count = inputFeatureCount
        }
    }

    /// Writes ``inputFeatures()`` into `buffer` (at least ``inputFeatureCount`` floats), so a
    /// trainer can reuse one buffer for every batch.
    public func writeInputFeatures(into buffer: UnsafeMutableBufferPointer<Float>) {
        precondition(buffer.count >= inputFeatureCount,
                     "feature buffer of \(buffer.count) floats is smaller than \(inputFeatureCount)")
        // One (onset, active, velocity) row per storage code, looked up instead of branching.
        let reference = try! PianoRoll(steps: 0, velocityBins: velocityBins)
        var table = [SIMD4<Float>](repeating: .zero, count: 256)
        for code in 0..<(Int(PianoRoll.Cell.firstOnsetCode) + velocityBins) {
            let features = reference.inputFeatures(of: PianoRoll.Cell(code: UInt8(code)))
            table[code] = SIMD4(features.x, features.y, features.z, 0)
        }
        table.withUnsafeBufferPointer { table in
            codes.withUnsafeBufferPointer { cells in
                var output = 0
                for code in cells {
                    let row = table[Int(code)]
                    buffer[output] = row.x
                    buffer[output + 1] = row.y
                    buffer[output + 2] = row.z
                    output += 3
                }
            }
        }
    }
}
