import PianoRoll
import Testing

@Suite("Cells and velocity bins")
struct CellAndBinningTests {
    @Test("cell codes: 0 silent, 1 sustain, 2 + b onset of bin b")
    func cellCodes() {
        #expect(PianoRoll.Cell.silent.code == 0)
        #expect(PianoRoll.Cell.sustain.code == 1)
        #expect(PianoRoll.Cell.onset(velocityBin: 0).code == 2)
        #expect(PianoRoll.Cell.onset(velocityBin: 31).code == 33)
        for code in UInt8(0)...128 {
            #expect(PianoRoll.Cell(code: code).code == code)
        }
        #expect(!PianoRoll.Cell.silent.isActive)
        #expect(PianoRoll.Cell.sustain.isActive && PianoRoll.Cell.onset(velocityBin: 3).isActive)
    }

    @Test("32 bins partition velocities 1…127 in order; each centre lies in its own bin")
    func defaultBins() throws {
        let bins = try PianoRoll.VelocityBins(count: 32)
        var next = 1
        for bin in 0..<32 {
            let range = bins.velocities(inBin: bin)
            #expect(range.lowerBound == next)
            #expect((3...4).contains(range.count))
            next = range.upperBound + 1
            for velocity in range { #expect(bins.bin(forVelocity: velocity) == bin) }
            #expect(range.contains(bins.centreVelocity(ofBin: bin)))
        }
        #expect(next == 128)
        #expect(bins.velocities(inBin: 0) == 1...4)
        #expect(bins.centreVelocity(ofBin: 0) == 2)
        #expect(bins.velocities(inBin: 31) == 125...127)
        #expect(bins.centreVelocity(ofBin: 31) == 126)
        #expect(bins.defaultBin == 16)
    }

    @Test("every bin count keeps binning stable: bin(centre(b)) == b, velocities clamp into 1…127")
    func everyBinCount() throws {
        for count in 1...127 {
            let bins = try PianoRoll.VelocityBins(count: count)
            for bin in 0..<count {
                #expect(bins.bin(forVelocity: bins.centreVelocity(ofBin: bin)) == bin)
            }
            #expect(bins.bin(forVelocity: 0) == 0)
            #expect(bins.bin(forVelocity: 200) == count - 1)
        }
        let identity = try PianoRoll.VelocityBins(count: 127)
        #expect((1...127).allSatisfy { identity.centreVelocity(ofBin: identity.bin(forVelocity: $0)) == $0 })
        #expect(try PianoRoll.VelocityBins(count: 1).centreVelocity(ofBin: 0) == 64)
    }

    @Test("bin counts outside 1…127 are rejected with a message", arguments: [0, -3, 128])
    func invalidBinCount(count: Int) {
        let error = thrownError { try PianoRoll.VelocityBins(count: count) }
        #expect("\(error!)" == "velocity bins must be between 1 and 127, got \(count); use the default, 32")
        let rollError = thrownError { try PianoRoll(steps: 4, velocityBins: count) }
        #expect("\(rollError!)" == "\(error!)")
    }

    @Test("a roll's cells are stored pitch-major and read back through the Cell API")
    func storageLayout() throws {
        var roll = try PianoRoll(steps: 8)
        roll[pitch: 60, step: 2] = .onset(velocityBin: 5)
        roll[pitch: 60, step: 3] = .sustain
        roll[pitch: 61, step: 0] = .onset(velocityBin: 0)
        #expect(roll.codes.count == 128 * 8)
        #expect(roll.cellCodeCount == 34)
        #expect(roll.codes[60 * 8 + 2] == 7)
        #expect(roll.codes[60 * 8 + 3] == 1)
        #expect(roll.codes[61 * 8 + 0] == 2)
        #expect(roll.codes.filter { $0 != 0 }.count == 3)
        #expect(roll[pitch: 60, step: 3] == .sustain)
        #expect(roll.spans == [[61, 0, 1], [60, 2, 2]])

        let rebuilt = try PianoRoll(steps: 8, codes: roll.codes)
        #expect(rebuilt == roll)
    }

    @Test("building a roll from wrong codes fails with a message")
    func invalidCodes() {
        let countError = thrownError { try PianoRoll(steps: 2, codes: [0, 1, 2]) }
        #expect("\(countError!)"
            == "a roll of 2 steps needs 128 × 2 = 256 cell codes, got 3; pass one code per (pitch, step), pitch-major")
        var codes = [UInt8](repeating: 0, count: 256)
        codes[64 * 2 + 1] = 10
        let codeError = thrownError { try PianoRoll(steps: 2, velocityBins: 8, codes: codes) }
        #expect("\(codeError!)"
            == "cell code 10 at pitch 64, step 1 is not valid with 8 velocity bins; use 0 (silent), 1 (sustain) or 2…9 (onset)")
        let stepsError = thrownError { try PianoRoll(steps: -1) }
        #expect("\(stepsError!)" == "a piano roll cannot have -1 steps; pass 0 or more")
    }

    @Test("a sustain with no note to continue reads as an onset in the default bin")
    func orphanSustain() throws {
        var roll = try PianoRoll(steps: 6, velocityBins: 8)
        roll[pitch: 40, step: 0] = .sustain
        roll[pitch: 40, step: 1] = .sustain
        roll[pitch: 40, step: 3] = .sustain
        #expect(roll.notes == [
            PianoRoll.Note(pitch: 40, step: 0, length: 2, velocityBin: 4),
            PianoRoll.Note(pitch: 40, step: 3, length: 1, velocityBin: 4),
        ])
    }

    @Test("tempo maps and time signatures are normalised")
    func normalisation() throws {
        var roll = try PianoRoll(steps: 32)
        #expect(roll.tempoMap == [PianoRoll.TempoChange(step: 0, microsecondsPerBeat: 500_000)])
        #expect(roll.timeSignatures == [PianoRoll.TimeSignature(step: 0, numerator: 4, denominator: 4)])
        roll.tempoMap = [
            .init(step: 16, beatsPerMinute: 90), .init(step: -4, beatsPerMinute: 60),
            .init(step: 8, beatsPerMinute: 100), .init(step: 8, beatsPerMinute: 90),
            .init(step: 40, beatsPerMinute: 200),
        ]
        #expect(roll.tempoMap == [.init(step: 0, microsecondsPerBeat: 1_000_000), .init(step: 8, microsecondsPerBeat: 666_667)])
        #expect(abs(roll.tempoMap[1].beatsPerMinute - 90) < 1e-3)
        roll.timeSignatures = [.init(step: 12, numerator: 3, denominator: 4)]
        #expect(roll.timeSignatures == [.init(step: 0, numerator: 4, denominator: 4), .init(step: 12, numerator: 3, denominator: 4)])
    }
}
