import Foundation
import Testing
import NN

@Suite("SafeTensors")
struct SafeTensorsTests {
    @Test("reads a file written by Python safetensors")
    func readsPythonFile() throws {
        let file = try Fixture.load("python_written.safetensors")
        #expect(try file.floats("floats", shape: [2, 3]) == [0, -1.5, 3.25, 1e-7, 6.0e5, -0.0])
        #expect(try file.int32s("int32s", shape: [5]) == [Int32.min, -1, 0, 7, Int32.max])
        #expect(try file.int64s("int64s", shape: [2, 2]) == [-(1 << 40), 1, 1 << 62, -3])
        #expect(try file.floats("scalar", shape: []) == [2.5])
        #expect(try file.floats("empty", shape: [0, 3]) == [])
        #expect(file.metadata["note"] == "quote \" and é")
        #expect(file.metadata["producer"]?.hasPrefix("torch ") == true)
        #expect(file.names == ["empty", "floats", "int32s", "int64s", "scalar"])
    }

    @Test("write then read gives back the same tensors and metadata")
    func roundTrip() throws {
        var file = SafeTensorsFile(metadata: ["step": "12", "odd\nkey": "tab\tand \\ \u{1}"])
        file.set("a.weight", floats: (0..<15).map { Float($0) * 0.25 - 1 }, shape: [3, 5])
        file.set("b", int32s: [1, -2, 3], shape: [3])
        file.set("c", int64s: [Int64.max, Int64.min], shape: [1, 2])
        file.set("scalar", floats: [7], shape: [])
        let folder = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("x.safetensors")
        try file.write(to: url)
        let back = try SafeTensorsFile(contentsOf: url)
        #expect(back.metadata == file.metadata)
        #expect(back.tensors == file.tensors)
        #expect(back.source == url.path)
        // Only the final file remains: the temporary file was renamed.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["x.safetensors"])
    }

    @Test("the header is padded so the data starts on an 8-byte boundary, and I64 data comes first")
    func alignment() throws {
        for nameLength in 1...9 {
            var file = SafeTensorsFile()
            file.set(String(repeating: "n", count: nameLength), floats: [1, 2, 3], shape: [3])
            file.set("z", int64s: [5], shape: [1])
            let bytes = file.serialized()
            let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            #expect((8 + headerLength) % 8 == 0)
            let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
            #expect(header.contains("\"z\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}"))
            #expect(bytes.count == 8 + headerLength + 8 + 12)
        }
    }

    @Test("rewriting an existing file replaces it")
    func overwrite() throws {
        let folder = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("x.safetensors")
        var file = SafeTensorsFile()
        file.set("v", floats: [1], shape: [1])
        try file.write(to: url)
        file.set("v", floats: [2, 3], shape: [2])
        try file.write(to: url)
        #expect(try SafeTensorsFile(contentsOf: url).floats("v") == [2, 3])
    }

    // MARK: errors

