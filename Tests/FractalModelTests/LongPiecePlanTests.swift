import FractalModel
import Testing

/// The window planner of long pieces: where windows lie and how much of each is already known.
@Suite("Long-piece window plan")
struct LongPiecePlanTests {
    @Test("a 64-bar piece in 256-step windows with half-window overlap")
    func sixtyFourBars() throws {
        let plan = try LongPiecePlan(pieceSteps: 1024, width: 256, overlap: 128, unknownSteps: 0..<1024)
        #expect(plan.windows.map(\.steps.lowerBound) == [0, 128, 256, 384, 512, 640, 768])
        #expect(plan.windows.map(\.knownOverlap) == [0, 128, 128, 128, 128, 128, 128])
        #expect(plan.windows.last?.steps.upperBound == 1024)
    }

    @Test("the last window moves back to end with the piece, overlapping more")
    func lastWindowEndsWithPiece() throws {
        let plan = try LongPiecePlan(pieceSteps: 300, width: 128, overlap: 64, unknownSteps: 0..<300)
        #expect(plan.windows.map(\.steps) == [0..<128, 64..<192, 128..<256, 172..<300])
        #expect(plan.windows.map(\.knownOverlap) == [0, 64, 64, 84])
    }

    @Test("a continuation starts one overlap before the new steps")
    func continuation() throws {
        let plan = try LongPiecePlan(pieceSteps: 1000 + 64, width: 256, overlap: 128, unknownSteps: 1000..<1064)
        #expect(plan.windows.map(\.steps) == [808..<1064])
        let longer = try LongPiecePlan(pieceSteps: 200 + 300, width: 256, overlap: 128, unknownSteps: 200..<500)
        #expect(longer.windows.map(\.steps) == [72..<328, 200..<456, 244..<500])
        #expect(longer.windows.map(\.knownOverlap) == [0, 128, 212])
    }

    @Test("a piece no longer than one window is one window of the model's width")
    func shortPiece() throws {
        let plan = try LongPiecePlan(pieceSteps: 40, width: 64, overlap: 32, unknownSteps: 10..<20)
        #expect(plan.windows == [LongPiecePlan.Window(steps: 0..<64, knownOverlap: 0)])
        let exact = try LongPiecePlan(pieceSteps: 64, width: 64, overlap: 32, unknownSteps: 0..<64)
        #expect(exact.windows.count == 1)
    }

    @Test("nothing to generate means no windows")
    func nothingUnknown() throws {
        #expect(try LongPiecePlan(pieceSteps: 500, width: 64, overlap: 32, unknownSteps: 100..<100).windows.isEmpty)
    }

    @Test("windows cover every step to generate, in order, each starting inside what is already generated",
          arguments: [(1, 0), (7, 3), (64, 32), (64, 0), (64, 63), (100, 50)])
    func coverage(width: Int, overlap: Int) throws {
        for pieceSteps in [1, 5, 63, 64, 65, 200, 517] {
            for unknown in [0..<pieceSteps, (pieceSteps / 3)..<pieceSteps, (pieceSteps / 4)..<(pieceSteps / 2 + 1)]
            where !unknown.isEmpty {
                let plan = try LongPiecePlan(pieceSteps: pieceSteps, width: width, overlap: overlap, unknownSteps: unknown)
                var covered = Set<Int>()
                var generatedEnd = plan.windows.first?.steps.lowerBound ?? 0
                for window in plan.windows {
                    #expect(window.steps.count == width)
                    #expect(window.steps.lowerBound >= 0)
                    #expect(window.steps.lowerBound <= generatedEnd, "gap before \(window)")
                    #expect(window.knownOverlap == generatedEnd - window.steps.lowerBound)
                    #expect(window.steps.upperBound > generatedEnd, "window adds nothing: \(window)")
                    if pieceSteps > width { #expect(window.steps.upperBound <= pieceSteps) }
                    covered.formUnion(window.steps)
                    generatedEnd = window.steps.upperBound
                }
                #expect(covered.isSuperset(of: unknown), "plan \(plan.windows) misses steps of \(unknown)")
            }
        }
    }

    @Test("bad plans are refused with a one-line message")
    func errors() {
        #expect(throws: LongPieceError.emptyPiece) { try LongPiecePlan(pieceSteps: 0, width: 64, overlap: 32, unknownSteps: 0..<0) }
        #expect(throws: LongPieceError.nonPositiveWidth(0)) { try LongPiecePlan(pieceSteps: 10, width: 0, overlap: 0, unknownSteps: 0..<10) }
        #expect(throws: LongPieceError.overlapOutsideWindow(overlap: 64, width: 64)) {
            try LongPiecePlan(pieceSteps: 100, width: 64, overlap: 64, unknownSteps: 0..<100)
        }
        #expect(throws: LongPieceError.unknownStepsOutsidePiece(90..<110, pieceSteps: 100)) {
            try LongPiecePlan(pieceSteps: 100, width: 64, overlap: 32, unknownSteps: 90..<110)
        }
        #expect(LongPieceError.overlapOutsideWindow(overlap: 64, width: 64).description
            == "window overlap 64 must lie in 0..<64 (the window width); use e.g. 32")
    }
}
