import ImageDecoders
import Foundation
import Imaging
import PianoRoll
import Testing
import TestSupport

/// The colour family a pixel belongs to, judged by its channels rather than exact values.
private enum ColourClass: Equatable {
    case background, red, green, blue, white, other

    init(_ color: RGBColor) {
        let (r, g, b) = (Int(color.red), Int(color.green), Int(color.blue))
        if max(r, g, b) < 90 {
            self = .background
        } else if min(r, g, b) > 200 {
            self = .white
        } else if r > g + 30 && r > b + 30 {
            self = .red
        } else if g > r + 30 && g > b + 30 {
            self = .green
        } else if b > r + 30 && b > g + 30 {
            self = .blue
        } else {
            self = .other
        }
    }
}

private func brightness(_ color: RGBColor) -> Int {
    Int(color.red) + Int(color.green) + Int(color.blue)
}

/// A roll of `steps` steps with the given notes (pitch, first step, length, velocity bin of 32).
private func makeRoll(steps: Int, notes: [(pitch: Int, step: Int, length: Int, bin: Int)],
                      timeSignatures: [PianoRoll.TimeSignature] = []) throws -> PianoRoll {
    var roll = try PianoRoll(steps: steps, velocityBins: 32, timeSignatures: timeSignatures)
    for note in notes {
        roll[pitch: note.pitch, step: note.step] = .onset(velocityBin: note.bin)
        for step in (note.step + 1)..<(note.step + note.length) {
            roll[pitch: note.pitch, step: step] = .sustain
        }
    }
    return roll
}

/// The image decoded by libpng from `data`, as 8-bit RGB.
private func decodeWithLibpng(_ data: Data) throws -> RGBImage {
    try DecodedPNG(data).image
}

@Suite struct PianoRollRenderingTests {
    @Test func onsetsSustainsAndSilenceHaveDistinctColourClasses() throws {
        let roll = try makeRoll(steps: 16, notes: [(60, 0, 4, 31), (62, 4, 4, 16), (64, 8, 4, 0)])
        let renderer = PianoRollRenderer(try .init(scale: 8))
        let image = try renderer.render(roll)
        let layout = renderer.layout(for: roll)
        /// A pixel in the middle of the right half of a cell, clear of the onset's leading edge.
        func body(_ step: Int, _ pitch: Int) -> RGBColor {
            image[layout.x(ofStep: step) + 5, layout.y(ofPitch: pitch) + 3]
        }
        for (pitch, firstStep, expected) in [(60, 0, ColourClass.red), (62, 4, .green), (64, 8, .blue)] {
            let onset = body(firstStep, pitch)
            let sustain = body(firstStep + 2, pitch)
            let edge = image[layout.x(ofStep: firstStep), layout.y(ofPitch: pitch) + 3]
            #expect(ColourClass(onset) == expected, "onset of pitch \(pitch) is \(onset)")
            #expect(ColourClass(sustain) == expected, "sustain of pitch \(pitch) is \(sustain)")
            #expect(brightness(sustain) + 60 < brightness(onset), "sustain \(sustain) not darker than onset \(onset)")
            #expect(brightness(edge) > brightness(onset) + 60, "onset edge \(edge) not lighter than onset \(onset)")
        }
        #expect(ColourClass(body(13, 60)) == .background)
        #expect(ColourClass(body(1, 61)) == .background)
    }

    @Test func velocityColoursRunFromBlueThroughGreenToRed() throws {
        let binning = try PianoRoll.VelocityBins(count: 32)
        let classes = (0..<32).map { ColourClass(PianoRollRenderer.velocityColor(bin: $0, of: binning)) }
        #expect(classes.first == .blue && classes[16] == .green && classes.last == .red)
        let firstGreen = try #require(classes.firstIndex(of: .green))
        let firstRed = try #require(classes.firstIndex(of: .red))
        #expect(classes[..<firstGreen].allSatisfy { $0 != .red })
        #expect(firstGreen < firstRed && classes[firstRed...].allSatisfy { $0 == .red })
        // The colour follows the velocity, not the bin index: a coarser binning agrees at its bins' centres.
        let coarse = try PianoRoll.VelocityBins(count: 4)
        for bin in 0..<4 {
            let fine = binning.bin(forVelocity: coarse.centreVelocity(ofBin: bin))
            let a = PianoRollRenderer.velocityColor(bin: bin, of: coarse), b = PianoRollRenderer.velocityColor(bin: fine, of: binning)
            #expect(abs(brightness(a) - brightness(b)) < 40, "bin \(bin) of 4: \(a) versus \(b)")
        }
    }