    private func bytes(header: String, dataLength: Int) -> Data {
        var data = Data()
        let json = Array(header.utf8)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: json)
        data.append(Data(count: dataLength))
        return data
    }

    @Test("a missing file names the path")
    func missingFile() {
        let error = #expect(throws: SafeTensorsError.self) {
            _ = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: "/nonexistent/model.safetensors"))
        }
        #expect(error?.description.hasPrefix("/nonexistent/model.safetensors: cannot read the file") == true)
    }

    @Test("a file shorter than the length prefix is truncated")
    func tooShort() {
        let error = #expect(throws: SafeTensorsError.self) {
            _ = try SafeTensorsFile(bytes: Data([1, 2, 3]), source: "m.safetensors")
        }
        #expect(error?.description == "m.safetensors: the file is truncated (3 bytes, shorter than the 8-byte header length); it was probably cut off while copying or writing, so write or copy it again")
    }

    @Test("a header longer than the file is truncated")
    func truncatedHeader() {
        var data = bytes(header: "{}", dataLength: 0)
        data[0] = 50
        let error = #expect(throws: SafeTensorsError.self) {
            _ = try SafeTensorsFile(bytes: data, source: "m.safetensors")
        }
        #expect(error == .truncated(file: "m.safetensors", detail: "header needs 50 bytes, only 2 present"))
    }

    @Test("data shorter than the offsets say is truncated")
    func truncatedData() throws {
        var file = SafeTensorsFile()
        file.set("w", floats: [1, 2, 3, 4], shape: [2, 2])
        let data = file.serialized().dropLast(4)
        let error = #expect(throws: SafeTensorsError.self) {
            _ = try SafeTensorsFile(bytes: Data(data), source: "m.safetensors")
        }
        #expect(error?.description.hasPrefix("m.safetensors: the file is truncated (tensor 'w' ends at data byte 16, only 12 present)") == true)
    }

    @Test("invalid JSON is a corrupt header")
    func corruptJSON() {
        let error = #expect(throws: SafeTensorsError.self) {
            _ = try SafeTensorsFile(bytes: bytes(header: "{\"w\": [", dataLength: 0), source: "m.safetensors")
        }
        #expect(error?.description == "m.safetensors: the safetensors header is corrupt (header is not valid JSON); this is not a valid safetensors file, so re-create it")
    }

    @Test("offsets that disagree with the shape are a corrupt header")
    func offsetMismatch() {
        let header = #"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}"#
        let error = #expect(throws: SafeTensorsError.self) {
            _ = try SafeTensorsFile(bytes: bytes(header: header, dataLength: 16), source: "m.safetensors")
        }
        #expect(error == .corruptHeader(file: "m.safetensors", detail: "tensor 'w' of shape [2, 2] needs 16 bytes but its offsets span 12"))
    }

    @Test("a shape whose size overflows is a corrupt header, not a crash")
    func overflowingShape() throws {
        for shape in ["[1099511627776,1099511627776]", "[99999999999999,99999999999999,3]"] {
            let header = #"{"w":{"dtype":"F32","shape":"# + shape + #","data_offsets":[0,4]}}"#
            let error = #expect(throws: SafeTensorsError.self) {
                _ = try SafeTensorsFile(bytes: bytes(header: header, dataLength: 4), source: "m.safetensors")
            }
            let shown = shape.replacingOccurrences(of: ",", with: ", ")
            #expect(error == .corruptHeader(file: "m.safetensors", detail: "tensor 'w' of shape \(shown) is larger than any file can hold"))
        }
        let empty = #"{"w":{"dtype":"F32","shape":[999999999999999,999999999999999,0],"data_offsets":[0,0]}}"#
        #expect(try SafeTensorsFile(bytes: bytes(header: empty, dataLength: 0), source: "m.safetensors").floats("w") == [])
    }

    @Test("an entry without a shape is a corrupt header")
    func missingShape() {
        let header = #"{"w":{"dtype":"F32","data_offsets":[0,4]}}"#
        let error = #expect(throws: SafeTensorsError.self) {
            _ = try SafeTensorsFile(bytes: bytes(header: header, dataLength: 4), source: "m.safetensors")
        }
        #expect(error == .corruptHeader(file: "m.safetensors", detail: "tensor 'w' has no valid shape"))
    }

    @Test("an unsupported element type is named")
    func unsupportedDType() {
        let header = #"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#
        let error = #expect(throws: SafeTensorsError.self) {
            _ = try SafeTensorsFile(bytes: bytes(header: header, dataLength: 4), source: "m.safetensors")
        }
        #expect(error?.description == "m.safetensors: tensor 'h' has element type F16, but only F32, I32 and I64 are supported; convert it (e.g. tensor.float() in PyTorch) before saving")
    }

    @Test("asking for the wrong element type, a missing tensor, or a wrong shape throws a message")
    func queryErrors() throws {
        let file = try Fixture.load("python_written.safetensors")
        let path = Fixture.directory.appendingPathComponent("python_written.safetensors").path
        let wrongType = #expect(throws: SafeTensorsError.self) { _ = try file.floats("int64s") }
        #expect(wrongType?.description == "\(path): tensor 'int64s' holds I64 values, but F32 was expected; save it with element type F32")
        let missing = #expect(throws: SafeTensorsError.self) { _ = try file.floats("weights") }
        #expect(missing?.description == "\(path): no tensor named 'weights'; the file was written by a different model or version, so check that it matches this model")
        let shape = #expect(throws: SafeTensorsError.self) { _ = try file.floats("floats", shape: [3, 2]) }
        #expect(shape?.description == "\(path): tensor 'floats' has shape [2, 3], but [3, 2] was expected; the file was written for a model of a different size, so use the matching configuration")
    }

    @Test("writing into a missing folder fails and names the file")
    func unwritable() {
        var file = SafeTensorsFile()
        file.set("v", floats: [1], shape: [1])
        let error = #expect(throws: SafeTensorsError.self) {
            try file.write(to: URL(fileURLWithPath: "/nonexistent-folder/out.safetensors"))
        }
        #expect(error?.description.hasPrefix("/nonexistent-folder/out.safetensors: cannot write the file (") == true)
        #expect(error?.description.hasSuffix("); check that the folder exists, is writable and has free space") == true)
    }
}
