import CZlib
import Foundation

extension RGBImage {
    /// The picture as a PNG file: 8-bit RGB, not interlaced, each row filtered with whichever
    /// of the five PNG filters makes it smallest by the usual minimum-sum-of-absolute-differences
    /// guess, then zlib-compressed at the best level.
    public func pngData() -> Data {
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var header = Data()
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        header.append(contentsOf: [8, 2, 0, 0, 0])  // bit depth 8, colour type RGB, deflate, adaptive filters, no interlace
        png.appendChunk("IHDR", header)
        png.appendChunk("IDAT", PNGRowFilter.compress(PNGRowFilter.filteredRows(of: self)))
        png.appendChunk("IEND", Data())
        return png
    }

    /// Writes the picture as a PNG file (see `pngData()`), atomically: to a temporary file
    /// beside `url` that is then renamed, so `url` is never left half-written.
    public func writePNG(to url: URL) throws(ImageWriteError) {
        try AtomicFileWriter.write(pngData(), to: url)
    }
}

/// The PNG row filters (PNG specification §9) and the zlib stream around them.
enum PNGRowFilter {
    /// The image rows, each prefixed by its filter type byte and filtered.
    static func filteredRows(of image: RGBImage) -> [UInt8] {
        let rowBytes = image.width * 3
        var output = [UInt8](repeating: 0, count: (rowBytes + 1) * image.height)
        var candidate = [UInt8](repeating: 0, count: rowBytes)
        var best = [UInt8](repeating: 0, count: rowBytes)
        let zeroRow = [UInt8](repeating: 0, count: rowBytes)
        image.bytes.withUnsafeBufferPointer { pixels in
            zeroRow.withUnsafeBufferPointer { zeros in
                for y in 0..<image.height {
                    let row = UnsafeBufferPointer(rebasing: pixels[(y * rowBytes)..<((y + 1) * rowBytes)])
                    let above = y == 0 ? zeros : UnsafeBufferPointer(rebasing: pixels[((y - 1) * rowBytes)..<(y * rowBytes)])
                    var bestType: UInt8 = 0
                    var bestCost = Int.max
                    for type in UInt8(0)...4 {
                        let cost = candidate.withUnsafeMutableBufferPointer { out in
                            filter(type: type, row: row, above: above, into: out)
                        }
                        if cost < bestCost {
                            bestCost = cost
                            bestType = type
                            swap(&best, &candidate)
                        }
                    }
                    let start = y * (rowBytes + 1)
                    output[start] = bestType
                    output.withUnsafeMutableBufferPointer { out in
                        best.withUnsafeBufferPointer { filtered in
                            _ = UnsafeMutableBufferPointer(rebasing: out[(start + 1)...(start + rowBytes)])
                                .update(fromContentsOf: filtered)
                        }
                    }
                }
            }
        }
        return output
    }

    /// Filters one row with filter `type` into `out` and returns the sum of the filtered bytes
    /// read as signed values, the heuristic cost of the choice. The first pixel, which has no
    /// left neighbour, is handled apart so that the main loops run without branches.
    private static func filter(type: UInt8, row: UnsafeBufferPointer<UInt8>, above: UnsafeBufferPointer<UInt8>,
                               into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let bytesPerPixel = 3
        let count = row.count
        switch type {
        case 0:
            for index in 0..<count { out[index] = row[index] }
        case 1:
            for index in 0..<bytesPerPixel { out[index] = row[index] }
            for index in bytesPerPixel..<count { out[index] = row[index] &- row[index - bytesPerPixel] }
        case 2:
            for index in 0..<count { out[index] = row[index] &- above[index] }
        case 3:
            for index in 0..<bytesPerPixel { out[index] = row[index] &- above[index] >> 1 }
            for index in bytesPerPixel..<count {
                let mean = (UInt16(row[index - bytesPerPixel]) + UInt16(above[index])) >> 1
                out[index] = row[index] &- UInt8(truncatingIfNeeded: mean)
            }
        default:
            // With no left or upper-left neighbour, Paeth predicts from above.
            for index in 0..<bytesPerPixel { out[index] = row[index] &- above[index] }
            for index in bytesPerPixel..<count {
                let left = Int16(row[index - bytesPerPixel])
                let up = Int16(above[index])
                let upLeft = Int16(above[index - bytesPerPixel])
                let distanceLeft = abs(up - upLeft)
                let distanceUp = abs(left - upLeft)
                let distanceUpLeft = abs(left + up - 2 * upLeft)
                let predictor = distanceLeft <= distanceUp && distanceLeft <= distanceUpLeft
                    ? left : (distanceUp <= distanceUpLeft ? up : upLeft)
                out[index] = row[index] &- UInt8(truncatingIfNeeded: predictor)
            }
        }
        var cost = 0
        for index in 0..<count { cost &+= Int(abs(Int16(Int8(bitPattern: out[index])))) }
        return cost
    }

    /// A zlib stream of `bytes` at the best compression level.
    static func compress(_ bytes: [UInt8]) -> Data {
        var capacity = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let status = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                compress2(out.baseAddress, &capacity, input.baseAddress, uLong(input.count), Z_BEST_COMPRESSION)
            }
        }
        // compress2 can only fail for lack of memory or room; the buffer is compressBound-sized.
        precondition(status == Z_OK, "zlib compress2 failed with status \(status)")
        return Data(output[0..<Int(capacity)])
    }
}

extension Data {
    mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                            UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)])
    }

    /// Appends a PNG chunk: length, type, data and the CRC-32 of type and data.
    mutating func appendChunk(_ type: String, _ body: Data) {
        appendBigEndian(UInt32(body.count))
        var typeAndBody = Data(type.utf8)
        typeAndBody.append(body)
        let checksum = typeAndBody.withUnsafeBytes { buffer in
            crc32(0, buffer.bindMemory(to: Bytef.self).baseAddress, uInt(buffer.count))
        }
        append(typeAndBody)
        appendBigEndian(UInt32(checksum))
    }
}
