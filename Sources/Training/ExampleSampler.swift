import Engine
import ModelStore
import PianoRoll

/// A seedable, reproducible stream of training examples: random crops of `cropLength` steps
/// with random pitch shifts, in a shuffled order per epoch.
///
/// - **Order.** An epoch holds `cropsPerSong` examples of every song (the config's
///   `augment_factor`), shuffled (Fisher–Yates) with a generator seeded from (seed, epoch).
/// - **Crop start.** Drawn uniformly from the beat starts (multiples of
///   ``PianoRoll/stepsPerBeat``) at which a whole crop fits before the music ends
///   (``PianoRoll/endOfLastNote``, so a file's trailing silence is never a crop),
///   `0 … end − cropLength`, so crops begin on a beat of the song's grid. A song shorter than
///   the crop starts at 0 and is padded with silence at the end.
/// - **Pitch shift.** Drawn uniformly from `pitchShifts` narrowed to the crop's
///   ``PianoRoll/allowedShifts``, so no note of the crop leaves the keyboard (0 when the two do
///   not overlap).
public struct ExampleSampler: Sendable {
    /// The songs examples are cut from.
    public let songs: [DecodedSong]
    /// The width of every example in steps.
    public let cropLength: Int
    /// The range random transpositions are drawn from (before narrowing per crop).
    public let pitchShifts: ClosedRange<Int>
    /// Examples per song in one epoch.
    public let cropsPerSong: Int
    /// Where the stream stands.
    public private(set) var state: SamplerState

    /// Where each song's music ends (``PianoRoll/endOfLastNote``).
    private let musicEnds: [Int]

    private var order: [Int] = []
    private var orderEpoch = -1

    /// A sampler over `dataset`; throws when a setting cannot work.
    public init(
        dataset: DecodedDataset, cropLength: Int, pitchShifts: ClosedRange<Int>,
        cropsPerSong: Int = 1, seed: UInt64
    ) throws(DataError) {
        guard cropLength > 0 else {
            throw DataError.invalidSetting(name: "crop_length", value: "\(cropLength)", rule: "it must be at least 1 step")
        }
        guard cropsPerSong > 0 else {
            throw DataError.invalidSetting(name: "augment_factor", value: "\(cropsPerSong)", rule: "it must be at least 1")
        }
        guard !dataset.songs.isEmpty else { throw DataError.emptyDataset(source: "the sampler's data", skipped: dataset.skipped.count) }
        songs = dataset.songs
        self.cropLength = cropLength
        self.pitchShifts = pitchShifts
        self.cropsPerSong = cropsPerSong
        musicEnds = songs.map(\.roll.endOfLastNote)
        var hash = ContentHash()
        for value in [songs.count, cropLength, pitchShifts.lowerBound, pitchShifts.upperBound, cropsPerSong]
            + songs.map(\.roll.steps) + musicEnds {
            hash.combine(UInt64(bitPattern: Int64(value)))
        }
        state = SamplerState(seed: seed, epoch: 0, position: 0, fingerprint: hash.value)
    }

    /// The number of examples in one epoch.
    public var epochLength: Int { songs.count * cropsPerSong }

    /// Continues from `saved` (a ``state`` of a sampler over the same data, settings and seed).
    public mutating func restore(_ saved: SamplerState) throws(DataError) {
        guard saved.fingerprint == state.fingerprint else {
            throw DataError.stateMismatch("the saved state belongs to other data or crop settings")
        }
        guard saved.position >= 0, saved.position < epochLength, saved.epoch >= 0 else {
            throw DataError.stateMismatch("position \(saved.position) of epoch \(saved.epoch) is outside an epoch of \(epochLength) examples")
        }
        state = saved
    }

    /// Where the example at `position` of `epoch` is cut from; a pure function of the seed,
    /// the epoch and the position.
    public func origin(epoch: Int, position: Int) -> ExampleOrigin {
        var order = ExampleSampler.order(seed: state.seed, epoch: epoch, count: epochLength)
        return origin(epoch: epoch, position: position, order: &order)
    }

    /// The next example's origin, advancing the state.
    public mutating func nextOrigin() -> ExampleOrigin {
        if orderEpoch != state.epoch {
            order = Self.order(seed: state.seed, epoch: state.epoch, count: epochLength)
            orderEpoch = state.epoch
        }
        let result = origin(epoch: state.epoch, position: state.position, order: &order)
        state.position += 1
        if state.position == epochLength {
            state.position = 0
            state.epoch += 1
        }
        return result
    }

    /// The next `size` examples as a batch, advancing the state.
    public mutating func nextBatch(size: Int) -> Batch {
        let origins = (0..<size).map { _ in nextOrigin() }
        return Batch(songs: songs, origins: origins, steps: cropLength)
    }

