import Engine
import Foundation
import NN
import PianoRoll
import TestSupport
import Testing
import Training
import ModelStore

@Suite("Dynamics table: the training music's loudness, per style")
struct DynamicsTableTests {
    /// A song of `beats` beats with a note on every step (4 per beat), all in velocity bin
    /// `bin`, except every fourth note one bin louder.
    func song(beats: Int, bin: Int) throws -> PianoRoll {
        try makeRoll(steps: beats * 4, notes: (0..<(beats * 4)).map { (60 + $0 % 12, $0, 1, $0 % 4 == 0 ? bin + 1 : bin) })
    }

    @Test("one entry per validation-style crop with at least 8 notes, per style in class order, unlabelled music last")
    func entries() throws {
        let rolls = [try song(beats: 64, bin: 10), try song(beats: 16, bin: 20), try song(beats: 1, bin: 30), try song(beats: 8, bin: 5)]
        var dataset = decodedDataset(rolls, classes: [1, 0, 0, MusicDataset.unlabeledClass])
        dataset.styles = ["bach", "pop"]
        let table = try DynamicsTable(dataset: dataset, cropLength: 32)
        #expect(table.styles.map(\.style) == ["bach", "pop", nil])
        #expect(table.styles.map(\.meanVelocities.count) == [2, 4, 1])
        let crops = try ValidationCrops(dataset: dataset, cropLength: 32).origins.filter { $0.song == 1 }
        for (index, origin) in crops.enumerated() {
            let expected = try #require(PieceDynamics(of: rolls[1], steps: origin.start..<(origin.start + 32)))
            #expect(abs(table.styles[0].meanVelocities[index] - expected.meanVelocity) <= 0.005)
            #expect(abs(table.styles[0].velocitySpreads[index] - expected.velocitySpread) <= 0.005)
        }
        let binning = rolls[0].binning
        let popMean = (3 * Double(binning.centreVelocity(ofBin: 10)) + Double(binning.centreVelocity(ofBin: 11))) / 4
        #expect(table.styles[1].meanVelocities.allSatisfy { abs($0 - popMean) <= 0.005 })
    }

    @Test("at most 256 crops per style, spread over all of them")
    func limit() throws {
        let rolls = try (0..<100).map { try song(beats: 32, bin: $0 % 30) }
        let table = try DynamicsTable(dataset: decodedDataset(rolls), cropLength: 16)
        #expect(table.styles.count == 1)
        #expect(table.styles[0].meanVelocities.count == DynamicsTable.maximumCropsPerStyle)
        #expect(Set(table.styles[0].meanVelocities).count == 30)
    }

    @Test("a style draws its own crops, else unlabelled music's, else all; draws depend only on the generator")
    func drawing() throws {
        let table = DynamicsTable(styles: [
            .init(style: "bach", meanVelocities: [90], velocitySpreads: [0]),
            .init(style: "pop", meanVelocities: [50, 70, 110], velocitySpreads: [5, 10, 20]),
        ])
        var generator = Engine.RandomGenerator(seed: 3)
        #expect(table.draw(for: "bach", using: &generator) == PieceDynamics(meanVelocity: 90, velocitySpread: 0))
        var seen: Set<Double> = []
        for _ in 0..<60 { seen.insert(try #require(table.draw(for: "pop", using: &generator)).meanVelocity) }
        #expect(seen == [50, 70, 110])
        #expect(table.crops(of: "jazz")?.meanVelocities == [90, 50, 70, 110])
        var first = Engine.RandomGenerator(seed: 9), second = Engine.RandomGenerator(seed: 9)
        #expect(table.draw(for: nil, using: &first) == table.draw(for: nil, using: &second))
        let withUnlabelled = DynamicsTable(styles: table.styles + [DynamicsTable.Style(style: nil, meanVelocities: [64], velocitySpreads: [8])])
        #expect(withUnlabelled.crops(of: "jazz")?.meanVelocities == [64])
        #expect(DynamicsTable(styles: []).draw(for: "pop", using: &generator) == nil)
    }

    @Test("the table goes through state.json unchanged; a broken one is refused in one line")
    func roundTrip() throws {
        let table = DynamicsTable(styles: [.init(style: "pop", meanVelocities: [50.25, 70], velocitySpreads: [5.5, 10])])
        let sampler = try JSONDecoder().decode(SamplerState.self, from: Data(#"{"seed":1,"epoch":0,"position":0,"fingerprint":0}"#.utf8))
        let state = CheckpointState(step: 3, randomSeed: 1, sampler: sampler, metrics: CheckpointMetrics(),
                                    config: trainerConfig(), dynamics: table)
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try CheckpointStore(run: folder.url).save(model: CellStateModel(seed: 1), optimizer: AdamW(parameters: CellStateModel(seed: 1).namedParameters()),
                                                  state: state, keepLast: 1)
        #expect(try Checkpoint.load(from: folder.url).state.dynamics == table)

        let stateFile = try Checkpoint.locate(folder.url).appendingPathComponent(Checkpoint.stateFileName)
        let text = try String(contentsOf: stateFile, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "5.5,", with: "").utf8).write(to: stateFile)
        let error = try #require(throws: CheckpointError.self) { try Checkpoint.load(from: folder.url) }
        #expect(error.description == "\(stateFile.path): cannot read the checkpoint (dynamics: 2 mean velocities but 1 velocity spreads); "
            + "resume from another checkpoint of the run")
    }
}
