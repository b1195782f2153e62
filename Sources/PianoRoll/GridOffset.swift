extension PianoRoll {
    /// Where a MIDI file's 16th-note grid sits: at ticks `ticks + k · ticksPerBeat / 4`.
    ///
    /// Many files (POP909 among them) place their notes on a grid shifted by a constant
    /// offset, such as 44 ticks at 480 ticks per beat. ``estimate(onsetTicks:ticksPerBeat:)``
    /// finds it: of all whole-tick offsets in [−step/2, step/2) it picks the one with the
    /// largest vote, where each onset within 0.1 step of the shifted grid votes
    /// `1 − distance / 0.1 step` (a triangular kernel: many onsets near the grid, and nearer
    /// ones more), preferring the offset nearest 0 on a tie. Onsets are then rounded to the
    /// nearest step of the shifted grid.
    public struct GridOffset: Sendable, Hashable {
        /// How near the grid (in steps) an onset must lie to count as on the grid, both for
        /// ``onGridOnsetCount`` and as the radius of the estimator's vote.
        public static let onGridTolerance = 0.1

        /// The offset of the grid, in ticks, in [−step/2, step/2).
        public let ticks: Int
        /// The file's ticks per beat.
        public let ticksPerBeat: Int
        /// The number of onsets the estimate was made from.
        public let onsetCount: Int
        /// The number of those onsets within ``onGridTolerance`` steps of the shifted grid.
        public let onGridOnsetCount: Int

        /// The fraction of onsets within ``onGridTolerance`` steps of the shifted grid
        /// (1 when there are no onsets).
        public var onGridShare: Double {
            onsetCount == 0 ? 1 : Double(onGridOnsetCount) / Double(onsetCount)
        }

        /// The offset in steps (a fraction of a step, in [−0.5, 0.5)).
        public var steps: Double {
            Double(ticks) * Double(PianoRoll.stepsPerBeat) / Double(ticksPerBeat)
        }

        /// The grid offset `ticks` measured against the given onsets.
        public init(ticks: Int, ticksPerBeat: Int, onsetTicks: some Collection<Int>) {
            precondition(ticksPerBeat > 0, "ticks per beat must be positive, got \(ticksPerBeat)")
            self.ticks = ticks
            self.ticksPerBeat = ticksPerBeat
            self.onsetCount = onsetTicks.count
            let period = ticksPerBeat
            let centre = Self.phase(ofTick: ticks, period: period)
            var onGrid = 0
            for tick in onsetTicks
            where 10 * Self.circularDistance(Self.phase(ofTick: tick, period: period), centre, period) <= period {
                onGrid += 1
            }
            self.onGridOnsetCount = onGrid
        }

        /// The best grid offset for onsets at the given ticks (0 when there are none).
        public static func estimate(onsetTicks: some Collection<Int>, ticksPerBeat: Int) -> GridOffset {
            precondition(ticksPerBeat > 0, "ticks per beat must be positive, got \(ticksPerBeat)")
            // Phases are measured in quarter ticks, so that one step is `period` units long
            // even when ticksPerBeat is not a multiple of 4.
            let period = ticksPerBeat
            var histogram = [Int](repeating: 0, count: period)
            for tick in onsetTicks { histogram[phase(ofTick: tick, period: period)] += 1 }
            var phases: [Int] = []
            var counts: [Int] = []
            for (value, count) in histogram.enumerated() where count > 0 {
                phases.append(value)
                counts.append(count)
            }
            let lowest = ceilingDivide(-period, 8)
            let highest = ceilingDivide(period, 8) - 1
            // Every onset within 0.1 step of the grid votes `period − 10 · distance`.
            var best = (offset: 0, score: -1)
            for offset in lowest...highest {
                let centre = Self.phase(ofTick: offset, period: period)
                var score = 0
                for index in phases.indices {
                    let distance = 10 * circularDistance(phases[index], centre, period)
                    if distance < period { score += counts[index] * (period - distance) }
                }
                if (score, -abs(offset), -offset) > (best.score, -abs(best.offset), -best.offset) {
                    best = (offset, score)
                }
            }
            return GridOffset(ticks: best.offset, ticksPerBeat: ticksPerBeat, onsetTicks: onsetTicks)
        }

        /// The step nearest to `tick` on the shifted grid (halves round up), never below 0.
        @inlinable
        public func nearestStep(toTick tick: Int) -> Int {
            let twice = 2 * ticksPerBeat
            let numerator = 2 * PianoRoll.stepsPerBeat * (tick - ticks) + ticksPerBeat
            let quotient = numerator >= 0 ? numerator / twice : -((-numerator + twice - 1) / twice)
            return max(quotient, 0)
        }

        /// The position of `tick` within its step, in quarter ticks (0 ..< period).
        private static func phase(ofTick tick: Int, period: Int) -> Int {
            let remainder = (PianoRoll.stepsPerBeat * tick) % period
            return remainder < 0 ? remainder + period : remainder
        }

        private static func circularDistance(_ a: Int, _ b: Int, _ period: Int) -> Int {
            let difference = abs(a - b)
            return min(difference, period - difference)
        }
    }
}

private func floorDivide(_ a: Int, _ b: Int) -> Int {
    a >= 0 ? a / b : -((-a + b - 1) / b)
}

private func ceilingDivide(_ a: Int, _ b: Int) -> Int {
    -floorDivide(-a, b)
}
