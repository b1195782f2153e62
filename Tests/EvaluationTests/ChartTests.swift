import Foundation
import Imaging
import PianoRoll
import Testing
import Evaluation

@Suite("Distribution chart")
struct ChartTests {
    /// The number of pixels of `color` in the rectangle.
    func count(_ color: RGBColor, in image: RGBImage, x: Int, y: Int, width: Int, height: Int) -> Int {
        var total = 0
        for row in y..<(y + height) {
            for column in x..<(x + width) where image[column, row] == color { total += 1 }
        }
        return total
    }

    @Test("the bitmap font draws its glyphs pixel for pixel")
    func font() {
        var image = RGBImage(width: 16, height: 8, fill: .white)
        BitmapFont.draw("T1", in: &image, x: 1, y: 1, scale: 1, color: .black)
        // T (columns 1–3): a bar, then its stem; 1 (columns 5–7): a flagged stem on a foot.
        let ink = (0..<8).map { row in (0..<16).map { image[$0, row] == .black ? "#" : "." }.joined() }
        #expect(ink[1].hasPrefix(".###..#."))
        #expect(ink[2].hasPrefix("..#..##."))
        #expect(ink[5].hasPrefix("..#..###"))
        #expect(ink[0] == String(repeating: ".", count: 16) && ink[6] == ink[0])
        #expect(BitmapFont.width(of: "T1", scale: 2) == 14)
        #expect(BitmapFont.width(of: "", scale: 2) == 0)
        // Lower case is drawn as capitals; text running off the image is clipped.
        var lower = RGBImage(width: 16, height: 8, fill: .white)
        BitmapFont.draw("t1", in: &lower, x: 1, y: 1, scale: 1, color: .black)
        #expect(lower == image)
        BitmapFont.draw("WWWWWWWW", in: &lower, x: 10, y: 5, scale: 2, color: .black)
    }

    @Test("one panel per statistic: both curves where compared, none where not")
    func panels() throws {
        let scale = try makeRoll(steps: 32, notes: (0..<8).map { TestNote(pitch: 60 + 2 * $0, step: 4 * $0, length: 4) })
        let chord = try makeRoll(steps: 32, notes: [TestNote(pitch: 60, step: 0, length: 8), TestNote(pitch: 67, step: 0, length: 8)])
        let reference = [scale, chord].map(PieceStatistics.init)
        let generated = [PieceStatistics(try PianoRoll(steps: 32)), PieceStatistics(chord)]
        // With one silent generated roll, pitch-class entropy still has one generated value;
        // a set of silent rolls alone has none.
        let comparison = SetComparison(generated: generated, reference: reference)
        let silentOnly = SetComparison(generated: [PieceStatistics(try PianoRoll(steps: 32))], reference: reference)
        let image = comparison.chart()
        #expect(image.width == 2 * 16 + 4 * 280 + 3 * 20)
        let silentImage = silentOnly.chart()
        #expect(silentImage.width == image.width && silentImage.height == image.height)

        for (index, entry) in silentOnly.entries.enumerated() {
            let column = index % 4, row = index / 4
            let x = 16 + column * 300, y = 30 + 16 + row * 170
            let blue = count(SetComparison.referenceColor, in: silentImage, x: x, y: y, width: 280, height: 120)
            let orange = count(SetComparison.generatedColor, in: silentImage, x: x, y: y, width: 280, height: 120)
            if entry.comparison == nil {
                #expect(blue == 0 && orange == 0, "\(entry.statistic.rawValue) has no data")
            } else {
                #expect(blue > 0 || orange > 0, "\(entry.statistic.rawValue) shows its curves")
            }
            // The title ink lies above each panel.
            let titleInk = count(RGBColor(hex: 0x222222), in: silentImage, x: x, y: y - 16, width: 280, height: 12)
            #expect(titleInk > 0, "\(entry.statistic.rawValue) has a title")
        }
        #expect(silentOnly.entries.contains { $0.comparison == nil })
    }

    @Test("writing a chart goes through a temporary file and fails with a one-line message")
    func writeChart() throws {
        let roll = try makeRoll(steps: 16, notes: [TestNote(pitch: 60, step: 0, length: 4)])
        let comparison = SetComparison(generated: [PieceStatistics(roll)], reference: [PieceStatistics(roll)])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("eval-chart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("chart.png")
        try comparison.writeChart(to: file)
        #expect(try Data(contentsOf: file) == comparison.chart().pngData())
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["chart.png"])
        let nowhere = folder.appendingPathComponent("missing/chart.png")
        do {
            try comparison.writeChart(to: nowhere)
            Issue.record("writing into a missing folder must throw")
        } catch {
            #expect(error.description.hasPrefix("cannot write \(nowhere.path): "))
            #expect(!error.description.contains("\n"))
        }
    }
}