    private func origin(epoch: Int, position: Int, order: inout [Int]) -> ExampleOrigin {
        let song = order[position] / cropsPerSong
        var random = DataRandom(keys: state.seed, UInt64(epoch), UInt64(position))
        let roll = songs[song].roll
        let end = musicEnds[song]
        let beats = end >= cropLength ? (end - cropLength) / PianoRoll.stepsPerBeat + 1 : 1
        let start = random.int(below: beats) * PianoRoll.stepsPerBeat
        let allowed = Self.allowedShifts(of: roll, steps: start..<(start + cropLength))
        let low = max(pitchShifts.lowerBound, allowed.lowerBound)
        let high = min(pitchShifts.upperBound, allowed.upperBound)
        let shift = low <= high ? random.int(in: low...high) : 0
        return ExampleOrigin(song: song, start: start, shift: shift)
    }

    /// The shifts that keep the notes of `roll`'s steps `range` on the keyboard, as
    /// ``PianoRoll/allowedShifts`` of the crop, without building the crop.
    static func allowedShifts(of roll: PianoRoll, steps range: Range<Int>) -> ClosedRange<Int> {
        let window = range.clamped(to: 0..<roll.steps)
        guard !window.isEmpty else { return -127...127 }
        return roll.codes.withUnsafeBufferPointer { codes -> ClosedRange<Int> in
            func isActive(_ pitch: Int) -> Bool {
                let row = pitch * roll.steps
                for step in window where codes[row + step] != PianoRoll.Cell.silentCode { return true }
                return false
            }
            guard let low = (0..<PianoRoll.pitchCount).first(where: isActive) else { return -127...127 }
            let high = (low..<PianoRoll.pitchCount).last(where: isActive)!
            return (-low)...(127 - high)
        }
    }

    private static func order(seed: UInt64, epoch: Int, count: Int) -> [Int] {
        var random = DataRandom(keys: seed, UInt64(epoch), UInt64.max)
        return random.permutation(of: count)
    }
}

/// Fixed validation examples, the same in every run: for each song, `cropsPerSong` crops
/// evenly spaced from its start to the end of its music (``PianoRoll/endOfLastNote``; starts
/// rounded down to a beat), never shifted; a song shorter than a crop gives one padded crop.
public struct ValidationCrops: Sendable {
    /// The songs the crops are cut from.
    public let songs: [DecodedSong]
    /// The width of every crop in steps.
    public let cropLength: Int
    /// Every crop, song by song.
    public let origins: [ExampleOrigin]

    /// Up to `cropsPerSong` crops per song of `dataset` (fewer when the song holds fewer
    /// whole crops).
    public init(dataset: DecodedDataset, cropLength: Int, cropsPerSong: Int = 4) throws(DataError) {
        guard cropLength > 0 else {
            throw DataError.invalidSetting(name: "crop_length", value: "\(cropLength)", rule: "it must be at least 1 step")
        }
        guard cropsPerSong > 0 else {
            throw DataError.invalidSetting(name: "validation crops per song", value: "\(cropsPerSong)", rule: "it must be at least 1")
        }
        guard !dataset.songs.isEmpty else { throw DataError.emptyDataset(source: "the validation data", skipped: dataset.skipped.count) }
        var origins: [ExampleOrigin] = []
        for (index, song) in dataset.songs.enumerated() {
            let room = max(song.roll.endOfLastNote - cropLength, 0)
            let count = min(cropsPerSong, room / cropLength + 1)
            for crop in 0..<count {
                let start = count == 1 ? 0 : room * crop / (count - 1)
                origins.append(ExampleOrigin(song: index, start: start - start % PianoRoll.stepsPerBeat, shift: 0))
            }
        }
        songs = dataset.songs
        self.cropLength = cropLength
        self.origins = origins
    }

    /// The seed of the masks of batch 0; batch `i` draws from this + i.
    public static let firstBatchSeed: UInt64 = 0x7A11_DA7E

    /// `model`'s mean bits per cell over these crops and the cells it predicted: the trainer's
    /// validation, and `fractalmidi eval --checkpoint`. Crops go in batches of `batchSize`;
    /// batch `i` draws its masks from ``firstBatchSeed`` + i, so the same weights always get
    /// the same result. The model is evaluated without dropout and left in the mode it was in.
    public func bitsPerCell(of model: any TrainableModel, batchSize: Int) -> (bitsPerCell: Double, cells: Int) {
        let wasTraining = model.isTraining
        model.setTraining(false)
        defer { model.setTraining(wasTraining) }
        var bits = 0.0
        var cells = 0
        for (index, batch) in batches(size: max(1, batchSize)).enumerated() {
            let result = Engine.withoutGradients {
                model.validationLoss(batch: batch, seed: Self.firstBatchSeed &+ UInt64(index))
            }
            bits += result.bitsPerCell * Double(result.cells)
            cells += result.cells
        }
        return (cells > 0 ? bits / Double(cells) : 0, cells)
    }

    /// The crops in batches of `size` (the last one smaller when they do not divide evenly).
    public func batches(size: Int) -> [Batch] {
        stride(from: 0, to: origins.count, by: max(size, 1)).map { first in
            Batch(songs: songs, origins: Array(origins[first..<min(first + size, origins.count)]), steps: cropLength)
        }
    }
}
