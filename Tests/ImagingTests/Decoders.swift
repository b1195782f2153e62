import ImageDecoders
import Foundation
import Imaging

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
