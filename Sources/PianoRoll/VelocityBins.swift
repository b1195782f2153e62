extension PianoRoll {
    /// The division of MIDI velocities 1…127 into `count` bins of (nearly) equal width.
    ///
    /// Velocity `v` falls in bin `(v − 1) · count / 127` (integer division), so bin `b` holds
    /// the velocities `1 + ⌈b · 127 / count⌉ … ⌈(b + 1) · 127 / count⌉`. A bin is played back at
    /// its centre velocity, the midpoint of that range rounded down; the centre falls in its
    /// own bin, so binning is stable under MIDI → roll → MIDI.
    public struct VelocityBins: Sendable, Hashable {
        /// The allowed numbers of bins: at least one, at most one per velocity.
        public static let allowedCounts: ClosedRange<Int> = 1...127
        /// The default number of bins.
        public static let defaultCount = 32

        /// The number of bins.
        public let count: Int

        /// Bins over 1…127; throws when `count` lies outside ``allowedCounts``.
        public init(count: Int) throws(PianoRollError) {
            guard Self.allowedCounts.contains(count) else {
                throw PianoRollError.invalidVelocityBins(count)
            }
            self.count = count
        }

        /// The bin of a MIDI velocity; velocities outside 1…127 are clamped into it first.
        @inlinable
        public func bin(forVelocity velocity: Int) -> Int {
            let clamped = min(max(velocity, 1), 127)
            return (clamped - 1) * count / 127
        }

        /// The velocities that fall in bin `bin` (0 ..< count).
        public func velocities(inBin bin: Int) -> ClosedRange<Int> {
            precondition((0..<count).contains(bin), "velocity bin \(bin) outside 0..<\(count)")
            return (1 + Self.ceilingDivide(bin * 127, count))...Self.ceilingDivide((bin + 1) * 127, count)
        }

        /// The velocity that bin `bin` is played back at: the midpoint of its velocities,
        /// rounded down.
        public func centreVelocity(ofBin bin: Int) -> Int {
            let range = velocities(inBin: bin)
            return (range.lowerBound + range.upperBound) / 2
        }

        /// The bin given to a note whose velocity is unknown (a sustain cell with no onset
        /// before it): the middle bin, `count / 2`.
        public var defaultBin: Int {
            count / 2
        }

        private static func ceilingDivide(_ a: Int, _ b: Int) -> Int {
            (a + b - 1) / b
        }
    }
}
