import Imaging
import Testing

@Suite struct RGBColorTests {
    @Test func hexValueSetsTheChannelsAndPrintsBack() {
        let color = RGBColor(hex: 0x1E90FF)
        #expect(color == RGBColor(red: 0x1E, green: 0x90, blue: 0xFF))
        #expect(color.description == "#1E90FF")
        #expect(RGBColor(hex: 0x00000A).description == "#00000A")
    }

    @Test func mixingInterpolatesEachChannelAndClampsTheFraction() {
        let dark = RGBColor(red: 0, green: 100, blue: 200)
        let light = RGBColor(red: 200, green: 100, blue: 0)
        #expect(dark.mixed(with: light, by: 0) == dark)
        #expect(dark.mixed(with: light, by: 1) == light)
        #expect(dark.mixed(with: light, by: 0.25) == RGBColor(red: 50, green: 100, blue: 150))
        #expect(dark.mixed(with: light, by: -3) == dark)
        #expect(dark.mixed(with: light, by: 7) == light)
    }
}

@Suite struct RGBImageTests {
    let red = RGBColor(hex: 0xFF0000)
    let blue = RGBColor(hex: 0x0000FF)

    @Test func newImageHasOneColourEverywhere() {
        let image = RGBImage(width: 3, height: 2, fill: red)
        #expect(image.bytes == Array(repeating: [255, 0, 0], count: 6).flatMap { $0 })
        #expect(RGBImage(width: 2, height: 2).bytes.allSatisfy { $0 == 0 })
    }

    @Test func pixelsAreStoredRowByRowFromTheTopLeft() {
        var image = RGBImage(width: 4, height: 3)
        image[1, 2] = RGBColor(red: 1, green: 2, blue: 3)
        #expect(image[1, 2] == RGBColor(red: 1, green: 2, blue: 3))
        #expect(Array(image.bytes[(2 * 4 + 1) * 3..<(2 * 4 + 2) * 3]) == [1, 2, 3])
        #expect(image.bytes.reduce(0) { $0 + Int($1) } == 6)
    }

    @Test func fillingARectangleClipsToTheImage() {
        var image = RGBImage(width: 5, height: 4)
        image.fillRectangle(x: 3, y: -1, width: 10, height: 3, color: red)
        for y in 0..<4 {
            for x in 0..<5 {
                #expect(image[x, y] == (x >= 3 && y < 2 ? red : .black), "pixel \(x), \(y)")
            }
        }
        var untouched = image
        untouched.fillRectangle(x: 9, y: 0, width: 2, height: 2, color: blue)
        untouched.fillRectangle(x: 0, y: 0, width: 0, height: 2, color: blue)
        #expect(untouched == image)
    }

    @Test func strokingARectangleDrawsOnlyItsBorder() {
        var image = RGBImage(width: 8, height: 7)
        image.strokeRectangle(x: 1, y: 1, width: 6, height: 5, color: blue, lineWidth: 2)
        for y in 0..<7 {
            for x in 0..<8 {
                let inside = (1...6).contains(x) && (1...5).contains(y)
                let interior = (3...4).contains(x) && y == 3
                #expect(image[x, y] == (inside && !interior ? blue : .black), "pixel \(x), \(y)")
            }
        }
    }

    @Test func strokingARectanglePartlyOutsideDrawsTheVisibleEdges() {
        var image = RGBImage(width: 4, height: 4)
        image.strokeRectangle(x: -2, y: 1, width: 4, height: 10, color: blue)
        let painted = (0..<4).flatMap { y in (0..<4).map { x in (x, y) } }.filter { image[$0.0, $0.1] == blue }
        #expect(painted.map { "\($0.0),\($0.1)" } == ["0,1", "1,1", "1,2", "1,3"])
    }

    @Test func upscalingTurnsEachPixelIntoABlock() {
        var image = RGBImage(width: 2, height: 2)
        image[0, 0] = red
        image[1, 1] = blue
        let big = image.upscaled(horizontal: 3, vertical: 2)
        #expect(big.width == 6 && big.height == 4)
        for y in 0..<4 {
            for x in 0..<6 {
                #expect(big[x, y] == image[x / 3, y / 2], "pixel \(x), \(y)")
            }
        }
        #expect(image.upscaled(by: 1) == image)
        #expect(image.upscaled(by: 4) == image.upscaled(horizontal: 4, vertical: 4))
    }
}
