import AudioRendering
import FractalModel
import Foundation
import Hummingbird
import Imaging
import Logging
import MIDIFile
import ModelStore
import NIOCore
import PianoRoll
import StudioCore

/// The studio's HTTP server: the page's static files and the JSON API of `docs/STUDIO.md`,
/// over one model, one generation queue and one sessions folder.
public struct StudioServer: Sendable {
    /// Where the server listens and what it serves.
    public struct Settings: Sendable {
        public var host: String
        public var port: Int
        public var sessions: URL
        public var web: URL

        public init(host: String, port: Int, sessions: URL, web: URL) {
            self.host = host
            self.port = port
            self.sessions = sessions
            self.web = web
        }
    }

    /// What `GET /api/model` answers.
    struct ModelDescription: Encodable {
        struct Defaults: Encodable {
            var temperature: Double, topP: Double, cfg: Double, bpm: Double, bars: Int
        }
        struct Limits: Encodable {
            var maxSteps: Int, maxTakes: Int, maxBars: Int, maxUploadBytes: Int, maxBodyBytes: Int
        }
        var name: String
        var styles: [String]
        var defaultStyle: String?
        var velocityBins: Int
        var stepsPerBeat: Int
        var windowSteps: Int
        var defaults: Defaults
        var limits: Limits
    }

    /// A body holding a piece: `{ "piece": … }`.
    struct PieceBody: Decodable {
        var piece: StudioPiece
    }

    private let settings: Settings
    private let queue: GenerationQueue
    private let sessions: SessionStore
    private let description: ModelDescription
    private let velocityBins: Int
    private let sampling: SamplingOptions
    private let samples: SampleCache
    private let web: [String: (data: Data, type: String)]

    /// A server for `model` with `settings`.
    /// - Throws: ``StudioError`` when the web files or the sessions folder cannot be used.
    public init(model: TrainedModel, settings: Settings) throws(StudioError) {
        self.settings = settings
        queue = GenerationQueue.drawing(with: model)
        sessions = try SessionStore(folder: settings.sessions)
        velocityBins = model.config.model.velocityBins
        sampling = model.config.sampling
        samples = SampleCache()
        let defaults = model.config.sampling
        description = ModelDescription(
            name: model.directory?.path ?? "model",
            styles: model.styles, defaultStyle: model.defaultStyle,
            velocityBins: model.config.model.velocityBins, stepsPerBeat: PianoRoll.stepsPerBeat, windowSteps: model.model.width,
            defaults: .init(temperature: defaults.temperature, topP: defaults.topP, cfg: defaults.cfg, bpm: 120, bars: 8),
            limits: .init(maxSteps: StudioLimits.maximumSteps, maxTakes: StudioLimits.maximumTakes, maxBars: StudioLimits.maximumBars,
                          maxUploadBytes: StudioLimits.maximumUploadBytes, maxBodyBytes: StudioLimits.maximumBodyBytes))
        web = try Self.webFiles(in: settings.web)
    }

