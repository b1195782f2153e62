import CGIFDecoder
import CPNGDecoder
import Foundation
import Imaging

// Independent decoders (libpng, giflib) that tests use to check the project's own PNG and GIF
// encoders: a file passes only if a third-party decoder reads back what was written.

/// A decoder rejected a file; the description is the decoder's own message.
public struct DecodingError: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}

/// A PNG decoded by libpng's simplified API.
public struct DecodedPNG {
    public let width: Int
    public let height: Int
    /// libpng's description of the file's own format (before any conversion).
    public let fileFormat: UInt32
    /// The pixels as 8-bit RGB, rows top to bottom.
    public let rgb: [UInt8]

    /// Whether the file itself is 8-bit RGB without alpha, linear or palette flags.
    public var fileIsEightBitRGB: Bool { fileFormat == UInt32(PNG_FORMAT_RGB) }

    public init(_ data: Data) throws {
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
public struct DecodedGIF {
    /// One image of the animation, as giflib reads it.
    public struct Frame {
        public let left: Int, top: Int, width: Int, height: Int
        public let indices: [UInt8]
        public let delayCentiseconds: Int
        public let disposalMode: Int
    }

    public let width: Int
    public let height: Int
    public let globalColors: [RGBColor]
    public let frames: [Frame]
    /// The NETSCAPE2.0 repetition count, or nil when the file has no loop extension.
    public let loopRepetitions: Int?

    public init(path: String) throws {
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
    public func rgb(of frame: Frame) -> [UInt8] {
        frame.indices.flatMap { index -> [UInt8] in
            let color = globalColors[Int(index)]
            return [color.red, color.green, color.blue]
        }
    }
}

extension DecodedPNG {
    /// The decoded pixels as an image, for comparing with what was encoded.
    public var image: RGBImage { RGBImage(width: width, height: height, bytes: rgb) }
}
