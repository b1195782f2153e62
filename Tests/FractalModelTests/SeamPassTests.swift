import Testing
import FractalModel

/// `SamplingOptions.redrawSeams`: a second pass draws again the cells within a quarter
/// patch (4 steps) of each level-0 patch border in time (every 16 steps), in the bands of 16
/// pitches that sound there, with the rolls moved half a patch so that the lower levels see
/// both sides of the border.
@Suite struct SeamPassTests {
    static let width = SamplingTests.width

    /// Whether `step` lies within 4 steps of a border between 16-step patches (not the roll's ends).
    static func isNearSeam(_ step: Int) -> Bool {
        (1..<(width / 16)).contains { (-4..<4).contains(step - 16 * $0) }
    }

    /// The steps at which two sets of rolls differ.
    static func differingSteps(_ a: [[UInt8]], _ b: [[UInt8]]) -> Set<Int> {
        Set(zip(a.joined(), b.joined()).enumerated().filter { $0.element.0 != $0.element.1 }.map { $0.offset % width })
    }

    static func settings(redrawingSeams: Bool) -> SamplingOptions {
        var settings = SamplingTests.settings
        settings.redrawSeams = redrawingSeams
        return settings
    }

    @Test(arguments: SamplingTests.allMixes)
    func redrawsOnlyTheCellsBesideTheBorders(_ types: [GeneratorType]) throws {
        let model = SamplingTests.model(types)
        let once = try model.sample(count: 3, options: Self.settings(redrawingSeams: false))
        let seamed = try model.sample(count: 3, options: Self.settings(redrawingSeams: true))
        let changed = Self.differingSteps(once, seamed)
        #expect(!changed.isEmpty, "\(types): the seam pass changed nothing")
        #expect(changed.allSatisfy(Self.isNearSeam), "\(types): steps \(changed.sorted()) changed away from the border at 16")
        #expect(changed.isSubset(of: Set(12..<20)))
        // Only bands of 16 pitches that sound around the border are drawn again.
        for (roll, (before, after)) in zip(once, seamed).enumerated() {
            for band in 0..<8 {
                let cells = (16 * band..<(16 * band + 16)).flatMap { pitch in (12..<20).map { pitch * Self.width + $0 } }
                if cells.contains(where: { before[$0] != after[$0] }) {
                    #expect(cells.contains { before[$0] != 0 }, "\(types): roll \(roll), pitches from \(16 * band) were silent there")
                }
            }
        }
    }

    @Test func knownCellsBesideABorderStay() throws {
        let model = SamplingTests.model([.mar, .mar, .mar])
        let source = ModelFixtures.patternRoll(width: Self.width)
        // Known: steps 0 ..< 14 and 17 ..< 32 of every pitch; steps 14, 15 and 16 are drawn.
        let mask = (0..<source.count).map { !(14..<17).contains($0 % Self.width) }
        let rolls = try model.sample(count: 1, known: KnownContent(cells: source, mask: mask),
                                     options: Self.settings(redrawingSeams: true))
        for (index, flag) in mask.enumerated() where flag {
            #expect(rolls[0][index] == source[index], "known cell \(index) changed")
        }
        let once = try model.sample(count: 1, known: KnownContent(cells: source, mask: mask),
                                    options: Self.settings(redrawingSeams: false))
        #expect(Self.differingSteps(once, rolls).isSubset(of: [14, 15, 16]))
    }

    @Test func progressCoversBothPassesAndShowsTheRollsUnshifted() throws {
        let model = SamplingTests.model([.mar, .ar, .mar])
        let once = try model.sample(count: 1, options: Self.settings(redrawingSeams: false))
        var frames: [SamplingProgress] = []
        let seamed = try model.sample(count: 1, options: Self.settings(redrawingSeams: true)) { frames.append($0) }
        #expect(frames.map(\.step) == [1, 2, 3, 4, 5, 6] && frames.allSatisfy { $0.steps == 6 })
        #expect(frames[2].rolls == once, "the first pass's last frame is not the one-pass output")
        #expect(frames[5].rolls == seamed, "the last frame is not the output")
        for frame in frames[3...] {
            #expect(Self.differingSteps(frame.rolls, once).allSatisfy(Self.isNearSeam), "a second-pass frame is shifted")
        }
    }

    @Test func modelsWhosePatchIsNotWholeBeatsOnEachSideSkipThePass() throws {
        var config = ModelFixtures.tinyConfig(types: [.mar, .mar], width: 16, widths: [16, 8, 8])
        config.model.imgSizeList = [128, 4, 1]
        config.model.numBlocksList = [1, 1, 1]
        config.model.numHeadsList = [2, 1, 1]
        config.sampling.numIterList = [4, 4]
        let model = FractalGenerativeModel(config: config, seed: 3)
        var settings = SamplingOptions(numIterList: [4, 4], seed: 5)
        let seamed = try model.sample(count: 2, options: settings)
        settings.redrawSeams = false
        #expect(try model.sample(count: 2, options: settings) == seamed)
    }

    @Test func onByDefault() throws {
        #expect(SamplingOptions(numIterList: [1]).redrawSeams)
        #expect(SamplingOptions().redrawSeams)
        #expect(try FractalConfig.parse(yaml: "sampling:\n  redraw_seams: false\n", file: "a.yaml").config.sampling.redrawSeams == false)
        #expect(throws: ConfigError(file: "a.yaml", key: "sampling.redraw_seams",
                                    message: "sampling.redraw_seams 2 is not true or false; write e.g. redraw_seams: true")) {
            _ = try FractalConfig.parse(yaml: "sampling:\n  redraw_seams: 2\n", file: "a.yaml")
        }
    }
}
