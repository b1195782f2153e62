import FractalModel
import Foundation
import PianoRoll

extension RollCache {
    /// The cache a run with `config` uses: `data.cache_dir` (relative paths from the current
    /// directory) or else ``defaultDirectory(environment:currentDirectory:)``, converting with
    /// the model's velocity bins, no drums and the sustain pedal applied.
    public convenience init(
        config: FractalConfig,
        warn: @escaping @Sendable (String) -> Void = { ProgressReporter.writeToStandardError("warning: \($0)\n") }
    ) {
        self.init(
            directory: config.data.cacheDir.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? RollCache.defaultDirectory(),
            options: PianoRoll.ConversionOptions(velocityBins: config.model.velocityBins),
            warn: warn)
    }
}

extension ExampleSampler {
    /// The training sampler of a run with `config`: `crop_length`, `pitch_shift_min` …
    /// `pitch_shift_max`, `augment_factor` crops per song per epoch, and the run's `seed`.
    public init(dataset: DecodedDataset, config: FractalConfig) throws(DataError) {
        let data = config.data
        guard data.pitchShiftMin <= data.pitchShiftMax else {
            throw DataError.invalidSetting(
                name: "pitch_shift_min", value: "\(data.pitchShiftMin)",
                rule: "it is above pitch_shift_max \(data.pitchShiftMax); swap them")
        }
        try self.init(
            dataset: dataset, cropLength: data.cropLength, pitchShifts: data.pitchShiftMin...data.pitchShiftMax,
            cropsPerSong: data.augmentFactor, seed: UInt64(bitPattern: Int64(config.seed)))
    }
}
