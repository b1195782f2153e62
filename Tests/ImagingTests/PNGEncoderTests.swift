import CZlib
import Foundation
import ImageDecoders
import Imaging
import TestSupport
import Testing

/// A picture whose rows mix flat colour, noise, gradients and near-copies of the row above,
/// so that every PNG filter wins somewhere.
func structuredImage(width: Int, height: Int, generator: inout SeededGenerator) -> RGBImage {
    var image = RGBImage(width: width, height: height)
    for y in 0..<height {
        let kind = Int.random(in: 0..<4, using: &generator)
        let base = RGBColor(hex: UInt32.random(in: 0...0xFFFFFF, using: &generator))
        for x in 0..<width {
            switch kind {
            case 0:
                image[x, y] = base
            case 1:
                image[x, y] = RGBColor(hex: UInt32.random(in: 0...0xFFFFFF, using: &generator))
            case 2:
                image[x, y] = RGBColor(red: base.red &+ UInt8(truncatingIfNeeded: x * 3), green: base.green &+ UInt8(truncatingIfNeeded: x),
                                       blue: base.blue &+ UInt8(truncatingIfNeeded: x * 7 + y))
            default:
                let above = y > 0 ? image[x, y - 1] : base
                image[x, y] = RGBColor(red: above.red &+ UInt8.random(in: 0...2, using: &generator), green: above.green,
                                       blue: above.blue &+ UInt8(truncatingIfNeeded: x))
            }
        }
    }
    return image
}

/// The filter type byte of every row, read by inflating the IDAT data with zlib.
func filterTypes(ofPNG data: Data, width: Int, height: Int) throws -> [UInt8] {
    let bytes = [UInt8](data)
    var offset = 8
    var compressed: [UInt8] = []
    while offset + 8 <= bytes.count {
        let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
        let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
        if type == "IDAT" { compressed += bytes[(offset + 8)..<(offset + 8 + length)] }
        offset += 12 + length
    }
    var rawLength = uLong((width * 3 + 1) * height)
    var raw = [UInt8](repeating: 0, count: Int(rawLength))
    let status = uncompress(&raw, &rawLength, compressed, uLong(compressed.count))
    guard status == Z_OK, Int(rawLength) == raw.count else { throw DecodingError(description: "inflate failed: \(status)") }
    return (0..<height).map { raw[$0 * (width * 3 + 1)] }
}

@Suite struct PNGEncoderTests {
    static let sizes = [(1, 1), (1, 9), (9, 1), (2, 3), (7, 5), (17, 13), (31, 2), (101, 3), (3, 101), (250, 97), (333, 41)]

    @Test(arguments: sizes)
    func libpngDecodesRandomImagesBitExactly(width: Int, height: Int) throws {
        var generator = SeededGenerator(seed: UInt64(width * 1_000 + height))
        let image = structuredImage(width: width, height: height, generator: &generator)
        let data = image.pngData()
        let decoded = try DecodedPNG(data)
        #expect(decoded.width == width && decoded.height == height)
        #expect(decoded.fileIsEightBitRGB)
        #expect(firstDifference(decoded.rgb, image.bytes, width: width) == nil)
    }

    @Test func headerDeclaresEightBitRGBWithoutInterlace() {
        let data = [UInt8](RGBImage(width: 300, height: 2).pngData())
        #expect(Array(data[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(String(decoding: data[12..<16], as: UTF8.self) == "IHDR")
        #expect(Array(data[16..<24]) == [0, 0, 1, 44, 0, 0, 0, 2])
        #expect(Array(data[24..<29]) == [8, 2, 0, 0, 0])
        #expect(String(decoding: data[(data.count - 8)..<(data.count - 4)], as: UTF8.self) == "IEND")
    }

    @Test func everyFilterIsChosenSomewhereAndDecodesExactly() throws {
        var generator = SeededGenerator(seed: 42)
        var used = Set<UInt8>()
        for (width, height) in [(64, 200), (150, 120)] {
            let image = structuredImage(width: width, height: height, generator: &generator)
            let data = image.pngData()
            used.formUnion(try filterTypes(ofPNG: data, width: width, height: height))
            #expect(firstDifference(try DecodedPNG(data).rgb, image.bytes, width: width) == nil)
        }
        #expect(used == [0, 1, 2, 3, 4])
    }

    @Test func repeatedRowsUseTheUpFilterAndCompressWell() throws {
        var image = RGBImage(width: 500, height: 200)
        for x in 0..<500 { image.fillRectangle(x: x, y: 0, width: 1, height: 200, color: RGBColor(hex: UInt32(x * 977 % 0xFFFFFF))) }
        let data = image.pngData()
        let types = try filterTypes(ofPNG: data, width: 500, height: 200)
        #expect(types.dropFirst().allSatisfy { $0 == 2 })
        #expect(data.count < 3_000, "500×200 image with identical rows took \(data.count) bytes")
    }

    @Test func writingReplacesTheFileAndLeavesNoTemporaryFiles() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("picture.png")
        try Data("old content".utf8).write(to: url)
        var image = RGBImage(width: 3, height: 4, fill: RGBColor(hex: 0x336699))
        image[2, 3] = .white
        try image.writePNG(to: url)
        #expect(firstDifference(try DecodedPNG(Data(contentsOf: url)).rgb, image.bytes, width: 3) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["picture.png"])
    }

    @Test func aFailedRenameLeavesNoTemporaryFileBehind() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("taken.png")
        try FileManager.default.createDirectory(at: url.appendingPathComponent("inside"), withIntermediateDirectories: true)
        let error = try #require(throws: ImageWriteError.self) { try RGBImage(width: 2, height: 2).writePNG(to: url) }
        #expect(error.description.hasPrefix("cannot write image \(url.path): Is a directory"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["taken.png"])
    }

    @Test func writingIntoAMissingFolderThrowsAMessageNamingTheFile() throws {
        let url = URL(fileURLWithPath: "/nonexistent-folder-\(UUID().uuidString)/roll.png")
        let error = try #require(throws: ImageWriteError.self) { try RGBImage(width: 1, height: 1).writePNG(to: url) }
        #expect(error.file == url)
        #expect(error.description == "cannot write image \(url.path): No such file or directory; check that the folder \(url.deletingLastPathComponent().path) exists and is writable")
    }
}
