import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MIDIFile
import PianoRoll
import StudioCore
import Testing
import TestSupport

/// `fractalmidi studio` over HTTP, as the page and any other client use it: the page's files
/// and nothing outside them, the JSON API of docs/STUDIO.md, bounded bodies, one-line errors,
/// and a job cancelled by its closed connection.
@Suite("Studio server", .serialized)
final class StudioServerTests {
    let folder: TemporaryFolder
    let server: Process
    let base: URL

    init() throws {
        folder = try TemporaryFolder()
        let log = folder.url.appendingPathComponent("server.log")
        server = try CommandLineTool().start(["studio", "--port", "0", "--sessions", folder.url.appendingPathComponent("sessions").path,
                                              "--threads", "2"], writingOutputTo: log)
        base = try Self.address(in: log, of: server)
    }

    deinit {
        server.terminate()
        server.waitUntilExit()
        folder.remove()
    }

    /// The address the server prints once it listens on `host`.
    static func address(in log: URL, of server: Process, host: String = "127.0.0.1") throws -> URL {
        for _ in 0..<600 {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: "http://\(host):[0-9]+/", options: .regularExpression) {
                return URL(string: String(text[range]))!
            }
            guard server.isRunning else { throw ServerNotListening(message: "the studio stopped: \(text)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw ServerNotListening(message: "the studio printed no address in 60 s")
    }

    func call(_ method: String, _ path: String, body: Data? = nil) async throws -> (status: Int, data: Data, type: String) {
        var request = URLRequest(url: URL(string: path, relativeTo: base)!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 120
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, data, http.value(forHTTPHeaderField: "Content-Type") ?? "")
    }

    func errorLine(_ data: Data) -> String? {
        (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["error"] as? String
    }

    static let piece = #"{"steps":32,"bpm":110,"beatsPerBar":4,"velocityBins":32,"notes":[{"pitch":60,"step":0,"length":4,"velocity":20}]}"#

    @Test("the page's files are served, and nothing outside their folder")
    func staticFiles() async throws {
        let page = try await call("GET", "/")
        #expect(page.status == 200 && page.type.hasPrefix("text/html"))
        #expect(String(decoding: page.data, as: UTF8.self).contains("<html"))
        for path in ["/../Package.swift", "/%2e%2e/Package.swift", "/index.html/../../Package.swift", "/..%2f..%2fPackage.swift",
                     "/Sources/Studio/Web/index.html", "/api/sessions/..%2F..%2Fetc%2Fpasswd"] {
            let answer = try await call("GET", path)
            #expect(answer.status == 404, "\(path) answered \(answer.status)")
            #expect(!String(decoding: answer.data, as: UTF8.self).contains("PackageDescription"))
        }
    }

    @Test("the model's styles, defaults and limits")
    func model() async throws {
        let answer = try await call("GET", "/api/model")
        let json = try #require(try JSONSerialization.jsonObject(with: answer.data) as? [String: Any])
        #expect(json["styles"] as? [String] == ["bach", "pop"] && json["defaultStyle"] as? String == "pop")
        #expect((json["limits"] as? [String: Any])?["maxUploadBytes"] as? Int == 4 << 20)
        #expect((json["defaults"] as? [String: Any])?["temperature"] as? Double == 1.05)
    }

    @Test("a MIDI upload becomes a piece; a malformed or oversized one is one line, and the server lives on")
    func uploads() async throws {
        let roll = try StudioPiece(steps: 16, bpm: 120, beatsPerBar: 4, velocityBins: 32,
                                   notes: [.init(pitch: 62, step: 4, length: 4, velocity: 20)]).roll()
        let good = try await call("POST", "/api/midi?name=song.mid", body: roll.midiFile().encoded())
        #expect(good.status == 200)
        struct Upload: Decodable { var piece: StudioPiece; var name: String }
        let upload = try JSONDecoder().decode(Upload.self, from: good.data)
        #expect(upload.piece.notes.map(\.pitch) == [62] && upload.name == "song.mid")
        let bad = try await call("POST", "/api/midi?name=bad.mid", body: Data("MThd garbage".utf8))
        #expect(bad.status == 400)
        #expect(errorLine(bad.data)?.contains("bad.mid") == true && errorLine(bad.data)?.contains("\n") == false)
        let huge = try await call("POST", "/api/midi", body: Data(count: (4 << 20) + 1))
        #expect(huge.status == 413 && errorLine(huge.data) == "a MIDI file may be at most 4194304 bytes; send a smaller one")
        #expect(try await call("GET", "/api/model").status == 200, "the server still answers")
    }

    @Test("bad bodies are 400 with one line; unknown sessions 404")
    func badRequests() async throws {
        let notJSON = try await call("POST", "/api/generate", body: Data("hello".utf8))
        #expect(notJSON.status == 400 && errorLine(notJSON.data) == "the request is not JSON; send a JSON object")
        let missing = try await call("POST", "/api/generate", body: Data(#"{"mode":"new"}"#.utf8))
        #expect(missing.status == 400 && errorLine(missing.data) == "the request has no piece; see docs/STUDIO.md for the fields")
        let overlap = #"{"mode":"new","bars":1,"piece":{"steps":8,"bpm":120,"beatsPerBar":4,"velocityBins":32,"notes":[{"pitch":60,"step":0,"length":4,"velocity":1},{"pitch":60,"step":2,"length":1,"velocity":1}]}}"#
        let refused = try await call("POST", "/api/generate", body: Data(overlap.utf8))
        #expect(refused.status == 400 && errorLine(refused.data) == "note 1 (pitch 60, step 2) overlaps another note on its pitch; shorten or move one of them")
        #expect(try await call("GET", "/api/sessions/nope").status == 404)
        #expect(try await call("PUT", "/api/sessions/nope", body: Data("{}".utf8)).status == 404)
        #expect(try await call("GET", "/api/samples/200.wav").status == 400)
    }

    @Test("sessions: created, saved, listed and read back; a bad save keeps the last good one")
    func sessions() async throws {
        let created = try await call("POST", "/api/sessions", body: Data(#"{"title":"Étude"}"#.utf8))
        #expect(created.status == 201)
        let id = try #require((try JSONSerialization.jsonObject(with: created.data) as? [String: Any])?["id"] as? String)
        let document = #"{"title":"Étude","history":[{"label":"open","piece":\#(Self.piece)}],"position":0}"#
        #expect(try await call("PUT", "/api/sessions/\(id)", body: Data(document.utf8)).status == 200)
        #expect(try await call("PUT", "/api/sessions/\(id)", body: Data(#"{"history":7}"#.utf8)).status == 400)
        let read = try await call("GET", "/api/sessions/\(id)")
        let json = try #require(try JSONSerialization.jsonObject(with: read.data) as? [String: Any])
        #expect((json["history"] as? [Any])?.count == 1 && json["title"] as? String == "Étude")
        let list = try await call("GET", "/api/sessions")
        #expect(String(decoding: list.data, as: UTF8.self).contains(id))
        #expect(try await call("DELETE", "/api/sessions/\(id)").status == 200)
        #expect(try await call("GET", "/api/sessions/\(id)").status == 404)
        #expect(try await call("DELETE", "/api/sessions/\(id)").status == 404)
    }

    @Test("exports: MIDI and PNG of the piece")
    func exports() async throws {
        let body = Data(#"{"piece":\#(Self.piece)}"#.utf8)
        let midi = try await call("POST", "/api/export/midi", body: body)
        #expect(midi.status == 200 && midi.type == "audio/midi" && midi.data.prefix(4) == Data("MThd".utf8))
        #expect(try StandardMIDIFile(data: midi.data, fileName: "x.mid").tracks.isEmpty == false)
        let png = try await call("POST", "/api/export/png", body: body)
        #expect(png.status == 200 && png.data.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
    }

    @Test("audio: a WAV of the piece and one-note samples with FluidSynth, or a 503 naming the packages")
    func audio() async throws {
        let wav = try await call("POST", "/api/render/wav", body: Data(#"{"piece":\#(Self.piece)}"#.utf8))
        let sample = try await call("GET", "/api/samples/60.wav")
        let installed = FileManager.default.isExecutableFile(atPath: "/usr/bin/fluidsynth")
            && FileManager.default.fileExists(atPath: "/usr/share/sounds/sf2/TimGM6mb.sf2")
        if installed {
            #expect(wav.status == 200 && wav.data.prefix(4) == Data("RIFF".utf8) && wav.data.count > 44_100)
            #expect(sample.status == 200 && sample.data.prefix(4) == Data("RIFF".utf8))
        } else {
            #expect(wav.status == 503 && errorLine(wav.data)?.contains("apt-get install") == true)
        }
    }

    @Test("a generation streams its events and ends with the takes; the outside of an inpainted region is kept")
    func generate() async throws {
        let job = #"{"mode":"inpaint","piece":\#(Self.piece),"region":{"startStep":16,"endStep":32,"lowPitch":0,"highPitch":127},"takes":1,"seed":4}"#
        let answer = try await call("POST", "/api/generate", body: Data(job.utf8))
        #expect(answer.status == 200 && answer.type == "application/x-ndjson")
        let events = try String(decoding: answer.data, as: UTF8.self).split(separator: "\n")
            .map { try JSONDecoder().decode(StudioEvent.self, from: Data($0.utf8)) }
        #expect(events.first?.type == "started" && events.contains { $0.type == "progress" })
        let done = try #require(events.last)
        #expect(done.type == "done" && done.seed == 4)
        let take = try #require(done.takes?.first)
        #expect(take.notes.contains(.init(pitch: 60, step: 0, length: 4, velocity: 20)))
        #expect(take.notes.allSatisfy { $0.step < 4 || $0.step >= 16 })
    }

    @Test("inpainting through the server draws the notes `fractalmidi inpaint` writes for the same piece, region and seed")
    func sameAsTheCommandLine() async throws {
        var notes: [StudioPiece.Note] = []
        for bar in 0..<4 {
            for (offset, pitch) in [48, 55, 60, 64].enumerated() {
                notes.append(.init(pitch: pitch + bar % 2 * 2, step: bar * 16 + offset * 2, length: 8, velocity: 12 + offset))
            }
        }
        let piece = StudioPiece(steps: 64, bpm: 120, beatsPerBar: 4, velocityBins: 32, notes: notes)
        let input = folder.url.appendingPathComponent("in.mid"), output = folder.url.appendingPathComponent("cli")
        try piece.roll().writeMIDI(to: input)
        let cli = try CommandLineTool().run(["inpaint", input.path, "--region", "2-3", "--seed", "5", "-o", output.path,
                                             "--no-animation", "--threads", "2"])
        #expect(cli.status == 0, "\(cli.standardError)")
        let written = try #require(try FileManager.default.contentsOfDirectory(at: output, includingPropertiesForKeys: nil)
            .first { $0.pathExtension == "mid" })
        let drawnByTheTool = try PianoRoll(contentsOf: written, options: PianoRoll.ConversionOptions(velocityBins: 32, alignsEighthNoteGrid: false))

        let job = StudioJob(mode: .inpaint, piece: piece, region: .init(startStep: 16, endStep: 48, lowPitch: 0, highPitch: 127), seed: 5)
        let answer = try await call("POST", "/api/generate", body: JSONEncoder().encode(job))
        let done = try #require(String(decoding: answer.data, as: UTF8.self).split(separator: "\n").last
            .map { try JSONDecoder().decode(StudioEvent.self, from: Data($0.utf8)) })
        let take = try #require(done.takes?.first)
        #expect(take.notes == StudioPiece(drawnByTheTool).notes)
        #expect(take.notes != piece.notes, "the region was drawn again")
    }

    @Test("closing the connection cancels the job: the next one does not wait for it")
    func closedConnectionCancels() async throws {
        let long = #"{"mode":"new","bars":16,"takes":4,"piece":\#(Self.piece)}"#
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sN", "--max-time", "4", "-X", "POST", "--data-binary", long, URL(string: "/api/generate", relativeTo: base)!.absoluteString]
        curl.standardOutput = FileHandle.nullDevice
        curl.standardError = FileHandle.nullDevice
        try curl.run()
        curl.waitUntilExit()
        let clock = ContinuousClock(), start = clock.now
        let next = try await call("POST", "/api/generate", body: Data(#"{"mode":"new","bars":1,"piece":\#(Self.piece),"seed":1}"#.utf8))
        let events = String(decoding: next.data, as: UTF8.self).split(separator: "\n")
        #expect(events.last?.contains(#""type":"done""#) == true)
        let queued = events.filter { $0.contains(#""type":"queued""#) }.count
        #expect(queued <= 6, "the next job waited \(queued) half-seconds behind a job whose listener had gone (\(clock.now - start))")
    }

    @Test("another host than loopback is served with a warning")
    func warning() throws {
        let log = folder.url.appendingPathComponent("open.log")
        let open = try CommandLineTool().start(["studio", "--port", "0", "--host", "0.0.0.0", "--sessions", folder.url.path], writingOutputTo: log)
        defer { open.terminate(); open.waitUntilExit() }
        _ = try Self.address(in: log, of: open, host: "0.0.0.0")
        let text = try String(contentsOf: log, encoding: .utf8)
        #expect(text.contains("warning: serving on 0.0.0.0: anyone who can reach this port can use the model"))
    }
}

/// The studio did not start listening.
struct ServerNotListening: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
