import Testing
import FractalModel
import PianoRoll

/// `SamplingOptions.offScaleWeight` keeps new notes in the scale of the notes decided so far
/// (see `KeyGuide` in Sampling.swift).
@Suite struct KeyGuideTests {
    static let width = SamplingTests.width
    /// The pitch classes of A minor / C major.
    static let scale: Set<Int> = [0, 2, 4, 5, 7, 9, 11]

    /// A roll whose first half holds a C-major melody and chords (40 notes) and whose second
    /// half is to be generated.
    static func prompt() -> KnownContent {
        var cells = [UInt8](repeating: PianoRoll.Cell.silentCode, count: 128 * width)
        let pitches = [48, 52, 55, 60, 62, 64, 65, 67, 69, 71]
        for step in stride(from: 0, to: width / 2, by: 4) {
            for (index, pitch) in pitches.enumerated() where (index + step / 4) % 2 == 0 {
                cells[pitch * width + step] = PianoRoll.Cell.firstOnsetCode + 20
                cells[pitch * width + step + 1] = PianoRoll.Cell.sustainCode
            }
        }
        return KnownContent(prefixOf: cells, width: width, steps: width / 2)
    }

    /// The generated cells that sound (onset or sustain) on a pitch class outside C major.
    static func soundingOutsideScale(_ roll: [UInt8]) -> Int {
        (0..<128).filter { !scale.contains($0 % 12) }.reduce(0) { count, pitch in
            count + (width / 2..<width).filter { roll[pitch * width + $0] != PianoRoll.Cell.silentCode }.count
        }
    }

    @Test(arguments: [[GeneratorType.mar, .mar, .mar], [.ar, .ar, .ar], [.mar, .ar, .mar]])
    func newNotesKeepTheScaleOfTheKnownOnes(_ types: [GeneratorType]) throws {
        // Untrained weights sound about two cells in three, on every pitch class alike.
        let model = SamplingTests.model(types, scanOrder: .rowMajor)
        let prompt = Self.prompt()
        for seed: UInt64 in 1...3 {
            var settings = SamplingTests.settings
            settings.seed = seed
            let free = try model.sample(count: 1, known: prompt, options: settings)[0]
            #expect(Self.soundingOutsideScale(free) > 200, "\(types), seed \(seed): the model alone should stray from the scale")
            settings.offScaleWeight = 1e-9
            let guided = try model.sample(count: 1, known: prompt, options: settings)[0]
            #expect(Self.soundingOutsideScale(guided) == 0, "\(types), seed \(seed)")
            let inScale = (0..<128).filter { Self.scale.contains($0 % 12) }.reduce(0) { count, pitch in
                count + (Self.width / 2..<Self.width).filter { guided[pitch * Self.width + $0] != PianoRoll.Cell.silentCode }.count
            }
            #expect(inScale > 200, "\(types), seed \(seed): the guide should leave notes in the scale")
        }
    }

    @Test("the weight is 1 (the model alone) unless set; a smaller one changes the music; outside (0, 1] is refused")
    func weightSetting() throws {
        #expect(SamplingOptions(numIterList: [1]).offScaleWeight == 1)
        #expect(SamplingOptions().seeded(1).offScaleWeight == 1)
        let model = SamplingTests.model([.mar, .mar, .mar])
        var settings = SamplingTests.settings
        let before = try model.sample(count: 2, known: nil, options: settings)
        settings.offScaleWeight = 0.01
        #expect(try model.sample(count: 2, known: nil, options: settings) != before)
        for weight: Double in [0, 1.5, .nan] {
            settings.offScaleWeight = weight
            let error = try #require(throws: SamplingError.self) { try model.sample(count: 1, options: settings) }
            #expect(error.message == "sampling.off_scale_weight \(weight) is outside (0, 1]; use e.g. 0.1, or 1 to leave the model's notes alone")
        }
    }
}
