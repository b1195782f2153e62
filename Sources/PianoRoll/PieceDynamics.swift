import Foundation

/// How loud a piece is as a whole: the mean and the spread (population standard deviation)
/// of its notes' velocities, counted over onset cells at their bins' centre velocities.
///
/// Generation gives the notes it draws the dynamics of their piece with
/// ``impose(on:velocityBins:where:)``: the model chooses which notes are louder than others,
/// the piece's dynamics set how loud they are together (docs/ROLL-RULES.md, "Dynamics").
public struct PieceDynamics: Sendable, Hashable, Codable {
    /// The mean velocity, 1…127.
    public var meanVelocity: Double
    /// The standard deviation of the velocities around ``meanVelocity`` (0 when all are equal).
    public var velocitySpread: Double

    /// Dynamics with this mean and spread.
    public init(meanVelocity: Double, velocitySpread: Double) {
        self.meanVelocity = meanVelocity
        self.velocitySpread = velocitySpread
    }

    /// The dynamics of the onsets among `codes` (cell codes, as ``PianoRoll/codes``) at the
    /// indices where `isCounted` holds, or nil when fewer than `minimumNotes` (at least 1) are.
    public init?(codes: [UInt8], velocityBins: PianoRoll.VelocityBins, minimumNotes: Int = 1, where isCounted: (Int) -> Bool) {
        self.init(codes: codes, indices: codes.indices.lazy.filter(isCounted), velocityBins: velocityBins, minimumNotes: minimumNotes)
    }

    /// The dynamics of the onsets of `roll` in `steps` (all of them when nil), or nil when
    /// fewer than `minimumNotes` (at least 1) start there.
    public init?(of roll: PianoRoll, steps: Range<Int>? = nil, minimumNotes: Int = 1) {
        let range = (steps ?? 0..<roll.steps).clamped(to: 0..<roll.steps)
        let indices = (0..<PianoRoll.pitchCount).lazy.flatMap { pitch in
            (pitch * roll.steps + range.lowerBound)..<(pitch * roll.steps + range.upperBound)
        }
        self.init(codes: roll.codes, indices: indices, velocityBins: roll.binning, minimumNotes: minimumNotes)
    }

    private init?(codes: [UInt8], indices: some Sequence<Int>, velocityBins: PianoRoll.VelocityBins, minimumNotes: Int) {
        var sum = 0.0, sumOfSquares = 0.0, count = 0
        for index in indices where codes[index] >= PianoRoll.Cell.firstOnsetCode {
            let velocity = Double(velocityBins.centreVelocity(ofBin: Int(codes[index] - PianoRoll.Cell.firstOnsetCode)))
            sum += velocity
            sumOfSquares += velocity * velocity
            count += 1
        }
        guard count >= max(1, minimumNotes) else { return nil }
        let mean = sum / Double(count)
        self.init(meanVelocity: mean, velocitySpread: max(0, sumOfSquares / Double(count) - mean * mean).squareRoot())
    }

    /// Gives the onsets of `codes` at the indices where `isChanged` holds these dynamics,
    /// keeping each note's place among them: velocity `v` becomes
    /// `mean + (v − m) · spread / s`, where `m` and `s` are those onsets' own mean and spread
    /// (`mean + (v − m)` when `s` is 0), clamped to 1…127 and put back into its bin. Every other
    /// cell stays as it is; a louder note never becomes softer than a quieter one.
    public func impose(on codes: inout [UInt8], velocityBins: PianoRoll.VelocityBins, where isChanged: (Int) -> Bool) {
        guard let own = PieceDynamics(codes: codes, velocityBins: velocityBins, where: isChanged) else { return }
        let scale = own.velocitySpread > 0 ? velocitySpread / own.velocitySpread : 1
        var newCode = [UInt8](repeating: 0, count: velocityBins.count)
        for bin in 0..<velocityBins.count {
            let velocity = Double(velocityBins.centreVelocity(ofBin: bin))
            let target = meanVelocity + (velocity - own.meanVelocity) * scale
            let clamped = Int(min(127, max(1, target.rounded())))
            newCode[bin] = PianoRoll.Cell.firstOnsetCode + UInt8(velocityBins.bin(forVelocity: clamped))
        }
        for index in codes.indices where codes[index] >= PianoRoll.Cell.firstOnsetCode && isChanged(index) {
            codes[index] = newCode[Int(codes[index] - PianoRoll.Cell.firstOnsetCode)]
        }
    }
}
