import Foundation
import FractalModel
import NN
import TestSupport
import Testing
import Training
import ModelStore

/// `Checkpoint.initializeParameters(of:)`, the weights behind `train --init-from`.
@Suite("Starting a model from a checkpoint's weights")
struct InitializeParametersTests {
    static func config(pitchEmbedding: Bool, widths: [Int] = [16, 16, 8, 8]) -> FractalConfig {
        var config = FractalConfig()
        config.model.embedDimList = widths
        config.model.numBlocksList = [1, 1, 1, 1]
        config.model.numHeadsList = [2, 2, 1, 1]
        config.model.pitchEmbedding = pitchEmbedding
        config.data.cropLength = 32
        config.sampling.numIterList = [4, 4, 4]
        return config
    }

    /// A checkpoint of a fresh model of `config` in `folder`.
    static func checkpoint(of config: FractalConfig, seed: UInt64, in folder: URL) throws -> (Checkpoint, FractalGenerativeModel) {
        let model = FractalGenerativeModel(config: config, seed: seed)
        let sampler = try ExampleSampler(dataset: decodedDataset([scaleRoll()]), cropLength: 16, pitchShifts: 0...0, seed: 1)
        let state = CheckpointState(step: 7, randomSeed: 1, sampler: sampler.state, metrics: CheckpointMetrics(), config: config)
        let saved = try CheckpointStore(run: folder).save(model: model, optimizer: AdamW(parameters: model.namedParameters()),
                                                          state: state, keepLast: 1)
        return (try Checkpoint.load(from: saved), model)
    }

    @Test("every tensor of the checkpoint is copied; the parameters it lacks keep their initial values and are named")
    func copiesAndNamesTheRest() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (checkpoint, source) = try Self.checkpoint(of: Self.config(pitchEmbedding: false), seed: 1, in: folder.url)
        let target = FractalGenerativeModel(config: Self.config(pitchEmbedding: true), seed: 2)
        let fresh = try checkpoint.initializeParameters(of: target)
        #expect(fresh == ["levels.1.pitch_embedding", "levels.2.pitch_embedding"])
        let copied = Dictionary(uniqueKeysWithValues: source.namedParameters().map { ($0.name, $0.tensor.scalars) })
        for parameter in target.namedParameters() {
            if let scalars = copied[parameter.name] {
                #expect(parameter.tensor.scalars == scalars, "\(parameter.name)")
            } else {
                #expect(parameter.tensor.scalars.allSatisfy { $0 == 0 }, "\(parameter.name)")
            }
        }
        // The same shape: nothing is new.
        #expect(try checkpoint.initializeParameters(of: FractalGenerativeModel(config: Self.config(pitchEmbedding: false), seed: 3)).isEmpty)
    }

    @Test("a tensor the model lacks, or one of another shape, is a one-line error and changes nothing")
    func refusesWhatDoesNotFit() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (pitched, _) = try Self.checkpoint(of: Self.config(pitchEmbedding: true), seed: 1,
                                               in: folder.url.appendingPathComponent("pitched"))
        let plain = FractalGenerativeModel(config: Self.config(pitchEmbedding: false), seed: 2)
        let before = plain.namedParameters().map(\.tensor.scalars)
        let extra = try #require(throws: CheckpointError.self) { try pitched.initializeParameters(of: plain) }
        #expect(extra.description == "checkpoint \(pitched.directory.path) cannot start this model: its tensor "
            + "'levels.1.pitch_embedding' is not a parameter of the configured model; use the checkpoint's model settings, "
            + "changing only switches that add parameters (model.pitch_embedding)")
        #expect(plain.namedParameters().map(\.tensor.scalars) == before)

        let (narrow, _) = try Self.checkpoint(of: Self.config(pitchEmbedding: false, widths: [16, 16, 8, 4]), seed: 1,
                                              in: folder.url.appendingPathComponent("narrow"))
        let shape = try #require(throws: CheckpointError.self) { try narrow.initializeParameters(of: plain) }
        #expect(shape.description.hasPrefix("checkpoint \(narrow.directory.path) cannot start this model: its tensor 'head."))
        #expect(shape.description.contains(" has shape [4"))
        #expect(plain.namedParameters().map(\.tensor.scalars) == before)
    }
}
