import Foundation

/// An animated GIF: pictures of one size shown one after another, each for its own time,
/// played a number of times or forever.
///
/// All frames share one colour table of at most 256 colours. When the frames together use
/// no more than 256 distinct colours they are reproduced exactly; otherwise the colours are
/// reduced by median cut and each pixel shows the nearest palette colour.
public struct AnimatedGIF: Sendable {
    /// How often the animation plays.
    public enum Looping: Hashable, Sendable {
        /// Repeats endlessly.
        case forever
        /// Plays the given number of times (at least once) and stops on the last frame.
        case times(Int)
    }

    /// One picture of the animation and how long it stays on screen.
    public struct Frame: Sendable {
        /// The picture, of the animation's size.
        public let image: RGBImage
        /// How long the picture is shown; GIF counts in hundredths of a second, so this is
        /// rounded to the nearest 10 ms (at most 655.35 s).
        public let delay: Duration
    }

    /// The largest width or height a GIF can describe.
    public static let maximumSide = 65_535

    /// The width of every frame, in pixels.
    public let width: Int
    /// The height of every frame, in pixels.
    public let height: Int
    /// How often the animation plays.
    public var looping: Looping
    /// The frames, in the order they are shown.
    public private(set) var frames: [Frame] = []

    /// An empty animation whose frames will be `width` × `height` pixels.
    ///
    /// - Precondition: both sides lie in `1...AnimatedGIF.maximumSide`.
    public init(width: Int, height: Int, looping: Looping = .forever) {
        precondition((1...Self.maximumSide).contains(width) && (1...Self.maximumSide).contains(height),
                     "a GIF's sides must lie in 1...\(Self.maximumSide), got \(width)×\(height)")
        self.width = width
        self.height = height
        self.looping = looping
    }

    /// Adds a frame shown for `delay` after the frames already added.
    ///
    /// - Precondition: the image has the animation's size.
    public mutating func append(_ image: RGBImage, delay: Duration) {
        precondition(image.width == width && image.height == height,
                     "GIF frame is \(image.width)×\(image.height) but the animation is \(width)×\(height)")
        frames.append(Frame(image: image, delay: delay))
    }

    /// The animation as a GIF89a file.
    ///
    /// - Precondition: at least one frame has been added.
    public func gifData() -> Data {
        precondition(!frames.isEmpty, "an animated GIF needs at least one frame")
        let palette = GIFPalette(frames: frames.map(\.image))
        let tableBits = palette.tableBits
        var gif = Data("GIF89a".utf8)
        gif.appendLittleEndian(UInt16(width))
        gif.appendLittleEndian(UInt16(height))
        // Global colour table present; colour resolution and table size both 2^tableBits.
        gif.append(contentsOf: [0x80 | UInt8(tableBits - 1) << 4 | UInt8(tableBits - 1), 0, 0])
        for index in 0..<(1 << tableBits) {
            let color = index < palette.colors.count ? palette.colors[index] : .black
            gif.append(contentsOf: [color.red, color.green, color.blue])
        }
        switch looping {
        case .forever:
            gif.appendNetscapeLoop(repetitions: 0)
        case .times(let count) where count > 1:
            gif.appendNetscapeLoop(repetitions: UInt16(min(count - 1, 65_535)))
        case .times:
            break  // Without the extension a GIF plays once.
        }
        for frame in frames {
            // Graphic control extension: leave the frame in place, no transparency.
            gif.append(contentsOf: [0x21, 0xF9, 0x04, 0x04])
            gif.appendLittleEndian(Self.centiseconds(frame.delay))
            gif.append(contentsOf: [0x00, 0x00])
            // Image descriptor: the whole screen, no local colour table, not interlaced.
            gif.append(contentsOf: [0x2C, 0, 0, 0, 0])
            gif.appendLittleEndian(UInt16(width))
            gif.appendLittleEndian(UInt16(height))
            gif.append(0)
            let minimumCodeSize = max(2, tableBits)
            gif.append(UInt8(minimumCodeSize))
            let compressed = GIFLZWEncoder.encode(palette.indices(of: frame.image), minimumCodeSize: minimumCodeSize)
            var start = 0
            while start < compressed.count {
                let end = min(start + 255, compressed.count)
                gif.append(UInt8(end - start))
                gif.append(contentsOf: compressed[start..<end])
                start = end
            }
            gif.append(0)
        }
        gif.append(0x3B)
        return gif
    }

    /// Writes the animation as a GIF file (see `gifData()`), atomically: to a temporary file
    /// beside `url` that is then renamed, so `url` is never left half-written.
    public func write(to url: URL) throws(ImageWriteError) {
        try AtomicFileWriter.write(gifData(), to: url)
    }

    private static func centiseconds(_ delay: Duration) -> UInt16 {
        let (seconds, attoseconds) = delay.components
        let hundredths = Double(seconds) * 100 + (Double(attoseconds) / 1e16).rounded()
        return UInt16(min(max(hundredths, 0), 65_535))
    }
}

extension Data {
    fileprivate mutating func appendLittleEndian(_ value: UInt16) {
        append(contentsOf: [UInt8(truncatingIfNeeded: value), UInt8(value >> 8)])
    }

    /// The NETSCAPE2.0 application extension: how many times to repeat (0 = forever).
    fileprivate mutating func appendNetscapeLoop(repetitions: UInt16) {
        append(contentsOf: [0x21, 0xFF, 0x0B])
        append(contentsOf: Array("NETSCAPE2.0".utf8))
        append(contentsOf: [0x03, 0x01])
        appendLittleEndian(repetitions)
        append(0)
    }
}
