import FractalModel
import Foundation
import PianoRoll
import TestSupport
import Testing
import Training
import ModelStore

@Suite struct SamplerTests {
    /// Songs whose notes reach the keyboard's edges, of different lengths, one shorter than a crop.
    private func songs() throws -> DecodedDataset {
        let edgy = try makeRoll(steps: 300, notes: [(0, 0, 40, 5), (127, 100, 60, 9), (64, 150, 100, 3), (3, 290, 10, 1)])
        let high = try makeRoll(steps: 200, notes: [(120, 10, 50, 30), (90, 70, 4, 2), (125, 180, 20, 11)])
        let short = try makeRoll(steps: 20, notes: [(60, 0, 8, 7), (64, 8, 12, 8)])
        let middle = try scaleRoll(lowest: 50, beats: 60)
        return decodedDataset([edgy, high, short, middle], classes: [0, 1, 1, MusicDataset.unlabeledClass])
    }

    private func activeCells(_ codes: some Collection<UInt8>) -> Int {
        codes.reduce(0) { $0 + ($1 == PianoRoll.Cell.silentCode ? 0 : 1) }
    }

    @Test func cropsAndShiftsKeepEveryNoteOnTheKeyboard() throws {
        let dataset = try songs()
        for seed in 0..<60 {
            var sampler = try ExampleSampler(dataset: dataset, cropLength: 64, pitchShifts: -12...12, seed: UInt64(seed))
            let batch = sampler.nextBatch(size: 8)
            for (index, origin) in batch.origins.enumerated() {
                let song = dataset.songs[origin.song].roll
                let unshifted = song.cropped(steps: origin.start..<(origin.start + 64))
                let example = batch.roll(at: index)
                #expect((-12...12).contains(origin.shift))
                #expect(unshifted.allowedShifts.contains(origin.shift))
                #expect(origin.start % PianoRoll.stepsPerBeat == 0)
                #expect(origin.start == 0 || origin.start + 64 <= song.steps)
                // Every sounding cell of the crop survives the shift.
                #expect(activeCells(example.codes) == activeCells(unshifted.codes))
                #expect(example == (try unshifted.shifted(bySemitones: origin.shift)))
                #expect(batch.labels[index] == dataset.songs[origin.song].classIndex)
            }
        }
    }

    @Test func shiftsSpreadOverTheAllowedRange() throws {
        let dataset = decodedDataset([try scaleRoll(lowest: 60, beats: 64)])
        var sampler = try ExampleSampler(dataset: dataset, cropLength: 32, pitchShifts: -3...5, seed: 9)
        let shifts = Set((0..<400).map { _ in sampler.nextOrigin().shift })
        #expect(shifts == Set(-3...5))
    }

    @Test func shortSongIsPaddedWithSilence() throws {
        let short = try makeRoll(steps: 20, notes: [(60, 0, 8, 7), (64, 8, 12, 8)])
        var sampler = try ExampleSampler(dataset: decodedDataset([short]), cropLength: 48, pitchShifts: 0...0, seed: 1)
        let batch = sampler.nextBatch(size: 3)
        for index in 0..<3 {
            #expect(batch.origins[index].start == 0)
            let example = batch.roll(at: index)
            #expect(example.steps == 48)
            for pitch in 0..<128 {
                for step in 0..<48 {
                    let expected = step < 20 ? short[pitch: pitch, step: step] : .silent
                    #expect(example[pitch: pitch, step: step] == expected)
                }
            }
        }
    }

    @Test func everySongAppearsCropsPerSongTimesPerEpoch() throws {
        let dataset = try songs()
        var sampler = try ExampleSampler(dataset: dataset, cropLength: 16, pitchShifts: -2...2, cropsPerSong: 3, seed: 5)
        #expect(sampler.epochLength == 12)
        let epoch = (0..<12).map { _ in sampler.nextOrigin().song }
        #expect(epoch.sorted() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3])
        #expect(sampler.state.epoch == 1 && sampler.state.position == 0)
        let next = (0..<12).map { _ in sampler.nextOrigin().song }
        #expect(next != epoch)
    }

