/// A picture of `width` × `height` pixels with 8-bit RGB colour, stored row by row from the
/// top-left corner (x grows rightwards, y downwards), three bytes per pixel.
///
/// Drawing operations clip to the picture, so a shape partly outside it draws only its
/// visible part.
public struct RGBImage: Hashable, Sendable {
    /// The width in pixels (at least 1).
    public let width: Int
    /// The height in pixels (at least 1).
    public let height: Int
    /// The pixel bytes, `R G B` for each pixel, rows top to bottom, each row left to right.
    public private(set) var bytes: [UInt8]

    /// A picture filled with one colour (black unless given).
    ///
    /// - Precondition: `width` and `height` are positive.
    public init(width: Int, height: Int, fill color: RGBColor = .black) {
        precondition(width > 0 && height > 0, "RGBImage needs a positive size, got \(width)×\(height)")
        self.width = width
        self.height = height
        let pattern = [color.red, color.green, color.blue]
        bytes = Array(repeating: 0, count: width * height * 3)
        if color != .black {
            for index in stride(from: 0, to: bytes.count, by: 3) {
                bytes[index] = pattern[0]
                bytes[index + 1] = pattern[1]
                bytes[index + 2] = pattern[2]
            }
        }
    }

    /// A picture from raw `R G B` bytes, rows top to bottom.
    ///
    /// - Precondition: `width` and `height` are positive and `bytes.count == width * height * 3`.
    public init(width: Int, height: Int, bytes: [UInt8]) {
        precondition(width > 0 && height > 0, "RGBImage needs a positive size, got \(width)×\(height)")
        precondition(bytes.count == width * height * 3,
                     "RGBImage \(width)×\(height) needs \(width * height * 3) bytes, got \(bytes.count)")
        self.width = width
        self.height = height
        self.bytes = bytes
    }

    /// The colour of the pixel in column `x` and row `y` (row 0 is the top).
    ///
    /// - Precondition: the pixel lies inside the picture.
    public subscript(x: Int, y: Int) -> RGBColor {
        get {
            let offset = byteOffset(x: x, y: y)
            return RGBColor(red: bytes[offset], green: bytes[offset + 1], blue: bytes[offset + 2])
        }
        set {
            let offset = byteOffset(x: x, y: y)
            bytes[offset] = newValue.red
            bytes[offset + 1] = newValue.green
            bytes[offset + 2] = newValue.blue
        }
    }

    /// Paints the rectangle with top-left corner (`x`, `y`) and the given size in one colour.
    public mutating func fillRectangle(x: Int, y: Int, width rectWidth: Int, height rectHeight: Int, color: RGBColor) {
        let left = max(x, 0), right = min(x + rectWidth, width)
        let top = max(y, 0), bottom = min(y + rectHeight, height)
        guard left < right, top < bottom else { return }
        bytes.withUnsafeMutableBufferPointer { pixels in
            for row in top..<bottom {
                var offset = (row * width + left) * 3
                for _ in left..<right {
                    pixels[offset] = color.red
                    pixels[offset + 1] = color.green
                    pixels[offset + 2] = color.blue
                    offset += 3
                }
            }
        }
    }

    /// Draws the outline of the rectangle with top-left corner (`x`, `y`) and the given size,
    /// `lineWidth` pixels thick, inside the rectangle's bounds.
    public mutating func strokeRectangle(x: Int, y: Int, width rectWidth: Int, height rectHeight: Int,
                                         color: RGBColor, lineWidth: Int = 1) {
        guard rectWidth > 0, rectHeight > 0, lineWidth > 0 else { return }
        let line = min(lineWidth, rectWidth, rectHeight)
        fillRectangle(x: x, y: y, width: rectWidth, height: line, color: color)
        fillRectangle(x: x, y: y + rectHeight - line, width: rectWidth, height: line, color: color)
        fillRectangle(x: x, y: y, width: line, height: rectHeight, color: color)
        fillRectangle(x: x + rectWidth - line, y: y, width: line, height: rectHeight, color: color)
    }

    /// The picture enlarged by whole factors: every pixel becomes a block of
    /// `horizontal` × `vertical` pixels of its colour (nearest-neighbour, so edges stay crisp).
    ///
    /// - Precondition: both factors are positive.
    public func upscaled(horizontal: Int, vertical: Int) -> RGBImage {
        precondition(horizontal > 0 && vertical > 0, "upscaling factors must be positive, got \(horizontal)×\(vertical)")
        if horizontal == 1 && vertical == 1 { return self }
        let newWidth = width * horizontal
        let rowBytes = newWidth * 3
        var result = [UInt8](repeating: 0, count: rowBytes * height * vertical)
        bytes.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for y in 0..<height {
                    let rowStart = y * vertical * rowBytes
                    var out = rowStart
                    for x in 0..<width {
                        let input = (y * width + x) * 3
                        for _ in 0..<horizontal {
                            target[out] = source[input]
                            target[out + 1] = source[input + 1]
                            target[out + 2] = source[input + 2]
                            out += 3
                        }
                    }
                    for copy in 1..<vertical {
                        let destination = rowStart + copy * rowBytes
                        for index in 0..<rowBytes {
                            target[destination + index] = target[rowStart + index]
                        }
                    }
                }
            }
        }
        return RGBImage(width: newWidth, height: height * vertical, bytes: result)
    }

    /// The picture enlarged by a whole factor in both directions (see `upscaled(horizontal:vertical:)`).
    public func upscaled(by factor: Int) -> RGBImage {
        upscaled(horizontal: factor, vertical: factor)
    }

    private func byteOffset(x: Int, y: Int) -> Int {
        precondition(x >= 0 && x < width && y >= 0 && y < height,
                     "pixel (\(x), \(y)) lies outside the \(width)×\(height) image")
        return (y * width + x) * 3
    }
}
