import Foundation
import ImageDecoders
import Imaging
import TestSupport
import Testing

@Suite struct AnimatedGIFTests {
    /// Writes `animation` to a temporary file and decodes it with giflib.
    func decode(_ animation: AnimatedGIF) throws -> DecodedGIF {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("animation.gif")
        try animation.write(to: url)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["animation.gif"])
        return try DecodedGIF(path: url.path)
    }

    /// A picture using `colorCount` different random colours (exactly, when the image has room).
    func paletteImage(width: Int, height: Int, colors: [RGBColor], generator: inout SeededGenerator) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let pixel = y * width + x
                image[x, y] = pixel < colors.count ? colors[pixel] : colors.randomElement(using: &generator)!
            }
        }
        return image
    }

    func distinctColors(_ count: Int, generator: inout SeededGenerator) -> [RGBColor] {
        var set = Set<RGBColor>()
        while set.count < count { set.insert(RGBColor(hex: UInt32.random(in: 0...0xFFFFFF, using: &generator))) }
        return set.sorted { $0.description < $1.description }
    }

    @Test(arguments: [(1, 1, 1), (1, 2, 3), (2, 7, 5), (3, 1, 9), (5, 33, 17), (16, 64, 48), (200, 61, 37), (256, 300, 200)])
    func giflibDecodesFramesWithExactColours(colorCount: Int, width: Int, height: Int) throws {
        var generator = SeededGenerator(seed: UInt64(colorCount * 7 + width))
        let colors = distinctColors(colorCount, generator: &generator)
        var animation = AnimatedGIF(width: width, height: height)
        let images = (0..<3).map { _ in paletteImage(width: width, height: height, colors: colors, generator: &generator) }
        for image in images { animation.append(image, delay: .milliseconds(120)) }
        let decoded = try decode(animation)
        #expect(decoded.width == width && decoded.height == height)
        #expect(decoded.frames.count == 3)
        #expect(Set(decoded.globalColors.prefix(colorCount)) == Set(colors))
        for (frame, image) in zip(decoded.frames, images) {
            #expect(frame.left == 0 && frame.top == 0 && frame.width == width && frame.height == height)
            #expect(firstDifference(decoded.rgb(of: frame), image.bytes, width: width) == nil)
            #expect(frame.delayCentiseconds == 12)
        }
    }

    @Test func longRunsOfOneColourFillTheCodeTableAndStillDecode() throws {
        // Flat stretches build ever longer strings: the table fills and is cleared several times.
        var generator = SeededGenerator(seed: 9)
        var image = RGBImage(width: 640, height: 480)
        for y in 0..<480 {
            var x = 0
            while x < 640 {
                let run = Int.random(in: 1...40, using: &generator)
                image.fillRectangle(x: x, y: y, width: run, height: 1, color: RGBColor(hex: UInt32.random(in: 0...3, using: &generator) * 0x404040))
                x += run
            }
        }
        var animation = AnimatedGIF(width: 640, height: 480)
        animation.append(image, delay: .seconds(1))
        let decoded = try decode(animation)
        #expect(firstDifference(decoded.rgb(of: try #require(decoded.frames.first)), image.bytes, width: 640) == nil)
    }

    @Test func delaysAndDisposalAreStoredPerFrame() throws {
        var animation = AnimatedGIF(width: 2, height: 2)
        animation.append(RGBImage(width: 2, height: 2), delay: .milliseconds(40))
        animation.append(RGBImage(width: 2, height: 2, fill: .white), delay: .milliseconds(1_234))
        animation.append(RGBImage(width: 2, height: 2), delay: .seconds(3))
        let decoded = try decode(animation)
        #expect(decoded.frames.map(\.delayCentiseconds) == [4, 123, 300])
        #expect(decoded.frames.allSatisfy { $0.disposalMode == 1 }, "frames are left in place")
        #expect(decoded.globalColors.count == 2)
    }

    @Test func loopingIsWrittenAsTheNetscapeExtension() throws {
        let frame = RGBImage(width: 4, height: 3, fill: RGBColor(hex: 0x102030))
        var forever = AnimatedGIF(width: 4, height: 3)
        forever.append(frame, delay: .milliseconds(100))
        #expect(try decode(forever).loopRepetitions == 0)
        var thrice = AnimatedGIF(width: 4, height: 3, looping: .times(3))
        thrice.append(frame, delay: .milliseconds(100))
        #expect(try decode(thrice).loopRepetitions == 2)
        var once = AnimatedGIF(width: 4, height: 3, looping: .times(1))
        once.append(frame, delay: .milliseconds(100))
        #expect(try decode(once).loopRepetitions == nil)
    }

    @Test func moreThan256ColoursAreReducedToNearbyPaletteColours() throws {
        // A smooth two-dimensional gradient with 4,096 colours.
        var image = RGBImage(width: 64, height: 64)
        for y in 0..<64 {
            for x in 0..<64 {
                image[x, y] = RGBColor(red: UInt8(x * 4), green: UInt8(y * 4), blue: UInt8((x + y) * 2))
            }
        }
        var animation = AnimatedGIF(width: 64, height: 64)
        animation.append(image, delay: .milliseconds(100))
        let decoded = try decode(animation)
        #expect(decoded.globalColors.count == 256)
        let rgb = decoded.rgb(of: try #require(decoded.frames.first))
        let worst = zip(rgb, image.bytes).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(worst <= 24, "largest channel error \(worst)")
    }

    @Test func writingIntoAMissingFolderThrowsAMessageNamingTheFile() throws {
        var animation = AnimatedGIF(width: 1, height: 1)
        animation.append(RGBImage(width: 1, height: 1), delay: .milliseconds(10))
        let url = URL(fileURLWithPath: "/nonexistent-folder-\(UUID().uuidString)/steps.gif")
        let error = try #require(throws: ImageWriteError.self) { try animation.write(to: url) }
        #expect(error.description.hasPrefix("cannot write image \(url.path): No such file or directory"))
    }
}
