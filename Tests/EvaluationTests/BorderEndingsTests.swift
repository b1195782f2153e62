import Imaging
import PianoRoll
import Testing
import Evaluation

@Suite("Notes ending on patch borders")
struct BorderEndingsTests {
    @Test("counts the notes that end exactly on a multiple of the period, not those cut by the roll's end")
    func counts() throws {
        // Ends (the step after the last one): 4, 8, 6, 16 (cut by the end of a 16-step roll), 12.
        let roll = try makeRoll(steps: 16, notes: [
            TestNote(pitch: 60, step: 0, length: 4), TestNote(pitch: 62, step: 4, length: 4),
            TestNote(pitch: 64, step: 1, length: 5), TestNote(pitch: 65, step: 10, length: 6),
            TestNote(pitch: 67, step: 9, length: 3),
        ])
        let byFour = BorderEndings(period: 4, rolls: [roll])
        #expect(byFour.notes == 4 && byFour.onBorder == 3)
        #expect(byFour.share == 0.75)
        let byEight = BorderEndings(period: 8, rolls: [roll, roll])
        #expect(byEight.notes == 8 && byEight.onBorder == 2)
        #expect(BorderEndings(period: 4).share == 0)
    }
}

@Suite("Learning-curve chart")
struct LearningCurveChartTests {
    func count(_ color: RGBColor, in image: RGBImage, x: Int, width: Int) -> Int {
        var total = 0
        for row in 46..<(46 + 240) {
            for column in x..<(x + width) where image[column, row] == color { total += 1 }
        }
        return total
    }

    @Test("each curve is drawn in its colour in both panels; a chart without points says so")
    func curves() {
        let fast = LearningCurveChart.Curve(label: "PATCH 8", points: [
            .init(step: 10, seconds: 5, bitsPerCell: 1.2), .init(step: 20, seconds: 10, bitsPerCell: 0.9)])
        let slow = LearningCurveChart.Curve(label: "PATCH 2", points: [
            .init(step: 10, seconds: 20, bitsPerCell: 1.0), .init(step: 20, seconds: 40, bitsPerCell: 0.7)])
        let image = LearningCurveChart(curves: [fast, slow]).chart()
        #expect(image.width == 2 * 16 + 2 * 420 + 48)
        for (index, color) in LearningCurveChart.palette.prefix(2).enumerated() {
            #expect(count(color, in: image, x: 16, width: 420) > 20, "curve \(index) against steps")
            #expect(count(color, in: image, x: 16 + 420 + 48, width: 420) > 20, "curve \(index) against time")
        }
        #expect(count(LearningCurveChart.palette[2], in: image, x: 16, width: 420) == 0)
        let empty = LearningCurveChart(curves: [LearningCurveChart.Curve(label: "PATCH 4", points: [])]).chart()
        #expect(count(LearningCurveChart.palette[0], in: empty, x: 16, width: 420) == 0)
        #expect(count(RGBColor(hex: 0x999999), in: empty, x: 16, width: 420) > 0, "NO DATA")
    }
}
