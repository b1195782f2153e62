/// The variable-length-code LZW compression of GIF image data (GIF89a specification, appendix F).
enum GIFLZWEncoder {
    /// The codes for `indices` (palette indices below 2^minimumCodeSize), packed least significant
    /// bit first, starting with a clear code and ending with the end-of-information code.
    static func encode(_ indices: [UInt8], minimumCodeSize: Int) -> [UInt8] {
        let clearCode = 1 << minimumCodeSize
        let endCode = clearCode + 1
        let maximumCodes = 4096
        let alphabet = clearCode
        // The code of (prefix code, next index); 0 means no entry, since no entry is below endCode.
        var table = [UInt16](repeating: 0, count: maximumCodes * alphabet)
        var writer = BitWriter()
        var codeSize = minimumCodeSize + 1
        var nextCode = endCode + 1

        // After each data code the decoder adds a table entry; once the next entry no longer
        // fits in the current code size both sides widen their codes (up to 12 bits).
        func emitData(_ code: Int) {
            writer.write(code, bits: codeSize)
            if nextCode >= 1 << codeSize && codeSize < 12 { codeSize += 1 }
        }

        writer.write(clearCode, bits: codeSize)
        guard var prefix = indices.first.map(Int.init) else {
            writer.write(endCode, bits: codeSize)
            return writer.finish()
        }
        table.withUnsafeMutableBufferPointer { table in
            indices.withUnsafeBufferPointer { indices in
                for index in indices.dropFirst() {
                    let key = prefix * alphabet + Int(index)
                    let known = table[key]
                    if known != 0 {
                        prefix = Int(known)
                        continue
                    }
                    emitData(prefix)
                    if nextCode < maximumCodes {
                        table[key] = UInt16(nextCode)
                        nextCode += 1
                    } else {
                        writer.write(clearCode, bits: codeSize)
                        table.update(repeating: 0)
                        codeSize = minimumCodeSize + 1
                        nextCode = endCode + 1
                    }
                    prefix = Int(index)
                }
            }
        }
        emitData(prefix)
        writer.write(endCode, bits: codeSize)
        return writer.finish()
    }
}

/// Packs codes of varying width into bytes, least significant bit first.
private struct BitWriter {
    private var bytes: [UInt8] = []
    private var pending: UInt32 = 0
    private var pendingBits = 0

    mutating func write(_ code: Int, bits: Int) {
        pending |= UInt32(code) << UInt32(pendingBits)
        pendingBits += bits
        while pendingBits >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: pending))
            pending >>= 8
            pendingBits -= 8
        }
    }

    mutating func finish() -> [UInt8] {
        if pendingBits > 0 { bytes.append(UInt8(truncatingIfNeeded: pending)) }
        pendingBits = 0
        pending = 0
        return bytes
    }
}
