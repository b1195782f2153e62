import Foundation
import Testing
import NN

@Suite("LearningRateSchedule")
struct LearningRateScheduleTests {
    let schedule = LearningRateSchedule(peak: 1e-3, minimum: 1e-5, warmupSteps: 10, totalSteps: 110)

    @Test("warm-up rises linearly to the peak")
    func warmup() {
        #expect(abs(schedule.rate(atStep: 0) - 1e-4) < 1e-12)
        #expect(abs(schedule.rate(atStep: 4) - 5e-4) < 1e-12)
        #expect(abs(schedule.rate(atStep: 9) - 1e-3) < 1e-12)
    }

    @Test("cosine decay: peak at the end of warm-up, midpoint halfway, floor at the end and beyond")
    func cosine() {
        #expect(abs(schedule.rate(atStep: 10) - 1e-3) < 1e-12)
        #expect(abs(schedule.rate(atStep: 60) - (1e-5 + (1e-3 - 1e-5) / 2)) < 1e-12)
        // A quarter of the way: ½(1 + cos(π/4)) of the span above the floor.
        #expect(abs(schedule.rate(atStep: 35) - (1e-5 + (1e-3 - 1e-5) * 0.5 * (1 + 0.5.squareRoot()))) < 1e-12)
        #expect(abs(schedule.rate(atStep: 110) - 1e-5) < 1e-15)
        #expect(abs(schedule.rate(atStep: 5000) - 1e-5) < 1e-15)
    }

    @Test("the rate never rises after warm-up")
    func monotone() {
        for step in 10..<120 {
            #expect(schedule.rate(atStep: step + 1) <= schedule.rate(atStep: step))
        }
    }

    @Test("no warm-up starts at the peak")
    func noWarmup() {
        let s = LearningRateSchedule(peak: 2, minimum: 0, warmupSteps: 0, totalSteps: 4)
        #expect(s.rate(atStep: 0) == 2)
        #expect(abs(s.rate(atStep: 2) - 1) < 1e-12)
    }
}