    @Test func lowPitchesAreDrawnAtTheBottom() throws {
        let roll = try makeRoll(steps: 8, notes: [(40, 0, 2, 31), (80, 4, 2, 31)])
        let image = try PianoRollRenderer(try .init(scale: 2)).render(roll)
        // Rows, top down: 82 81 80 … 40 39 38 (two pitches of margin), two pixels each.
        #expect(image.height == (82 - 38 + 1) * 2)
        #expect(ColourClass(image[1, image.height - 1 - 2 * 2]) == .red, "pitch 40 sits third row from the bottom")
        #expect(ColourClass(image[9, 2 * 2]) == .red, "pitch 80 sits third row from the top")
        #expect(ColourClass(image[1, 2 * 2]) == .background)
        #expect(ColourClass(image[9, image.height - 1 - 2 * 2]) == .background)
    }

    @Test func pitchRangeIsCroppedToTheNotesUnlessGiven() throws {
        let roll = try makeRoll(steps: 4, notes: [(50, 0, 1, 20), (57, 1, 1, 20), (90, 2, 1, 20)])
        let automatic = PianoRollRenderer(try .init()).layout(for: roll)
        #expect(automatic.pitchRange == 48...92)
        let chosen = PianoRollRenderer(try .init(scale: 3, pitchRange: 49...57))
        #expect(chosen.layout(for: roll).pitchRange == 49...57)
        let image = try chosen.render(roll)
        #expect(image.width == 4 * 3 && image.height == 9 * 3)
        #expect(ColourClass(image[4, 0]) != .background, "pitch 57 is the top row")
        #expect(ColourClass(image[1, 7 * 3]) != .background, "pitch 50 is the second row from the bottom")
        #expect((0..<image.height).allSatisfy { ColourClass(image[6, $0]) == .background }, "pitch 90 is not shown")

        let edges = try makeRoll(steps: 2, notes: [(0, 0, 1, 5), (127, 1, 1, 5)])
        #expect(PianoRollRenderer(try .init()).layout(for: edges).pitchRange == 0...127)
        let silent = try PianoRoll(steps: 3)
        #expect(PianoRollRenderer(try .init()).layout(for: silent).pitchRange == 48...72)
        #expect(try PianoRollRenderer(try .init()).render(try PianoRoll(steps: 0)).width == 1)
    }

    @Test func scaleMakesEachCellASquareBlock() throws {
        let roll = try makeRoll(steps: 6, notes: [(60, 2, 1, 31)])
        for scale in [1, 2, 5] {
            let image = try PianoRollRenderer(try .init(scale: scale, pitchRange: 59...61)).render(roll)
            #expect(image.width == 6 * scale && image.height == 3 * scale)
            let noteRows = scale >= 3 ? scale - 1 : scale
            for y in 0..<image.height {
                for x in 0..<image.width {
                    let inNote = (2 * scale..<3 * scale).contains(x) && (scale..<scale + noteRows).contains(y)
                    #expect((ColourClass(image[x, y]) != .background) == inNote, "scale \(scale), pixel \(x), \(y)")
                }
            }
        }
    }

