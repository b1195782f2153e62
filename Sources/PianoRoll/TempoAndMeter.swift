extension PianoRoll {
    /// A tempo that holds from `step` until the next change.
    ///
    /// A roll's tempo map is normalised: sorted by step; changes before step 0 move to step 0;
    /// of several changes at one step the last wins; a change that repeats the tempo before it is dropped; changes at or after the
    /// roll's end are dropped; and when nothing is set at step 0 the MIDI default, 120 beats per
    /// minute, is put there.
    public struct TempoChange: Sendable, Hashable {
        /// The MIDI default tempo: 500 000 µs per beat (120 beats per minute).
        public static let defaultMicrosecondsPerBeat = 500_000

        /// The step from which this tempo holds.
        public var step: Int
        /// The length of a beat in microseconds, as MIDI stores it.
        public var microsecondsPerBeat: Int

        /// A tempo given as MIDI stores it.
        public init(step: Int, microsecondsPerBeat: Int) {
            self.step = step
            self.microsecondsPerBeat = microsecondsPerBeat
        }

        /// A tempo given in beats per minute (rounded to whole microseconds per beat).
        public init(step: Int, beatsPerMinute: Double) {
            self.init(step: step, microsecondsPerBeat: Int((60_000_000 / beatsPerMinute).rounded()))
        }

        /// The tempo in beats per minute.
        public var beatsPerMinute: Double {
            60_000_000 / Double(microsecondsPerBeat)
        }

        static func normalized(_ changes: [TempoChange], steps: Int) -> [TempoChange] {
            normalizedChanges(
                changes, steps: steps,
                default: TempoChange(step: 0, microsecondsPerBeat: defaultMicrosecondsPerBeat),
                step: \.step, sameValue: { $0.microsecondsPerBeat == $1.microsecondsPerBeat })
        }
    }

    /// A time signature that holds from `step` until the next change.
    ///
    /// Normalised like ``TempoChange``, with 4/4 as the default at step 0.
    public struct TimeSignature: Sendable, Hashable {
        /// The step from which this signature holds.
        public var step: Int
        /// Beats in a bar (the upper number).
        public var numerator: Int
        /// The note value of a beat (the lower number: 2, 4, 8, …).
        public var denominator: Int

        /// A time signature `numerator`/`denominator` from `step` on.
        public init(step: Int, numerator: Int, denominator: Int) {
            self.step = step
            self.numerator = numerator
            self.denominator = denominator
        }

        static func normalized(_ changes: [TimeSignature], steps: Int) -> [TimeSignature] {
            normalizedChanges(
                changes, steps: steps,
                default: TimeSignature(step: 0, numerator: 4, denominator: 4),
                step: \.step,
                sameValue: { $0.numerator == $1.numerator && $0.denominator == $1.denominator })
        }
    }
}

/// Sorts changes by step (stable), moves changes before step 0 to step 0, keeps the last of
/// each step, drops changes at or after the end (except at step 0) and changes that repeat their predecessor, and puts `fallback` at
/// step 0 when nothing starts there.
private func normalizedChanges<Change>(
    _ changes: [Change], steps: Int, default fallback: Change,
    step: WritableKeyPath<Change, Int>, sameValue: (Change, Change) -> Bool
) -> [Change] {
    let sorted = changes.enumerated()
        .sorted { ($0.element[keyPath: step], $0.offset) < ($1.element[keyPath: step], $1.offset) }
        .map(\.element)
    var result: [Change] = []
    for var change in sorted {
        let position = max(change[keyPath: step], 0)
        guard position == 0 || position < steps else { continue }
        change[keyPath: step] = position
        if let last = result.last, last[keyPath: step] == position {
            result[result.count - 1] = change
        } else {
            result.append(change)
        }
    }
    if result.first.map({ $0[keyPath: step] != 0 }) ?? true {
        result.insert(fallback, at: 0)
    }
    var deduplicated: [Change] = []
    deduplicated.reserveCapacity(result.count)
    for change in result {
        if let last = deduplicated.last, sameValue(last, change) { continue }
        deduplicated.append(change)
    }
    return deduplicated
}
