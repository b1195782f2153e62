import Foundation
import PianoRoll

/// A place in a piece counted in bars, as people write it: `3` (bar 3), `9.5` (the middle of
/// bar 9) or `3:2` (beat 2 of bar 3). Bars and beats are numbered from 1.
public struct BarPosition: Sendable, Hashable {
    /// The bar, from 1.
    public var bar: Int
    /// The part of the bar already gone, 0 ≤ fraction < 1 (`9.5` → 0.5); 0 when a beat is given.
    public var fraction: Double
    /// The beat, from 1 (may be fractional: `3:2.5`), or nil for a bar or bar fraction.
    public var beat: Double?

    /// A position; `bar` and `beat` count from 1.
    public init(bar: Int, fraction: Double = 0, beat: Double? = nil) {
        self.bar = bar
        self.fraction = fraction
        self.beat = beat
    }

    /// Whether the position names a whole unit (a bar, or a whole beat), which an end position
    /// includes: `3-5` runs to the end of bar 5 and `3:2-4:4` to the end of beat 4 of bar 4,
    /// while `3-9.5` stops in the middle of bar 9.
    public var namesWholeUnit: Bool {
        if let beat { return beat == beat.rounded(.down) }
        return fraction == 0
    }
}

/// One `--region START-END[:LOW-HIGH]` of `inpaint`, as typed: a time range in bars
/// (inclusive: `3-5` is bars 3, 4 and 5) and an optional pitch range (`C3-C5`, `48-72`).
///
/// Parsing checks the syntax only; ``resolved(in:)`` turns the bars into steps of a
/// particular piece, whose time signatures give the bar lengths.
public struct RegionSpecification: Sendable, Hashable {
    /// The text the region was parsed from, for messages.
    public var text: String
    /// Where the region starts.
    public var start: BarPosition
    /// Where it ends (a whole bar or beat is included; see ``BarPosition/namesWholeUnit``).
    public var end: BarPosition
    /// The pitches to regenerate, or nil for all 128.
    public var pitches: ClosedRange<Int>?

    /// The region `text` names.
    /// - Throws: ``RegionError`` for bad syntax, bar or beat 0, or a bad pitch range.
    public init(parsing text: String) throws(RegionError) {
        self.text = text
        let number = #"[0-9]+(?:\.[0-9]+)?"#
        // bar:beat first, so that `3:2-4:4` reads its end as beat 4 of bar 4, not pitches "4".
        let position = "([0-9]+:" + number + "|" + number + ")"
        let pattern = "^" + position + "\\s*-\\s*" + position + "(?::(.+))?$"
        let regex: Regex<AnyRegexOutput>
        do { regex = try Regex(pattern) } catch { fatalError("region pattern does not compile: \(error)") }
        guard let match = text.trimmingCharacters(in: .whitespaces).wholeMatch(of: regex),
              let startText = match[1].substring, let endText = match[2].substring,
              let start = Self.position(String(startText)), let end = Self.position(String(endText))
        else {
            throw RegionError(text: text, problem: "is not a region; write START-END in bars from 1 (3-5, 9.5-12, 3:2-4:4), "
                + "optionally followed by :LOW-HIGH pitches (3-5:C3-C5 or 3-5:48-72)")
        }
        for position in [start, end] {
            if position.bar == 0 {
                throw RegionError(text: text, problem: "names bar 0; bars are numbered from 1")
            }
            if let beat = position.beat, beat < 1 {
                throw RegionError(text: text, problem: "names beat \(Self.format(beat)) of bar \(position.bar); beats are numbered from 1")
            }
        }
        self.start = start
        self.end = end
        if let pitchText = match.count > 3 ? match[3].substring : nil {
            do {
                pitches = try PitchRange.parse(String(pitchText), option: "--region")
            } catch {
                throw RegionError(text: text, problem: "has pitch range '\(pitchText)', which \(error.problem)")
            }
        } else {
            pitches = nil
        }
    }