    @Test func gridMarksBeatsAndBarsFromTheTimeSignatures() throws {
        /// The background colour of each step's first pixel column, in a row with no notes.
        func lineColours(_ roll: PianoRoll) throws -> [RGBColor] {
            let renderer = PianoRollRenderer(try .init(scale: 4, pitchRange: 61...61))
            let image = try renderer.render(roll)
            return (0..<roll.steps).map { image[$0 * 4, 1] }
        }
        let common = try lineColours(try PianoRoll(steps: 40))
        let plain = common[1], beat = common[4], bar = common[16]
        #expect(brightness(plain) < brightness(beat) && brightness(beat) < brightness(bar))
        #expect(ColourClass(bar) == .background, "the grid stays faint")
        #expect(common[0] == bar && common[32] == bar)
        #expect(common[8] == beat && common[12] == beat && common[20] == beat)
        #expect(common[2] == plain && common[17] == plain)

        let waltzThenCommon = try lineColours(try PianoRoll(steps: 40, timeSignatures: [
            .init(step: 0, numerator: 3, denominator: 4), .init(step: 24, numerator: 4, denominator: 4),
        ]))
        #expect((0..<40).filter { waltzThenCommon[$0] == bar } == [0, 12, 24])
        #expect((0..<40).filter { waltzThenCommon[$0] == beat } == [4, 8, 16, 20, 28, 32, 36])

        let sixEight = try lineColours(try PianoRoll(steps: 30, timeSignatures: [.init(step: 0, numerator: 6, denominator: 8)]))
        #expect((0..<30).filter { sixEight[$0] == bar } == [0, 12, 24])
        #expect((0..<30).filter { sixEight[$0] == beat } == [6, 18])
    }

    @Test func gridLinesCloserThanEightPixelsAreThinned() throws {
        func lines(_ roll: PianoRoll, scale: Int) throws -> (bars: [Int], beats: [Int]) {
            let image = try PianoRollRenderer(try .init(scale: scale, pitchRange: 61...61)).render(roll)
            let plain = image[1, 0]
            let columns = (0..<roll.steps).map { image[$0 * scale, 0] }
            let bar = columns[0]
            return ((0..<roll.steps).filter { columns[$0] == bar },
                    (0..<roll.steps).filter { columns[$0] != bar && columns[$0] != plain })
        }
        let common = try PianoRoll(steps: 64)
        #expect(try lines(common, scale: 1) == ([0, 16, 32, 48], []), "beats 4 px apart are left out")
        #expect(try lines(common, scale: 2) == ([0, 16, 32, 48], [4, 8, 12, 20, 24, 28, 36, 40, 44, 52, 56, 60]))
        let oneFour = try PianoRoll(steps: 40, timeSignatures: [.init(step: 0, numerator: 1, denominator: 4)])
        #expect(try lines(oneFour, scale: 1) == ([0, 8, 16, 24, 32], []), "bars 4 px apart are drawn every second bar")
        #expect(try lines(oneFour, scale: 2) == ([0, 4, 8, 12, 16, 20, 24, 28, 32, 36], []))
    }

    @Test func outlinedRegionsSurroundTheirCells() throws {
        let roll = try makeRoll(steps: 12, notes: [(60, 4, 4, 31)])
        let region = PianoRollRenderer.Region(steps: 4..<8, pitches: 60...61)
        let renderer = PianoRollRenderer(try .init(scale: 6, outlinedRegions: [region]))
        let layout = renderer.layout(for: roll)
        let image = try renderer.render(roll)
        let top = layout.y(ofPitch: 61), bottom = layout.y(ofPitch: 60) + 6
        let left = layout.x(ofStep: 4), right = layout.x(ofStep: 8)
        for y in top..<bottom {
            #expect(ColourClass(image[left - 1, y]) == .white && ColourClass(image[right, y]) == .white, "row \(y)")
            #expect(ColourClass(image[left - 3, y]) != .white && ColourClass(image[right + 2, y]) != .white, "row \(y)")
        }
        for x in left..<right {
            #expect(ColourClass(image[x, top - 1]) == .white && ColourClass(image[x, bottom]) == .white, "column \(x)")
        }
        #expect(ColourClass(image[left + 3, layout.y(ofPitch: 60) + 2]) == .red, "the note inside stays visible")

        // A region with no pitch range spans the whole height; the automatic range grows to show regions.
        let tall = PianoRollRenderer(try .init(scale: 6, outlinedRegions: [.init(steps: 1..<2), .init(steps: 9..<10, pitches: 70...72)]))
        #expect(tall.layout(for: roll).pitchRange == 58...74)
        let tallImage = try tall.render(roll)
        #expect((0..<tallImage.height).allSatisfy { ColourClass(tallImage[5, $0]) == .white })
    }

