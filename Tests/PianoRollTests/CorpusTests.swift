import Dispatch
import Foundation
import MIDIFile
import PianoRoll
import Testing
import TestSupport

/// Results written from `DispatchQueue.concurrentPerform` workers, one slot per file.
/// `@unchecked Sendable` is safe: every access to `slots` holds `lock`.
private final class Slots<Value>: @unchecked Sendable {
    private var slots: [Value?]
    private let lock = NSLock()

    init(count: Int) {
        slots = Array(repeating: nil, count: count)
    }

    subscript(index: Int) -> Value? {
        get { lock.withLock { slots[index] } }
        set { lock.withLock { slots[index] = newValue } }
    }

    var values: [Value?] {
        lock.withLock { slots }
    }
}

/// What converting one corpus file gave.
private struct Converted: Sendable {
    var file: StandardMIDIFile
    var roll: PianoRoll
}

/// Reads, parses and converts files in parallel, timing the parse and the conversion apart.
private func loadAndConvert(_ urls: [URL]) -> (converted: [Result<Converted, PianoRollError>], bytes: Int,
                                               parseSeconds: Double, convertSeconds: Double) {
    let parsed = Slots<Result<StandardMIDIFile, MIDIFileError>>(count: urls.count)
    let byteCounts = Slots<Int>(count: urls.count)
    let start = DispatchTime.now()
    DispatchQueue.concurrentPerform(iterations: urls.count) { index in
        let name = urls[index].lastPathComponent
        guard let data = try? Data(contentsOf: urls[index]) else {
            parsed[index] = .failure(MIDIFileError(fileName: name, byteOffset: nil, problem: "cannot read \(urls[index].path)",
                                                   fix: "check the corpus"))
            return
        }
        byteCounts[index] = data.count
        parsed[index] = Result { () throws(MIDIFileError) in try StandardMIDIFile(data: data, fileName: name) }
    }
    let middle = DispatchTime.now()
    let files = parsed.values.map { $0! }
    let converted = Slots<Result<Converted, PianoRollError>>(count: urls.count)
    DispatchQueue.concurrentPerform(iterations: urls.count) { index in
        switch files[index] {
        case .success(let file):
            converted[index] = Result { () throws(PianoRollError) in Converted(file: file, roll: try PianoRoll(file)) }
        case .failure(let error):
            converted[index] = .failure(.midiFile(error))
        }
    }
    let end = DispatchTime.now()
    return (converted.values.map { $0! }, byteCounts.values.reduce(0) { $0 + ($1 ?? 0) },
            Double(middle.uptimeNanoseconds - start.uptimeNanoseconds) / 1e9,
            Double(end.uptimeNanoseconds - middle.uptimeNanoseconds) / 1e9)
}

/// Why MIDI → roll → MIDI → roll did not give the same roll back, or nil when it did.
private func roundTripProblem(_ roll: PianoRoll, name: String) -> String? {
    let written = roll.midiFile()
    let expectedNotes = roll.notes.map { note in
        [note.pitch, note.step * 120, note.endStep * 120, roll.binning.centreVelocity(ofBin: note.velocityBin)]
    }
    let writtenNotes = written.notes.map { [$0.pitch, $0.onTick, $0.offTick, $0.velocity] }
        .sorted { ($0[1], $0[0]) < ($1[1], $1[0]) }
    guard writtenNotes == expectedNotes else {
        return "\(name): the written MIDI has \(writtenNotes.count) notes, the roll \(expectedNotes.count) (or they differ)"
    }
    let again: PianoRoll
    do {
        again = try PianoRoll(StandardMIDIFile(data: written.encoded(), fileName: name))
    } catch {
        return "\(name): the written MIDI does not read back: \(error)"
    }
    guard again == roll else {
        return "\(name): roll differs after the round trip: steps \(roll.steps) → \(again.steps), notes "
            + "\(roll.notes.count) → \(again.notes.count), tempo changes \(roll.tempoMap.count) → \(again.tempoMap.count), "
            + "time signatures \(roll.timeSignatures.count) → \(again.timeSignatures.count)"
    }
    return nil
}

private func roundTripProblems(_ rolls: [(name: String, roll: PianoRoll)]) -> [String] {
    let problems = Slots<String>(count: rolls.count)
    DispatchQueue.concurrentPerform(iterations: rolls.count) { index in
        problems[index] = roundTripProblem(rolls[index].roll, name: rolls[index].name)
    }
    return problems.values.compactMap { $0 }
}

private func quantile(_ sorted: [Double], _ q: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let position = q * Double(sorted.count - 1)
    let low = Int(position.rounded(.down)), high = Int(position.rounded(.up))
    return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
}

#if DEBUG
private let buildKind = "debug build"
#else
private let buildKind = "release build"
#endif

