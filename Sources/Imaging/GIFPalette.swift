/// The shared colour table of an animated GIF and the mapping of colours onto it.
struct GIFPalette {
    /// The palette colours, at most 256.
    let colors: [RGBColor]
    /// The palette index of every colour that occurs in the frames.
    private let indexOfColor: [UInt32: UInt8]

    /// A palette for the colours of `frames`: exact when there are at most 256, median cut otherwise.
    init(frames: [RGBImage]) {
        var counts: [UInt32: Int] = [:]
        for frame in frames {
            frame.bytes.withUnsafeBufferPointer { bytes in
                for offset in stride(from: 0, to: bytes.count, by: 3) {
                    counts[UInt32(bytes[offset]) << 16 | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]), default: 0] += 1
                }
            }
        }
        let keys = counts.keys.sorted()
        if keys.count <= 256 {
            colors = keys.map { RGBColor(hex: $0) }
            indexOfColor = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($0.element, UInt8($0.offset)) })
        } else {
            let palette = Self.medianCut(keys.map { (RGBColor(hex: $0), counts[$0]!) }, boxes: 256)
            colors = palette
            var mapping: [UInt32: UInt8] = [:]
            mapping.reserveCapacity(keys.count)
            for key in keys {
                mapping[key] = Self.nearest(RGBColor(hex: key), in: palette)
            }
            indexOfColor = mapping
        }
    }

    /// The number of bits of the GIF colour table (its size is 2^tableBits ≥ the palette size).
    var tableBits: Int {
        var bits = 1
        while 1 << bits < colors.count { bits += 1 }
        return bits
    }

    /// The palette index of every pixel of `image`, rows top to bottom.
    func indices(of image: RGBImage) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: image.width * image.height)
        image.bytes.withUnsafeBufferPointer { bytes in
            for pixel in result.indices {
                let offset = pixel * 3
                result[pixel] = indexOfColor[UInt32(bytes[offset]) << 16 | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2])]!
            }
        }
        return result
    }

    /// Splits the colour cube into `boxes` boxes, each time halving (at the pixel-weighted median
    /// of its widest channel) the box with the widest channel range, and returns each box's
    /// pixel-weighted mean colour.
    private static func medianCut(_ colors: [(color: RGBColor, count: Int)], boxes: Int) -> [RGBColor] {
        func channel(_ color: RGBColor, _ index: Int) -> UInt8 {
            index == 0 ? color.red : index == 1 ? color.green : color.blue
        }
        func widest(_ box: ArraySlice<(color: RGBColor, count: Int)>) -> (channel: Int, range: Int) {
            var best = (channel: 0, range: -1)
            for index in 0..<3 {
                var low = UInt8.max, high = UInt8.min
                for entry in box {
                    low = min(low, channel(entry.color, index))
                    high = max(high, channel(entry.color, index))
                }
                if Int(high) - Int(low) > best.range { best = (index, Int(high) - Int(low)) }
            }
            return best
        }
        var parts: [ArraySlice<(color: RGBColor, count: Int)>] = [colors[...]]
        while parts.count < boxes {
            let ranges = parts.map { $0.count > 1 ? widest($0) : (channel: 0, range: -1) }
            guard let split = ranges.indices.max(by: { ranges[$0].range < ranges[$1].range }),
                  ranges[split].range > 0 else { break }
            let axis = ranges[split].channel
            let sorted = parts[split].sorted { channel($0.color, axis) < channel($1.color, axis) }
            let total = sorted.reduce(0) { $0 + $1.count }
            var running = 0
            var cut = 1
            for (offset, entry) in sorted.enumerated() {
                running += entry.count
                if running * 2 >= total { cut = offset + 1; break }
            }
            cut = min(max(cut, 1), sorted.count - 1)
            parts[split] = sorted[0..<cut]
            parts.append(sorted[cut...])
        }
        return parts.map { box in
            var sums = (0, 0, 0), total = 0
            for entry in box {
                sums.0 += Int(entry.color.red) * entry.count
                sums.1 += Int(entry.color.green) * entry.count
                sums.2 += Int(entry.color.blue) * entry.count
                total += entry.count
            }
            return RGBColor(red: UInt8((sums.0 + total / 2) / total), green: UInt8((sums.1 + total / 2) / total),
                            blue: UInt8((sums.2 + total / 2) / total))
        }
    }

    private static func nearest(_ color: RGBColor, in palette: [RGBColor]) -> UInt8 {
        var best = 0, bestDistance = Int.max
        for (index, candidate) in palette.enumerated() {
            let dr = Int(color.red) - Int(candidate.red)
            let dg = Int(color.green) - Int(candidate.green)
            let db = Int(color.blue) - Int(candidate.blue)
            let distance = dr * dr + dg * dg + db * db
            if distance < bestDistance { bestDistance = distance; best = index }
        }
        return UInt8(best)
    }
}
