import Foundation
import PianoRoll

/// Where the bars of a piece lie on its step grid, from its time signatures: a 4/4 bar is 16
/// steps, a 3/4 or 6/8 bar 12. A time-signature change starts a new bar (a change in the
/// middle of a bar cuts that bar short); the last bar may be cut short by the piece's end.
public struct RegionBarGrid: Sendable, Hashable {
    /// One bar: its steps and the signature it is in.
    public struct Bar: Sendable, Hashable {
        /// The bar's steps.
        public var steps: Range<Int>
        /// Its time signature.
        public var signature: PianoRoll.TimeSignature

        /// Steps in one beat of the signature (16 / denominator; 4 for quarter-note beats).
        public var stepsPerBeat: Double { Double(PianoRoll.stepsPerBeat * 4) / Double(signature.denominator) }
        /// Steps in a full bar of the signature (a bar cut short is shorter).
        public var stepsPerBar: Double { stepsPerBeat * Double(signature.numerator) }
    }

    /// The piece's length in steps.
    public let steps: Int
    /// The bars, in order; bar `n` (from 1) is `bars[n - 1]`.
    public let bars: [Bar]

    /// The bars of a piece `steps` long with `timeSignatures` (normalised as in `PianoRoll`;
    /// none means 4/4).
    public init(steps: Int, timeSignatures: [PianoRoll.TimeSignature]) {
        self.steps = max(steps, 0)
        var signatures = timeSignatures.filter { $0.step < steps }.sorted { $0.step < $1.step }
        if signatures.first?.step != 0 {
            signatures.insert(PianoRoll.TimeSignature(step: 0, numerator: 4, denominator: 4), at: 0)
        }
        var bars: [Bar] = []
        for (index, signature) in signatures.enumerated() {
            let segmentEnd = index + 1 < signatures.count ? signatures[index + 1].step : self.steps
            let template = Bar(steps: 0..<0, signature: signature)
            let length = max(template.stepsPerBar, 1)
            var start = signature.step, count = 1
            while start < segmentEnd {
                let end = min(signature.step + Int((Double(count) * length).rounded()), segmentEnd)
                bars.append(Bar(steps: start..<max(end, start + 1), signature: signature))
                start = max(end, start + 1)
                count += 1
            }
        }
        self.bars = bars
    }

    /// The bars of `roll`.
    public init(_ roll: PianoRoll) {
        self.init(steps: roll.steps, timeSignatures: roll.timeSignatures)
    }

    /// The number of bars (a bar cut short by the end counts).
    public var barCount: Int { bars.count }

    /// Bar `number`, counted from 1; it must exist.
    public func bar(_ number: Int) -> Bar {
        precondition((1...barCount).contains(number), "bar \(number) outside 1…\(barCount)")
        return bars[number - 1]
    }

    /// The steps of `count` bars of the last time signature, the length `continue --bars count`
    /// appends (4/4 when the piece has no bars).
    public func stepsOfBars(continuing count: Int) -> Int {
        let template = Bar(steps: 0..<0, signature: bars.last?.signature
            ?? PianoRoll.TimeSignature(step: 0, numerator: 4, denominator: 4))
        return Int((Double(count) * template.stepsPerBar).rounded())
    }
}
