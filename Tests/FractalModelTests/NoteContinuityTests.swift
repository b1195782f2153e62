import Testing
import FractalModel
import PianoRoll

/// Sampling never writes a sustain that continues nothing: a patch's lower levels do not see
/// the cells of the neighbouring patches, so the head's draws are settled against the cells
/// already decided (see `NoteContinuity` in Sampling.swift).
@Suite struct NoteContinuityTests {
    static let width = SamplingTests.width
    static let silent = PianoRoll.Cell.silentCode, sustain = PianoRoll.Cell.sustainCode

    /// The generated cells (not marked known) that are sustains after a silent cell or at a
    /// roll's first step, as (roll, pitch, step).
    static func orphanSustains(_ rolls: [[UInt8]], known: [Bool]?) -> [(Int, Int, Int)] {
        var orphans: [(Int, Int, Int)] = []
        for (roll, cells) in rolls.enumerated() {
            for pitch in 0..<128 {
                for step in 0..<width {
                    let index = pitch * width + step
                    guard cells[index] == sustain, known?[roll * 128 * width + index] != true else { continue }
                    if step == 0 || cells[index - 1] == silent { orphans.append((roll, pitch, step)) }
                }
            }
        }
        return orphans
    }

    @Test(arguments: SamplingTests.allMixes)
    func everyGeneratedSustainContinuesANote(_ types: [GeneratorType]) throws {
        // Untrained weights draw the three states about equally often, so without the
        // settling a third of the cells after a silent one would be orphan sustains.
        let model = SamplingTests.model(types, scanOrder: types[1] == .ar ? .columnMajor : .rowMajor)
        let source = ModelFixtures.patternRoll(width: Self.width) + ModelFixtures.patternRoll(width: Self.width).reversed()
        let inpainting = KnownContent(cells: source, mask: SamplingTests.inpaintingMask(count: 2))
        for known in [nil, inpainting] {
            let rolls = try model.sample(count: 2, known: known, options: SamplingTests.settings)
            let sustains = rolls.joined().filter { $0 == Self.sustain }.count
            #expect(sustains > 100, "\(types): only \(sustains) sustains drawn; the test needs many")
            let orphans = Self.orphanSustains(rolls, known: known?.mask)
            #expect(orphans.isEmpty, "\(types): sustains with no note before them at (roll, pitch, step) \(orphans.prefix(5))")
        }
    }

    @Test(arguments: [[GeneratorType.mar, .mar, .mar], [.ar, .ar, .ar]])
    func theCellBeforeAKnownSustainSounds(_ types: [GeneratorType]) throws {
        // Pitches 50..<70 hold one note through the roll; steps 5..<27 of them are to be
        // regenerated, so the known sustains at step 27 must be reached by a sounding cell.
        var cells = [UInt8](repeating: Self.silent, count: 128 * Self.width)
        for pitch in 50..<70 {
            cells[pitch * Self.width] = PianoRoll.Cell.firstOnsetCode + 12
            for step in 1..<Self.width { cells[pitch * Self.width + step] = Self.sustain }
        }
        let known = KnownContent(cells: cells, mask: SamplingTests.inpaintingMask(count: 1))
        let model = SamplingTests.model(types, scanOrder: .rowMajor)
        for seed: UInt64 in 1...4 {
            var settings = SamplingTests.settings
            settings.seed = seed
            let roll = try model.sample(count: 1, known: known, options: settings)[0]
            let silentBefore = (50..<70).filter { roll[$0 * Self.width + 26] == Self.silent }
            #expect(silentBefore.isEmpty, "\(types), seed \(seed): pitches \(silentBefore) silent just before a known sustain")
            #expect(Self.orphanSustains([roll], known: known.mask).isEmpty)
        }
    }
}
