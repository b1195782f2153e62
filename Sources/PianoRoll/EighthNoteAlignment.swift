extension PianoRoll {
    /// How far a piece's music is moved later so that its 8th-note grid lies on the even
    /// steps of the roll (the beats and the 8ths between them), as the model is trained to see it.
    ///
    /// Half of POP909 (412 of 804 songs) places its notes a 16th off the file's beat grid:
    /// almost every onset on the 16th after a beat or the one before the next, hardly any on a
    /// beat. Music on a correct grid never looks like that — an even step holds the beats and
    /// the 8ths, and played music puts most of its onsets there (the Bach chorales: 99.8 %). So
    /// when more than ``oddShareThreshold`` of at least ``minimumOnsetCount`` onsets fall on odd
    /// steps, the music moves later by one step if more of those onsets lie just before a beat
    /// (they become the beats), otherwise by three (the ones just after a beat become the beats).
    /// Moving later never pushes a note before step 0; the tempo map and the time signatures
    /// keep their steps, so the bar lines stay where the file puts them.
    public struct EighthNoteAlignment: Sendable, Hashable {
        /// The share of onsets on odd steps above which the music is moved.
        public static let oddShareThreshold = 0.6
        /// The fewest onsets the rule decides from; fewer (a sketch of a few notes) are kept
        /// where they are.
        public static let minimumOnsetCount = 16

        /// The number of onsets counted.
        public let onsetCount: Int
        /// How many of them lie on odd steps.
        public let oddOnsetCount: Int
        /// How many steps later the music moves: 0, 1 or 3.
        public let delaySteps: Int

        /// The alignment for onsets at the given steps.
        public init(onsetSteps: some Sequence<Int>) {
            var countsByPosition = [0, 0, 0, 0]
            for step in onsetSteps { countsByPosition[((step % 4) + 4) % 4] += 1 }
            onsetCount = countsByPosition.reduce(0, +)
            oddOnsetCount = countsByPosition[1] + countsByPosition[3]
            if onsetCount >= Self.minimumOnsetCount && Double(oddOnsetCount) > Self.oddShareThreshold * Double(onsetCount) {
                delaySteps = countsByPosition[3] > countsByPosition[1] ? 1 : 3
            } else {
                delaySteps = 0
            }
        }

        /// The share of onsets on odd steps (0 when there are none).
        public var oddShare: Double {
            onsetCount == 0 ? 0 : Double(oddOnsetCount) / Double(onsetCount)
        }
    }
}