    @Test func savedStateContinuesIdentically() throws {
        let dataset = try songs()
        var original = try ExampleSampler(dataset: dataset, cropLength: 32, pitchShifts: -6...6, seed: 77)
        for _ in 0..<5 { _ = original.nextBatch(size: 3) }  // crosses an epoch boundary (4 songs)
        let saved = try JSONEncoder().encode(original.state)
        let expected = (0..<6).map { _ in original.nextBatch(size: 3) }

        var resumed = try ExampleSampler(dataset: dataset, cropLength: 32, pitchShifts: -6...6, seed: 77)
        try resumed.restore(try JSONDecoder().decode(SamplerState.self, from: saved))
        let continued = (0..<6).map { _ in resumed.nextBatch(size: 3) }
        #expect(continued == expected)
        #expect(resumed.state == original.state)
    }

    @Test func stateOfOtherDataIsRefused() throws {
        let dataset = try songs()
        let sampler = try ExampleSampler(dataset: dataset, cropLength: 32, pitchShifts: -6...6, seed: 77)
        var other = try ExampleSampler(dataset: dataset, cropLength: 64, pitchShifts: -6...6, seed: 77)
        let error = #expect(throws: DataError.self) { try other.restore(sampler.state) }
        #expect(error?.description == "cannot resume the data sampler: the saved state belongs to other data or crop settings; resume with the same data and seed, or start a new run")
    }

    @Test func differentSeedsGiveDifferentStreams() throws {
        let dataset = try songs()
        var first = try ExampleSampler(dataset: dataset, cropLength: 32, pitchShifts: -6...6, seed: 1)
        var second = try ExampleSampler(dataset: dataset, cropLength: 32, pitchShifts: -6...6, seed: 2)
        #expect((0..<4).map { _ in first.nextBatch(size: 4) } != (0..<4).map { _ in second.nextBatch(size: 4) })
    }

    @Test func prefetchingLoaderYieldsTheSynchronousBatches() throws {
        let dataset = try songs()
        var synchronous = try ExampleSampler(dataset: dataset, cropLength: 48, pitchShifts: -5...5, seed: 3)
        let expected = (0..<25).map { _ in (synchronous.nextBatch(size: 5), synchronous.state) }
        let loader = try DataLoader(
            sampler: try ExampleSampler(dataset: dataset, cropLength: 48, pitchShifts: -5...5, seed: 3),
            batchSize: 5, prefetch: 2)
        for (batch, state) in expected {
            #expect(loader.next() == batch)
            #expect(loader.state == state)
        }
    }

    @Test func loaderResumesFromARestoredSampler() throws {
        let dataset = try songs()
        let first = try DataLoader(
            sampler: try ExampleSampler(dataset: dataset, cropLength: 24, pitchShifts: -5...5, seed: 8), batchSize: 3)
        for _ in 0..<7 { _ = first.next() }
        let saved = first.state
        let expected = (0..<5).map { _ in first.next() }
        var sampler = try ExampleSampler(dataset: dataset, cropLength: 24, pitchShifts: -5...5, seed: 8)
        try sampler.restore(saved)
        let resumed = try DataLoader(sampler: sampler, batchSize: 3)
        #expect((0..<5).map { _ in resumed.next() } == expected)
    }

