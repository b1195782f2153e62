import PianoRoll
import TestSupport
import Testing

@Suite("Grid-offset estimate")
struct GridOffsetTests {
    @Test("every whole-tick offset in [−60, 60) at 480 ticks per beat is found exactly")
    func everyOffset() {
        for offset in -60..<60 {
            let onsets = (1...50).map { offset + 120 * ($0 * 7 % 31) + 480 * $0 }
            let grid = PianoRoll.GridOffset.estimate(onsetTicks: onsets, ticksPerBeat: 480)
            #expect(grid.ticks == offset)
            #expect(grid.onGridShare == 1)
            #expect(grid.onsetCount == 50)
        }
    }

    @Test("off-grid onsets (triplets, stray notes) do not pull the estimate")
    func robustToOffGridOnsets() {
        var generator = SeededGenerator(seed: 7)
        var onsets: [Int] = []
        for index in 0..<1000 {
            let base = 44 + 480 * index
            switch index % 10 {
            case 0...5: onsets.append(base + 120 * Int.random(in: 0..<4, using: &generator))
            case 6, 7: onsets.append(base + 160 * Int.random(in: 1..<3, using: &generator))  // eighth-note triplets
            case 8: onsets.append(base + 80)                                                   // sixteenth triplets
            default: onsets.append(Int.random(in: 0..<480_000, using: &generator))            // anywhere
            }
        }
        let grid = PianoRoll.GridOffset.estimate(onsetTicks: onsets, ticksPerBeat: 480)
        #expect(grid.ticks == 44)
        #expect(grid.onGridShare > 0.6 && grid.onGridShare < 0.75)
    }

    @Test("onsets jittered by up to ±6 ticks around a 44-tick grid give an estimate within 2 ticks")
    func jitteredOnsets() {
        var generator = SeededGenerator(seed: 11)
        let onsets = (0..<800).map { 44 + 120 * $0 + Int.random(in: -6...6, using: &generator) }
        let grid = PianoRoll.GridOffset.estimate(onsetTicks: onsets, ticksPerBeat: 480)
        #expect(abs(grid.ticks - 44) <= 2)
        #expect(grid.onGridShare == 1)
    }

    @Test("two nearby clusters: the grid goes to the larger, not between them")
    func twoClusters() {
        let onsets = (0..<100).map { 480 * $0 + ($0 % 3 == 0 ? 56 : 40) }
        let grid = PianoRoll.GridOffset.estimate(onsetTicks: onsets, ticksPerBeat: 480)
        #expect(grid.ticks == 40)
        #expect(grid.onGridOnsetCount == 66)  // 56 is 16 ticks (0.13 step) from the grid
        #expect(onsets.map(grid.nearestStep(toTick:)) == (0..<100).map { 4 * $0 })
    }

    @Test("a time base that is not a multiple of 4 (90 ticks per beat: 22.5 per step)")
    func fractionalStep() {
        let onsets = (0..<64).map { 5 + 45 * $0 }
        let grid = PianoRoll.GridOffset.estimate(onsetTicks: onsets, ticksPerBeat: 90)
        #expect(grid.ticks == 5)
        #expect(onsets.map(grid.nearestStep(toTick:)) == (0..<64).map { 2 * $0 })
        let unshifted = PianoRoll.GridOffset.estimate(onsetTicks: [0, 22, 23, 45, 67, 68], ticksPerBeat: 90)
        #expect(unshifted.ticks == 0)
        #expect([0, 22, 23, 45, 67, 68].map(unshifted.nearestStep(toTick:)) == [0, 1, 1, 2, 3, 3])
    }

    @Test("no onsets: offset 0, everything on the grid")
    func noOnsets() {
        let grid = PianoRoll.GridOffset.estimate(onsetTicks: [], ticksPerBeat: 480)
        #expect(grid.ticks == 0 && grid.onsetCount == 0 && grid.onGridShare == 1)
    }

    @Test("equal votes for two offsets: the one nearer 0 wins")
    func tieBreak() {
        let grid = PianoRoll.GridOffset.estimate(onsetTicks: [0, 480, 60, 540], ticksPerBeat: 480)
        #expect(grid.ticks == 0)
        #expect(grid.onGridShare == 0.5)
    }

    @Test("rounding: halves go up, nothing goes before step 0; on-grid means within 0.1 step inclusive")
    func roundingAndTolerance() {
        let grid = PianoRoll.GridOffset(ticks: 44, ticksPerBeat: 480, onsetTicks: [44, 56, 57, 32, 31, 164])
        #expect(grid.onGridOnsetCount == 4)  // 44, 56 (+12 = 0.1 step), 32 (−12), 164; not 57, 31
        #expect(abs(grid.onGridShare - 4.0 / 6.0) < 1e-12)
        #expect(abs(grid.steps - 44.0 / 120.0) < 1e-12)
        #expect(grid.nearestStep(toTick: 103) == 0)
        #expect(grid.nearestStep(toTick: 104) == 1)  // exactly half a step after the grid
        #expect(grid.nearestStep(toTick: 0) == 0)
        let early = PianoRoll.GridOffset(ticks: 59, ticksPerBeat: 480, onsetTicks: [])
        #expect(early.nearestStep(toTick: 0) == 0)
        #expect(early.nearestStep(toTick: -500) == 0)
    }
}
