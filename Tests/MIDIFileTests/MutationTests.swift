import Foundation
import MIDIFile
import Testing
import TestSupport

/// Damaged copies of real files: every one either reads (and then round-trips) or throws a
/// one-line `MIDIFileError` naming it; none crashes, hangs or exhausts memory.
@Suite struct MutationTests {
    /// 20,000 in release builds (as CI runs); a fifth of that in unoptimised debug builds.
    #if DEBUG
    static let mutantCount = 4_000
    #else
    static let mutantCount = 20_000
    #endif

    /// One damage: truncation, byte changes (anywhere, in the header, or to status-like values),
    /// inserted junk, or a deleted range.
    static func mutate(_ bytes: inout [UInt8], kind: Int, using rng: inout SeededGenerator) {
        switch kind {
        case 0:
            bytes.removeLast(Int.random(in: 1...bytes.count, using: &rng))
        case 1:
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
        case 2:
            let junk = (0..<Int.random(in: 1...16, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            bytes.insert(contentsOf: junk, at: Int.random(in: 0...bytes.count, using: &rng))
        case 3:
            let position = Int.random(in: 0..<min(bytes.count, 40), using: &rng)
            bytes[position] ^= 1 << UInt8.random(in: 0...7, using: &rng)
        case 4:
            let specials: [UInt8] = [0x00, 0x7F, 0x80, 0xFF, 0xF0, 0xF7, 0xF4, 0x90, 0x2F]
            bytes[Int.random(in: 0..<bytes.count, using: &rng)] = specials.randomElement(using: &rng)!
        default:
            let start = Int.random(in: 0..<bytes.count, using: &rng)
            bytes.removeSubrange(start..<min(bytes.count, start + Int.random(in: 1...32, using: &rng)))
        }
    }

    @Test(.enabled(if: SharedData.shouldRun), .timeLimit(.minutes(3)))
    func mutantsReadOrFailCleanly() throws {
        let sources = Corpus.midiTests + Corpus.pop909.prefix(4)
        try #require(sources.count == 89)
        var rng = SeededGenerator(seed: 0x4D54_6864)
        var read = 0
        var rejected = 0
        var problems: Set<String> = []
        for index in 0..<Self.mutantCount {
            let source = sources[index % sources.count]
            var bytes = source.bytes
            Self.mutate(&bytes, kind: index % 6, using: &rng)
            let name = "mutant\(index)-\(source.name)"
            do {
                let file = try StandardMIDIFile(data: Data(bytes), fileName: name)
                read += 1
                _ = file.notes
                if index % 8 == 0 {
                    #expect(try StandardMIDIFile(data: file.encoded(), fileName: name) == file, "\(name)")
                }
            } catch {
                rejected += 1
                #expect(error.fileName == name)
                #expect(error.description.hasPrefix(name + ": ") && !error.description.contains("\n"))
                if let offset = error.byteOffset {
                    #expect((0...bytes.count).contains(offset), "\(error)")
                }
                problems.insert(String(error.problem.prefix { !$0.isNumber }))
            }
        }
        #expect(read + rejected == Self.mutantCount)
        // Both outcomes, and many different errors, are exercised.
        #expect(read > Self.mutantCount / 10 && rejected > Self.mutantCount / 10, "read \(read), rejected \(rejected)")
        #expect(problems.count >= 8, "\(problems.sorted())")
        print("mutants: \(read) read, \(rejected) rejected; problems: \(problems.sorted())")
    }
}
