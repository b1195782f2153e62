import PianoRoll
import Testing
import Generation

/// `inpaint --region`: bars → steps and pitches, and a one-line message for every bad region.
@Suite("Region specification")
struct RegionSpecificationTests {
    /// Bars of a 4/4 piece of `bars` whole bars.
    func fourFour(bars: Int) -> RegionBarGrid {
        RegionBarGrid(steps: bars * 16, timeSignatures: [])
    }

    func resolve(_ text: String, in grid: RegionBarGrid) throws -> ResolvedRegion {
        try RegionSpecification(parsing: text).resolved(in: grid)
    }

    @Test("whole bars are inclusive; fractions and beats are points", arguments: [
        ("3-5", 32..<80),
        ("1-1", 0..<16),
        ("8-8", 112..<128),
        ("9.5-10", 136..<160),
        ("3-9.5", 32..<136),
        ("3:2-4:4", 36..<64),
        ("3:2-4:3", 36..<60),
        ("3:2.5-3:3", 38..<44),
        (" 3 - 5 ", 32..<80),
    ])
    func stepsInFourFour(text: String, steps: Range<Int>) throws {
        let region = try resolve(text, in: fourFour(bars: 12))
        #expect(region.steps == steps)
        #expect(region.pitches == 0...127)
    }

    @Test("pitch ranges by number or note name", arguments: [
        ("3-5:C3-C5", 48...72),
        ("3-5:48-72", 48...72),
        ("3:2-4:4:48-72", 48...72),
        ("3-5:F#2-Bb4", 42...70),
    ])
    func pitchRanges(text: String, pitches: ClosedRange<Int>) throws {
        let region = try resolve(text, in: fourFour(bars: 8))
        #expect(region.pitches == pitches)
        #expect(region.contains(pitch: pitches.lowerBound, step: region.steps.lowerBound))
        #expect(!region.contains(pitch: pitches.upperBound + 1, step: region.steps.lowerBound))
        #expect(!region.contains(pitch: pitches.lowerBound, step: region.steps.upperBound))
    }

    @Test("bar lengths follow the time signatures: 3/4 bars are 12 steps, 6/8 beats are eighths")
    func timeSignatures() throws {
        let threeFour = RegionBarGrid(steps: 120, timeSignatures: [.init(step: 0, numerator: 3, denominator: 4)])
        #expect(threeFour.barCount == 10)
        #expect(try resolve("3-5", in: threeFour).steps == 24..<60)
        #expect(try resolve("2:3-2:3", in: threeFour).steps == 20..<24)

        let sixEight = RegionBarGrid(steps: 48, timeSignatures: [.init(step: 0, numerator: 6, denominator: 8)])
        #expect(try resolve("2:4-2:6", in: sixEight).steps == 18..<24)

        // Two bars of 4/4, then 3/4.
        let changing = RegionBarGrid(steps: 32 + 36, timeSignatures: [
            .init(step: 0, numerator: 4, denominator: 4), .init(step: 32, numerator: 3, denominator: 4),
        ])
        #expect(changing.bars.map(\.steps) == [0..<16, 16..<32, 32..<44, 44..<56, 56..<68])
        #expect(try resolve("2-3", in: changing).steps == 16..<44)
        #expect(changing.stepsOfBars(continuing: 2) == 24)
    }

    @Test("a last bar cut short by the piece's end counts, and a region in it stops at the end")
    func partialLastBar() throws {
        let grid = RegionBarGrid(steps: 40, timeSignatures: [])
        #expect(grid.barCount == 3)
        #expect(try resolve("2-3", in: grid).steps == 16..<40)
        #expect(try resolve("3.25-3", in: grid).steps == 36..<40)
    }

    @Test("bad regions give one line quoting the region, the problem and the fix", arguments: [
        ("x-3", "is not a region; write START-END"),
        ("3", "is not a region"),
        ("3-5:", "is not a region"),
        ("-3-5", "is not a region"),
        ("3..5-6", "is not a region"),
        ("0-2", "names bar 0; bars are numbered from 1"),
        ("2-0", "names bar 0"),
        ("3:0-4", "names beat 0 of bar 3; beats are numbered from 1"),
        ("5-3", "ends before it starts"),
        ("3.5-3.5", "ends before it starts"),
        ("3:5-4", "names beat 5 of bar 3, which has 4 beats (4/4)"),
        ("7-9", "is outside the piece, which has 8 bars; use bars 1-8"),
        ("9-12", "is outside the piece, which has 8 bars"),
        ("3-5:C3-C12", "has pitch range 'C3-C12', which names a pitch outside the MIDI range"),
        ("1-7:A1111311666666631160-73", "names a pitch outside the MIDI range"),  // found by fuzz-regions
        ("1-8:955955555555555555555555555558", "of bar 8, which has 4 beats (4/4)"),  // found by fuzz-regions
        ("1-2:C" + String(repeating: "#", count: 40) + "4-G4", "names a pitch outside the MIDI range"),
        ("3-5:72-48", "runs downwards"),
        ("3-5:48-200", "outside the MIDI range 0…127"),
        ("3-5:loud", "has pitch range 'loud', which is not a pitch range"),
    ])
    func badRegions(text: String, fragment: String) {
        do {
            _ = try resolve(text, in: fourFour(bars: 8))
            Issue.record("'\(text)' was accepted")
        } catch {
            let message = String(describing: error)
            #expect(message.hasPrefix("--region '\(text)' "), "\(message)")
            #expect(message.contains(fragment), "\(message)")
            #expect(!message.contains("\n"))
        }
    }

    @Test("an empty piece has no bars, and any region is outside it")
    func emptyPiece() {
        let grid = RegionBarGrid(steps: 0, timeSignatures: [])
        #expect(grid.barCount == 0)
        #expect(throws: RegionError(text: "1-1", problem: "is outside the piece, which has 0 bars")) {
            try RegionSpecification(parsing: "1-1").resolved(in: grid)
        }
    }
}
