import CGIFDecoder
import CPNGDecoder
import Foundation
import Imaging

/// A reproducible pseudo-random generator (SplitMix64), so failing cases can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct DecodingError: Error, CustomStringConvertible {
    let description: String
}

/// A PNG decoded by libpng's simplified API.
struct DecodedPNG {
    let width: Int
    let height: Int
    /// libpng's description of the file's own format (before any conversion).
    let fileFormat: UInt32
    /// The pixels as 8-bit RGB, rows top to bottom.
    let rgb: [UInt8]

    /// Whether the file itself is 8-bit RGB without alpha, linear or palette flags.
    var fileIsEightBitRGB: Bool { fileFormat == UInt32(PNG_FORMAT_RGB) }

    init(_ data: Data) throws {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        let began = data.withUnsafeBytes { buffer in
            png_image_begin_read_from_memory(&image, buffer.baseAddress, buffer.count)
        }
        guard began != 0 else { throw DecodingError(description: "libpng: \(Self.message(of: &image))") }
        width = Int(image.width)
        height = Int(image.height)
        fileFormat = image.format
        image.format = UInt32(PNG_FORMAT_RGB)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let finished = pixels.withUnsafeMutableBytes { buffer in
            png_image_finish_read(&image, nil, buffer.baseAddress, 0, nil)
        }
        guard finished != 0 else { throw DecodingError(description: "libpng: \(Self.message(of: &image))") }
        rgb = pixels
    }

    private static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

/// An animated GIF decoded by giflib (DGifOpenFileName + DGifSlurp).
struct DecodedGIF {
    struct Frame {
        let left: Int, top: Int, width: Int, height: Int
        let indices: [UInt8]
        let delayCentiseconds: Int
        let disposalMode: Int
    }

    let width: Int
    let height: Int
    let globalColors: [RGBColor]
    let frames: [Frame]
    /// The NETSCAPE2.0 repetition count, or nil when the file has no loop extension.
    let loopRepetitions: Int?

    init(path: String) throws {
        var error: Int32 = 0
        guard let gif = DGifOpenFileName(path, &error) else {
            throw DecodingError(description: "giflib open: \(String(cString: GifErrorString(error)))")
        }
        defer { DGifCloseFile(gif, &error) }
        guard DGifSlurp(gif) == GIF_OK else {
            throw DecodingError(description: "giflib slurp: \(String(cString: GifErrorString(gif.pointee.Error)))")
        }
        width = Int(gif.pointee.SWidth)
        height = Int(gif.pointee.SHeight)
        if let map = gif.pointee.SColorMap {
            globalColors = (0..<Int(map.pointee.ColorCount)).map { index in
                let color = map.pointee.Colors[index]
                return RGBColor(red: color.Red, green: color.Green, blue: color.Blue)
            }
        } else {
            globalColors = []
        }
        var frames: [Frame] = []
        var loop: Int?
        func scan(_ blocks: UnsafeMutablePointer<ExtensionBlock>?, count: Int32) {
            guard let blocks else { return }
            for index in 0..<Int(count) where blocks[index].Function == APPLICATION_EXT_FUNC_CODE {
                let name = String(decoding: UnsafeBufferPointer(start: blocks[index].Bytes, count: Int(blocks[index].ByteCount)), as: UTF8.self)
                if name == "NETSCAPE2.0", index + 1 < Int(count), blocks[index + 1].ByteCount == 3 {
                    let bytes = blocks[index + 1].Bytes!
                    loop = Int(bytes[1]) | Int(bytes[2]) << 8
                }
            }
        }
        scan(gif.pointee.ExtensionBlocks, count: gif.pointee.ExtensionBlockCount)
        for index in 0..<Int(gif.pointee.ImageCount) {
            let saved = gif.pointee.SavedImages[index]
            scan(saved.ExtensionBlocks, count: saved.ExtensionBlockCount)
            let descriptor = saved.ImageDesc
            var control = GraphicsControlBlock()
            guard DGifSavedExtensionToGCB(gif, Int32(index), &control) == GIF_OK else {
                throw DecodingError(description: "giflib: frame \(index) has no graphic control block")
            }
            let count = Int(descriptor.Width) * Int(descriptor.Height)
            frames.append(Frame(left: Int(descriptor.Left), top: Int(descriptor.Top),
                                width: Int(descriptor.Width), height: Int(descriptor.Height),
                                indices: Array(UnsafeBufferPointer(start: saved.RasterBits, count: count)),
                                delayCentiseconds: Int(control.DelayTime), disposalMode: Int(control.DisposalMode)))
        }
        self.frames = frames
        loopRepetitions = loop
    }

    /// The colours of a frame's pixels, looked up in the global colour table.
    func rgb(of frame: Frame) -> [UInt8] {
        frame.indices.flatMap { index -> [UInt8] in
            let color = globalColors[Int(index)]
            return [color.red, color.green, color.blue]
        }
    }
}

/// A fresh empty folder under the system's temporary folder.
func makeTemporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ImagingTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

/// Nil when the two pixel buffers are equal, otherwise where they first differ
/// (keeps failure messages short instead of printing whole images).
func firstDifference(_ decoded: [UInt8], _ expected: [UInt8], width: Int) -> String? {
    guard decoded.count == expected.count else { return "decoded \(decoded.count) bytes, expected \(expected.count)" }
    guard let index = decoded.indices.first(where: { decoded[$0] != expected[$0] }) else { return nil }
    let pixel = index / 3
    return "pixel (\(pixel % width), \(pixel / width)) channel \(index % 3): decoded \(decoded[index]), expected \(expected[index])"
}