    /// The page's files: every regular file directly in `folder`, by name, read once.
    static func webFiles(in folder: URL) throws(StudioError) -> [String: (data: Data, type: String)] {
        let types = ["html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8",
                     "svg": "image/svg+xml", "png": "image/png", "ico": "image/x-icon"]
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path), names.contains("index.html") else {
            throw .unavailable("\(folder.path) does not hold the studio's page (index.html); reinstall FractalMIDI or run it from its repository")
        }
        var files: [String: (data: Data, type: String)] = [:]
        for name in names {
            let ext = (name as NSString).pathExtension
            guard let type = types[ext], let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else { continue }
            files[name] = (data, type)
        }
        return files
    }

    /// The folder of the page's files: beside the executable in its resource bundle, or in the
    /// repository the executable was built in.
    public static func defaultWebFolder() -> URL? {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        var candidates = [executable.appendingPathComponent("FractalMIDI_Studio.resources/Web")]
        var folder = executable
        for _ in 0..<4 {
            candidates.append(folder.appendingPathComponent("Sources/Studio/Web"))
            folder = folder.deletingLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Sources/Studio/Web"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("index.html").path) }
    }

    /// Serves until the process is stopped (SIGINT or SIGTERM); `onListening` gets the port
    /// once the server accepts connections.
    public func run(onListening: @escaping @Sendable (Int) -> Void) async throws {
        let router = Router()
        addRoutes(to: router)
        let app = Application(router: router, configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "fractalmidi-studio"),
                              onServerRunning: { channel in onListening(channel.localAddress?.port ?? settings.port) },
                              logger: Self.quietLogger())
        try await app.runService()
    }

    private static func quietLogger() -> Logger {
        var logger = Logger(label: "fractalmidi-studio")
        logger.logLevel = .error
        return logger
    }

    // MARK: - Routes

    func addRoutes(to router: Router<BasicRequestContext>) {
        for (name, file) in web {
            let response = Self.bytes(file.data, type: file.type)
            router.get(RouterPath(name == "index.html" ? "/" : "/" + name)) { _, _ in response }
        }
        router.get("/api/model") { _, _ in Self.json(description) }
        router.post("/api/midi") { request, _ in
            await Self.answer {
                let data = try await Self.body(of: request, limit: StudioLimits.maximumUploadBytes, what: "a MIDI file")
                let name = request.uri.queryParameters.get("name") ?? "upload.mid"
                return Self.json(UploadAnswer(piece: try Self.piece(fromMIDI: data, name: name, velocityBins: velocityBins), name: name))
            }
        }
        router.post("/api/generate") { request, _ in
            await Self.answer {
                let job: StudioJob = try await Self.decode(request)
                // Every rule the job itself can break answers 400 before the stream starts;
                // what only the model can judge (the style) arrives as an error event.
                let generation = try job.request(defaults: sampling, seed: UInt64.random(in: 0...UInt64(UInt32.max)))
                let cancellation = JobCancellation()
                let events = queue.events(for: generation, cancellation: cancellation)
                return Response(status: .ok, headers: [.contentType: "application/x-ndjson", .cacheControl: "no-store"],
                                body: ResponseBody { writer in
                    defer { cancellation.cancel() }
                    let encoder = JSONEncoder()
                    for await event in events {
                        var line = ByteBuffer(bytes: try encoder.encode(event))
                        line.writeString("\n")
                        try await writer.write(line)
                    }
                    try await writer.finish(nil)
                })
            }
        }
        router.post("/api/render/wav") { request, _ in
            await Self.answer {
                let body: PieceBody = try await Self.decode(request)
                let midi = try body.piece.roll().midiFile().encoded()
                return Self.bytes(try await Self.render(midi), type: "audio/wav")
            }
        }
        router.get("/api/samples/:name") { _, context in
            await Self.answer {
                let name = context.parameters.get("name") ?? ""
                guard name.hasSuffix(".wav"), let pitch = Int(name.dropLast(4)), PianoRoll.pitchRange.contains(pitch) else {
                    throw StudioError.invalidRequest("'\(name.prefix(40))' is not a sample; ask for PITCH.wav with a MIDI pitch 0…127")
                }
                return Self.bytes(try await samples.sample(pitch: pitch, velocityBins: velocityBins), type: "audio/wav",
                                  cache: "max-age=86400")
            }
        }
        router.post("/api/export/midi") { request, _ in
            await Self.answer {
                let body: PieceBody = try await Self.decode(request)
                return Self.bytes(try body.piece.roll().midiFile().encoded(), type: "audio/midi", download: "fractalmidi.mid")
            }
        }
        router.post("/api/export/png") { request, _ in
            await Self.answer {
                let body: PieceBody = try await Self.decode(request)
                let roll = try body.piece.roll()
                do {
                    let image = try PianoRollRenderer(try PianoRollRenderer.Options(scale: 2)).render(roll)
                    return Self.bytes(image.pngData(), type: "image/png", download: "fractalmidi.png")
                } catch {
                    throw StudioError.invalidRequest("cannot draw the piece (\(error)); export a shorter piece")
                }
            }
        }
        router.get("/api/sessions") { _, _ in Self.json(sessions.list()) }
        router.post("/api/sessions") { request, _ in
            await Self.answer {
                let body: NewSession = try await Self.decode(request)
                return Self.json(try sessions.create(title: body.title ?? ""), status: .created)
            }
        }
        router.get("/api/sessions/:id") { _, context in
            await Self.answer {
                Self.bytes(try sessions.read(context.parameters.get("id") ?? ""), type: "application/json", cache: "no-store")
            }
        }
        router.delete("/api/sessions/:id") { _, context in
            await Self.answer {
                let id = context.parameters.get("id") ?? ""
                try sessions.delete(id)
                return Self.json(DeletedSession(id: id, deleted: true))
            }
        }
        router.put("/api/sessions/:id") { request, context in
            await Self.answer {
                let id = context.parameters.get("id") ?? ""
                _ = try sessions.read(id)
                let data = try await Self.body(of: request, limit: StudioLimits.maximumBodyBytes, what: "a session document")
                return Self.json(SavedSession(id: id, updated: try sessions.save(data, as: id)))
            }
        }
    }

    struct UploadAnswer: Encodable { var piece: StudioPiece; var name: String }
    struct NewSession: Decodable { var title: String? }
    struct SavedSession: Encodable { var id: String; var updated: String }
    struct DeletedSession: Encodable { var id: String; var deleted: Bool }
    struct ErrorAnswer: Encodable { var error: String }

    // MARK: - Helpers

    /// The piece of MIDI file `data`, converted as `continue` and `inpaint` read their input.
    static func piece(fromMIDI data: Data, name: String, velocityBins: Int) throws(StudioError) -> StudioPiece {
        let file: StandardMIDIFile
        do {
            file = try StandardMIDIFile(data: data, fileName: name)
        } catch {
            throw .unreadableMIDI("\(error)")
        }
        let roll: PianoRoll
        do {
            roll = try PianoRoll(file, options: PianoRoll.ConversionOptions(velocityBins: velocityBins, alignsEighthNoteGrid: false))
        } catch {
            throw .unreadableMIDI("\(name): \(error)")
        }
        guard roll.steps >= 1 else { throw .unreadableMIDI("\(name) holds no notes; open a MIDI file with music in it") }
        guard roll.steps <= StudioLimits.maximumSteps else {
            throw .unreadableMIDI("\(name) is \(roll.steps) steps long, over the studio's limit of \(StudioLimits.maximumSteps); open a shorter piece")
        }
        return StudioPiece(roll)
    }

    /// Renders MIDI bytes to WAV bytes with FluidSynth, on a dispatch thread: the render takes
    /// a second or so and must not hold one of the few threads that serve requests.
    static func render(_ midi: Data) async throws(StudioError) -> Data {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Data, AudioRenderingError>, Never>) in
            DispatchQueue.global().async {
                continuation.resume(returning: Result { () throws(AudioRenderingError) in try FluidSynth.render(midi: midi) })
            }
        }
        switch result {
        case .success(let audio): return audio
        case .failure(.synthesizerMissing(let message)): throw .unavailable(message)
        case .failure(.failed(let message)): throw .storage(message)
        }
    }

    /// The body of `request`, at most `limit` bytes.
    static func body(of request: Request, limit: Int, what: String) async throws(StudioError) -> Data {
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch {
            throw .tooLarge("\(what) may be at most \(limit) bytes; send a smaller one")
        }
    }

    /// The JSON body of `request` as `T`.
    static func decode<T: Decodable>(_ request: Request) async throws(StudioError) -> T {
        let data = try await body(of: request, limit: StudioLimits.maximumBodyBytes, what: "a request body")
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw .invalidRequest("the request has no \(key.stringValue); see docs/STUDIO.md for the fields")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            throw .invalidRequest("the request's \(path.isEmpty ? "body" : path) has the wrong type; see docs/STUDIO.md for the fields")
        } catch let DecodingError.dataCorrupted(context) {
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            throw .invalidRequest(path.isEmpty ? "the request is not JSON; send a JSON object" : "the request's \(path) is not valid: \(context.debugDescription)")
        } catch {
            throw .invalidRequest("the request is not JSON; send a JSON object")
        }
    }

    /// The answer of `handler`, or its error as `{"error": …}` with the error's status.
    static func answer(_ handler: () async throws -> Response) async -> Response {
        do {
            return try await handler()
        } catch let error as StudioError {
            return json(ErrorAnswer(error: error.description), status: HTTPResponse.Status(code: error.status))
        } catch {
            return json(ErrorAnswer(error: "\(error)"), status: .internalServerError)
        }
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONEncoder().encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func bytes(_ data: Data, type: String, download: String? = nil, cache: String = "no-cache") -> Response {
        var headers: HTTPFields = [.contentType: type, .cacheControl: cache]
        if let download { headers[.contentDisposition] = "attachment; filename=\"\(download)\"" }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The one-note samples the page pitch-shifts for instant feedback, rendered with
/// FluidSynth once per pitch and kept (a render under way is shared by the requests for it).
actor SampleCache {
    private var samples: [Int: Task<Result<Data, StudioError>, Never>] = [:]

    func sample(pitch: Int, velocityBins: Int) async throws(StudioError) -> Data {
        let render = samples[pitch] ?? Task { await Self.render(pitch: pitch, velocityBins: velocityBins) }
        samples[pitch] = render
        let result = await render.value
        if case .failure = result { samples[pitch] = nil }
        return try result.get()
    }

    private static func render(pitch: Int, velocityBins: Int) async -> Result<Data, StudioError> {
        let steps = 8  // 1.5 s at 80 BPM: long enough to pitch-shift down and still ring.
        var codes = [UInt8](repeating: PianoRoll.Cell.silentCode, count: PianoRoll.pitchCount * steps)
        let row = pitch * steps
        codes[row] = PianoRoll.Cell.firstOnsetCode + UInt8(velocityBins * 3 / 4)
        for step in 1..<steps { codes[row + step] = PianoRoll.Cell.sustainCode }
        do {
            let roll = try PianoRoll(steps: steps, velocityBins: velocityBins, codes: codes,
                                     tempoMap: [PianoRoll.TempoChange(step: 0, beatsPerMinute: 80)])
            return .success(try await StudioServer.render(roll.midiFile().encoded()))
        } catch let error as StudioError {
            return .failure(error)
        } catch {
            return .failure(.invalidRequest("cannot make a sample of pitch \(pitch) (\(error))"))
        }
    }
}