    /// The steps and pitches of this region in a piece whose bars are `bars`.
    /// - Throws: ``RegionError`` when a beat does not exist in its bar, the end lies before the
    ///   start, or the region lies outside the piece (the message names its length in bars).
    public func resolved(in bars: RegionBarGrid) throws(RegionError) -> ResolvedRegion {
        let outside = "is outside the piece, which has \(bars.barCount) bar\(bars.barCount == 1 ? "" : "s")"
            + (bars.barCount > 0 ? "; use bars 1-\(bars.barCount)" : "")
        guard start.bar <= bars.barCount, end.bar <= bars.barCount else {
            throw RegionError(text: text, problem: outside)
        }
        let first = try step(of: start, in: bars, asEnd: false)
        let last = try step(of: end, in: bars, asEnd: true)
        guard first < last else {
            throw RegionError(text: text, problem: "ends before it starts; write the earlier position first (e.g. 3-5)")
        }
        let steps = first..<min(last, bars.steps)
        guard !steps.isEmpty else { throw RegionError(text: text, problem: outside) }
        return ResolvedRegion(steps: steps, pitches: pitches ?? PianoRoll.pitchRange)
    }

    /// The step `position` names; an end position that names a whole bar or beat means the
    /// step after it.
    private func step(of position: BarPosition, in bars: RegionBarGrid, asEnd: Bool) throws(RegionError) -> Int {
        let bar = bars.bar(position.bar)
        let length = Double(bar.steps.count)
        var offset: Double
        if let beat = position.beat {
            let beatCount = Double(bar.signature.numerator)
            guard beat < beatCount + 1 else {
                throw RegionError(text: text, problem: "names beat \(Self.format(beat)) of bar \(position.bar), which has "
                    + "\(bar.signature.numerator) beats (\(bar.signature.numerator)/\(bar.signature.denominator))")
            }
            offset = (beat - 1) * bar.stepsPerBeat
            if asEnd && position.namesWholeUnit { offset += bar.stepsPerBeat }
        } else {
            offset = position.fraction * bar.stepsPerBar
            if asEnd && position.namesWholeUnit { offset = length }
        }
        return bar.steps.lowerBound + min(Int(offset.rounded()), Int(length))
    }

    /// A position from `3`, `9.5` or `3:2`, or nil when the numbers do not fit in an `Int`.
    private static func position(_ text: String) -> BarPosition? {
        let parts = text.split(separator: ":")
        if parts.count == 2 {
            guard let bar = Int(parts[0]), let beat = Double(parts[1]) else { return nil }
            return BarPosition(bar: bar, beat: beat)
        }
        let pieces = text.split(separator: ".", omittingEmptySubsequences: false)
        guard let bar = Int(pieces[0]) else { return nil }
        let fraction = pieces.count == 2 ? Double("0." + pieces[1]) ?? 0 : 0
        return BarPosition(bar: bar, fraction: fraction)
    }

    /// `3` for a whole number that fits an `Int` exactly, else the `Double`'s own text (`2.5`,
    /// `inf`, `9.5e+32`).
    private static func format(_ value: Double) -> String {
        if value == value.rounded(.down), let whole = Int(exactly: value) { return String(whole) }
        return String(value)
    }
}

/// A region of a particular piece: the steps (a half-open range) and pitches to regenerate.
public struct ResolvedRegion: Sendable, Hashable {
    /// The time steps, `lowerBound ..< upperBound`.
    public var steps: Range<Int>
    /// The pitches.
    public var pitches: ClosedRange<Int>

    /// A region of `steps` × `pitches`.
    public init(steps: Range<Int>, pitches: ClosedRange<Int>) {
        self.steps = steps
        self.pitches = pitches
    }

    /// Whether the cell (`pitch`, `step`) lies in the region.
    public func contains(pitch: Int, step: Int) -> Bool {
        steps.contains(step) && pitches.contains(pitch)
    }
}

/// A `--region` that cannot be used: one line quoting it, naming the problem and the fix.
public struct RegionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The region as typed.
    public var text: String
    /// What is wrong with it and what to write instead.
    public var problem: String

    /// An error about the region `text`.
    public init(text: String, problem: String) {
        self.text = text
        self.problem = problem
    }

    public var description: String { "--region '\(text)' \(problem)" }
}