@Suite("Corpus", .serialized)
struct CorpusTests {
    @Test("POP909: every song round-trips; the estimated grid holds ≥ 95% of onsets in the median song", .enabled(if: SharedData.shouldRun))
    func pop909() throws {
        let urls = SharedData.files(in: "pop909")
        #expect(urls.count == 804, "expected the 804 POP909 songs in \(SharedData.url("pop909").path)")
        let loaded = loadAndConvert(urls)
        let converted = try loaded.converted.map { try $0.get() }
        let seconds = loaded.parseSeconds + loaded.convertSeconds
        print(String(format: "PianoRoll: parse + quantise of %d POP909 files (%.1f MB) in %.3f s (parse %.3f s, quantise %.3f s): "
                        + "%.0f files/s, %.1f MB/s (%@, %d cores)",
                     urls.count, Double(loaded.bytes) / 1e6, seconds, loaded.parseSeconds, loaded.convertSeconds,
                     Double(urls.count) / seconds, Double(loaded.bytes) / 1e6 / seconds, buildKind,
                     ProcessInfo.processInfo.activeProcessorCount))

        let problems = roundTripProblems(zip(urls, converted).map { ($0.lastPathComponent, $1.roll) })
        #expect(problems.isEmpty, "\(problems.count) songs fail the round trip, e.g. \(problems.prefix(3))")

        let grids = converted.map { PianoRoll.gridOffset(of: $0.file) }
        let shares = grids.map(\.onGridShare).sorted()
        let offsets = Dictionary(grouping: grids, by: \.ticks).mapValues(\.count)
            .sorted { $0.value > $1.value }.prefix(8).map { "\($0.key): \($0.value)" }
        print(String(format: "PianoRoll: POP909 on-grid share per song (within 0.1 step): min %.3f, q1 %.3f, median %.3f, q3 %.3f, max %.3f",
                     shares.first ?? .nan, quantile(shares, 0.25), quantile(shares, 0.5), quantile(shares, 0.75), shares.last ?? .nan))
        print("PianoRoll: POP909 most common grid offsets (ticks: songs): \(offsets.joined(separator: ", "))")
        #expect(quantile(shares, 0.5) >= 0.95)
        #expect(grids.allSatisfy { (-60..<60).contains($0.ticks * 480 / $0.ticksPerBeat) })
    }

    @Test("Bach chorales: every onset on the 16th grid lands on step on_tick · 4 / ticks_per_beat exactly; every chorale round-trips", .enabled(if: SharedData.shouldRun))
    func chorales() throws {
        let urls = SharedData.files(in: "bach-chorales")
        #expect(urls.count == 317, "expected the 317 chorales in \(SharedData.url("bach-chorales").path)")
        let converted = try loadAndConvert(urls).converted.map { try $0.get() }
        var onsetCount = 0
        var offGrid: [String] = []
        var misplaced: [String] = []
        for (url, item) in zip(urls, converted) {
            let file = item.file, roll = item.roll
            let tpb = file.ticksPerBeat
            let name = url.lastPathComponent
            #expect(PianoRoll.gridOffset(of: file).ticks == 0, "\(name)")
            var expectedOnsets = Set<[Int]>()
            for note in file.notes {
                onsetCount += 1
                let step: Int
                if (note.onTick * 4) % tpb == 0 {
                    step = note.onTick * 4 / tpb
                } else {
                    // A few chorales have 32nd-note passing notes, half a step off the grid:
                    // they round half up to the next step.
                    offGrid.append("\(name) tick \(note.onTick) (step \(Double(note.onTick * 4) / Double(tpb)))")
                    step = (note.onTick * 8 + tpb) / (2 * tpb)
                }
                expectedOnsets.insert([note.pitch, step])
                if case .onset = roll[pitch: note.pitch, step: step] {} else {
                    misplaced.append("\(name): pitch \(note.pitch) at tick \(note.onTick) is not an onset at step \(step)")
                }
            }
            #expect(Set(roll.notes.map { [$0.pitch, $0.step] }) == expectedOnsets, "\(name)")
        }
        print("PianoRoll: chorales: \(onsetCount) onsets, \(offGrid.count) off the 16th grid: \(offGrid.joined(separator: ", "))")
        #expect(misplaced.isEmpty, "\(misplaced.count) misplaced onsets, e.g. \(misplaced.prefix(3))")
        #expect(offGrid.count * 1000 < onsetCount, "more than 0.1% of chorale onsets are off the 16th grid")
        let problems = roundTripProblems(zip(urls, converted).map { ($0.lastPathComponent, $1.roll) })
        #expect(problems.isEmpty, "\(problems.count) chorales fail the round trip, e.g. \(problems.prefix(3))")
    }

    @Test("every readable file of the parser corpus round-trips (other time bases, drums, dense tempo maps)", .enabled(if: SharedData.shouldRun))
    func parserCorpus() throws {
        let urls = SharedData.files(in: "midi-tests").filter { !$0.path.contains("/malformed/") }
        #expect(urls.count >= 70)
        let loaded = loadAndConvert(urls)
        var rolls: [(name: String, roll: PianoRoll)] = []
        for (url, result) in zip(urls, loaded.converted) {
            if case .success(let item) = result { rolls.append((url.lastPathComponent, item.roll)) }
        }
        #expect(rolls.count >= 70, "only \(rolls.count) of \(urls.count) files converted")
        let problems = roundTripProblems(rolls)
        #expect(problems.isEmpty, "\(problems.count) files fail the round trip, e.g. \(problems.prefix(3))")
    }
}