    @Test func badOptionsAndHugePicturesThrowMessages() throws {
        #expect(throws: PianoRollRenderingError.invalidScale(0)) { try PianoRollRenderer.Options(scale: 0) }
        #expect(PianoRollRenderingError.invalidScale(0).description
            == "cannot draw a piano roll at scale 0; use a scale from 1 to 32 pixels per cell")
        #expect(throws: PianoRollRenderingError.pitchRangeOffKeyboard(100...130)) {
            try PianoRollRenderer.Options(pitchRange: 100...130)
        }
        #expect(PianoRollRenderingError.pitchRangeOffKeyboard(-1...20).description
            == "cannot show pitches -1…20: MIDI pitches run from 0 to 127; choose a range inside them")
        let long = try PianoRoll(steps: 30_000)
        let renderer = PianoRollRenderer(try .init(scale: 32, pitchRange: 0...127))
        let error = try #require(throws: PianoRollRenderingError.self) { try renderer.render(long) }
        #expect(error == .pictureTooLarge(width: 960_000, height: 4_096, scale: 32))
        #expect(error.description == "the piano-roll picture would be 960000×4096 pixels, more than the 100-megapixel limit; use a smaller scale than 32 or draw a shorter excerpt")
    }

    @Test func aSustainWithoutOnsetIsDrawnAsANoteStartingThere() throws {
        var roll = try PianoRoll(steps: 4, velocityBins: 32)
        roll[pitch: 60, step: 1] = .sustain
        roll[pitch: 60, step: 2] = .sustain
        let image = try PianoRollRenderer(try .init(scale: 4, pitchRange: 60...60)).render(roll)
        let expected = PianoRollRenderer.velocityColor(bin: roll.binning.defaultBin, of: roll.binning)
        #expect(image[4 + 2, 1] == expected)
        #expect(brightness(image[8 + 2, 1]) < brightness(expected))
    }

    @Test func writtenPNGDecodesToTheRenderedPixels() throws {
        let roll = try makeRoll(steps: 37, notes: [(30, 0, 9, 3), (31, 5, 20, 28), (45, 36, 1, 15)])
        let image = try PianoRollRenderer(try .init(scale: 3, outlinedRegions: [.init(steps: 10..<20)])).render(roll)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("PianoRollRenderingTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("roll.png")
        try image.writePNG(to: url)
        #expect(try decodeWithLibpng(Data(contentsOf: url)) == image)
    }

    @Test(.enabled(if: SharedData.shouldRun))
    func aPOP909SongRendersAtItsFullLength() throws {
        let roll = try PianoRoll(contentsOf: SharedData.url("pop909/002.mid"))
        let renderer = PianoRollRenderer(try .init(scale: 2))
        let image = try renderer.render(roll)
        let range = try #require(roll.activePitchRange)
        #expect(image.width == roll.steps * 2)
        #expect(image.height == (range.count + 4) * 2)
        let decoded = try decodeWithLibpng(image.pngData())
        #expect(decoded == image)
        let noteCells = roll.notes.reduce(0) { $0 + $1.length }
        let notePixels = stride(from: 0, to: image.bytes.count, by: 3).filter { max(image.bytes[$0], image.bytes[$0 + 1], image.bytes[$0 + 2]) >= 90 }.count
        // Every note cell is 2 × 2 pixels; sustains of quiet notes may fall below the threshold.
        #expect(notePixels > noteCells * 2 && notePixels <= noteCells * 4, "\(notePixels) bright pixels for \(noteCells) note cells")
    }
}
