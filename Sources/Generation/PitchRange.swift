import Foundation

/// Parses pitch ranges typed by people: `48-72`, `C3-C5`, `F#2-Bb4`, `C-1-G9` (C4 is MIDI pitch 60).
public enum PitchRange {
    /// The inclusive range `text` names; `option` is the flag it came from, for the message.
    public static func parse(_ text: String, option: String) throws(PitchRangeError) -> ClosedRange<Int> {
        let pattern = /([A-Ga-g][#b]*-?[0-9]+|[0-9]+)\s*-\s*([A-Ga-g][#b]*-?[0-9]+|[0-9]+)/
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let match = trimmed.wholeMatch(of: pattern) else {
            throw PitchRangeError(option: option, text: text,
                                  problem: "is not a pitch range; write LOW-HIGH as MIDI numbers (48-72) or note names (C3-C5)")
        }
        let lowText = String(match.output.1), highText = String(match.output.2)
        guard let low = pitch(lowText), let high = pitch(highText) else {
            throw PitchRangeError(option: option, text: text,
                                  problem: "names a pitch outside the MIDI range 0…127 (C-1…G9); use pitches in that range")
        }
        guard low <= high else {
            throw PitchRangeError(option: option, text: text,
                                  problem: "runs downwards; put the lower pitch first (\(highText)-\(lowText))")
        }
        return low...high
    }

    /// A MIDI pitch from a number (0…127) or a note name with octave (C4 = 60), or nil.
    public static func pitch(_ text: String) -> Int? {
        if let number = Int(text) { return (0...127).contains(number) ? number : nil }
        guard let letter = text.first?.uppercased(),
              let base = ["C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11][letter] else { return nil }
        var rest = text.dropFirst()
        var accidental = 0
        while let symbol = rest.first, symbol == "#" || symbol == "b" {
            accidental += symbol == "#" ? 1 : -1
            rest = rest.dropFirst()
        }
        // Octaves -1…9 hold the MIDI pitches; checking the octave first keeps the arithmetic
        // below from overflowing on a long number.
        guard let octave = Int(rest), (-2...10).contains(octave), abs(accidental) <= 12 else { return nil }
        let value = (octave + 1) * 12 + base + accidental
        return (0...127).contains(value) ? value : nil
    }
}

/// A pitch range that could not be read.
public struct PitchRangeError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The option the text came from (`--region`, `--pitch-range`).
    public var option: String
    /// The text as typed.
    public var text: String
    /// What is wrong with it and how to write it.
    public var problem: String
    public var description: String { "\(option) '\(text)' \(problem)" }
}
