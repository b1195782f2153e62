extension PianoRoll {
    /// The number of model input features per cell: onset, active, velocity.
    public static let featuresPerCell = 3

    /// The model input features of one cell: onset (0/1), active (0/1), and velocity (the bin's
    /// centre velocity / 127 on onset cells, else 0).
    public func inputFeatures(of cell: Cell) -> SIMD3<Float> {
        switch cell {
        case .silent: return SIMD3(0, 0, 0)
        case .sustain: return SIMD3(0, 1, 0)
        case .onset(let bin): return SIMD3(1, 1, Float(binning.centreVelocity(ofBin: bin)) / 127)
        }
    }

    /// Writes the input features of the cells `pitches` × `steps` into `buffer`, pitch-major,
    /// then step, then feature (onset, active, velocity): the features of (`p`, `s`) start at
    /// `((p − pitches.lowerBound) · steps.count + (s − steps.lowerBound)) · 3`. Steps outside the
    /// roll read as silent. `buffer` must hold `pitches.count · steps.count · 3` floats.
    public func writeInputFeatures(
        pitches: Range<Int>, steps range: Range<Int>, into buffer: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(pitches.clamped(to: 0..<Self.pitchCount) == pitches,
                     "pitches \(pitches) outside 0..<\(Self.pitchCount)")
        precondition(buffer.count >= pitches.count * range.count * Self.featuresPerCell,
                     "feature buffer of \(buffer.count) floats is smaller than \(pitches.count) × \(range.count) × 3")
        // One row of features per storage code, looked up instead of branching per cell.
        var table = [Float](repeating: 0, count: 256 * Self.featuresPerCell)
        for code in 0..<(Int(Cell.firstOnsetCode) + velocityBins) {
            let features = inputFeatures(of: Cell(code: UInt8(code)))
            table[code * 3] = features.x
            table[code * 3 + 1] = features.y
            table[code * 3 + 2] = features.z
        }
        let inside = range.clamped(to: 0..<steps)
        table.withUnsafeBufferPointer { table in
            codes.withUnsafeBufferPointer { cells in
                var output = 0
                for pitch in pitches {
                    let row = pitch * steps
                    for step in range {
                        let code = inside.contains(step) ? Int(cells[row + step]) : 0
                        buffer[output] = table[code * 3]
                        buffer[output + 1] = table[code * 3 + 1]
                        buffer[output + 2] = table[code * 3 + 2]
                        output += 3
                    }
                }
            }
        }
    }

    /// The input features of the whole roll, laid out as in
    /// ``writeInputFeatures(pitches:steps:into:)`` (128 × steps × 3 floats).
    public func inputFeatures() -> [Float] {
        [Float](unsafeUninitializedCapacity: codes.count * Self.featuresPerCell) { buffer, count in
            writeInputFeatures(pitches: 0..<Self.pitchCount, steps: 0..<steps, into: buffer)
            count = codes.count * Self.featuresPerCell
        }
    }
}