    @Test func loaderSettingsAreChecked() throws {
        let sampler = try ExampleSampler(dataset: try songs(), cropLength: 24, pitchShifts: -5...5, seed: 8)
        let error = #expect(throws: DataError.self) { try DataLoader(sampler: sampler, batchSize: 0) }
        #expect(error?.description == "batch size 0 is not valid: it must be at least 1")
        let crop = #expect(throws: DataError.self) {
            try ExampleSampler(dataset: try songs(), cropLength: 0, pitchShifts: -5...5, seed: 8)
        }
        #expect(crop?.description == "crop_length 0 is not valid: it must be at least 1 step")
    }

    @Test func batchFeaturesMatchTheRollFeatures() throws {
        let dataset = try songs()
        var sampler = try ExampleSampler(dataset: dataset, cropLength: 40, pitchShifts: -4...4, seed: 12)
        let batch = sampler.nextBatch(size: 4)
        let features = batch.inputFeatures()
        #expect(features.count == 4 * 128 * 40 * 3)
        let expected = (0..<4).flatMap { batch.roll(at: $0).inputFeatures() }
        #expect(features == expected)
    }

    @Test func cropsEndWhereTheMusicEnds() throws {
        // 300 steps, the last note ending at step 150: the trailing silence is never cropped.
        let tail = try makeRoll(steps: 300, notes: [(60, 0, 40, 5), (67, 100, 50, 9)])
        let dataset = decodedDataset([tail])
        var sampler = try ExampleSampler(dataset: dataset, cropLength: 64, pitchShifts: 0...0, seed: 3)
        let starts = Set((0..<400).map { _ in sampler.nextOrigin().start })
        #expect(starts == Set(stride(from: 0, through: 84, by: 4)))
        // Room 150 − 64 = 86 holds two crops: starts 0 and 86 → 84.
        #expect(try ValidationCrops(dataset: dataset, cropLength: 64, cropsPerSong: 3).origins.map(\.start) == [0, 84])
    }

    @Test func validationCropsAreFixedAndEvenlySpaced() throws {
        let dataset = try songs()
        let crops = try ValidationCrops(dataset: dataset, cropLength: 64, cropsPerSong: 3)
        // 300 steps: room 236 → starts 0, 118 → 116, 236; 200 steps: room 136 → 0, 68, 136;
        // 20 steps: one padded crop; 240 steps whose last note ends at step 239: room 175 → 0,
        // 87 → 84, 175 → 172.
        #expect(crops.origins.map(\.start) == [0, 116, 236, 0, 68, 136, 0, 0, 84, 172])
        #expect(crops.origins.map(\.song) == [0, 0, 0, 1, 1, 1, 2, 3, 3, 3])
        #expect(crops.origins.allSatisfy { $0.shift == 0 })
        let batches = crops.batches(size: 4)
        #expect(batches.map(\.size) == [4, 4, 2])
        #expect(batches == (try ValidationCrops(dataset: dataset, cropLength: 64, cropsPerSong: 3)).batches(size: 4))
        #expect(batches[2].labels == [MusicDataset.unlabeledClass, MusicDataset.unlabeledClass])
    }

    @Test func randomDrawsAreUniformAndReproducible() {
        var random = DataRandom(seed: 42)
        var counts = [Int](repeating: 0, count: 10)
        for _ in 0..<20_000 { counts[random.int(below: 10)] += 1 }
        #expect(counts.allSatisfy { (1_800...2_200).contains($0) })
        var again = DataRandom(seed: 42)
        var copy = again
        #expect((0..<10).map { _ in again.next() } == (0..<10).map { _ in copy.next() })
        #expect(DataRandom(keys: 1, 2, 3) != DataRandom(keys: 1, 3, 2))
    }
}

@Suite struct DataConfigurationTests {
    @Test func samplerAndCacheFollowTheConfig() throws {
        var config = FractalConfig()
        config.data.cropLength = 32
        config.data.pitchShiftMin = -2
        config.data.pitchShiftMax = 3
        config.data.augmentFactor = 2
        config.data.cacheDir = "/tmp/rolls-here"
        config.model.velocityBins = 16
        config.seed = 5
        let dataset = decodedDataset([try scaleRoll(beats: 20), try scaleRoll(lowest: 40, beats: 30)])
        let sampler = try ExampleSampler(dataset: dataset, config: config)
        #expect(sampler.cropLength == 32 && sampler.pitchShifts == -2...3 && sampler.cropsPerSong == 2)
        #expect(sampler.state.seed == 5)
        let cache = RollCache(config: config)
        #expect(cache.directory.path == "/tmp/rolls-here")
        #expect(cache.options == PianoRoll.ConversionOptions(velocityBins: 16))

        config.data.pitchShiftMin = 4
        let error = #expect(throws: DataError.self) { try ExampleSampler(dataset: dataset, config: config) }
        #expect(error?.description == "pitch_shift_min 4 is not valid: it is above pitch_shift_max 3; swap them")
    }
}
