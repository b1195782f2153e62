import Foundation
import FractalModel
import PianoRoll
import Testing

/// Each step of a head draw on hand-made logits: guidance, note continuity, the key prior,
/// temperature and the nucleus.
@Suite("Logit processors")
struct LogitProcessorTests {
    /// `logits` through `processor` at `context`.
    func processed(_ logits: [Float], by processor: some LogitProcessor, at context: DrawContext = DrawContext(position: 0)) -> DrawScores {
        var scores = DrawScores(logits: logits)
        processor.process(&scores, in: context)
        return scores
    }

    @Test("guidance mixes the null branch in as u + cfg·(c − u), filtering classes the condition rules out; without a null branch it does nothing")
    func guidance() {
        let c: [Float] = [2, -1, 0.5, -30], u: [Float] = [0, 1, 3, -40]
        let guidance = ClassifierFreeGuidance(cfg: 3, filterThreshold: 1e-4)
        #expect(processed(c, by: guidance).logits == c)
        let mixed = processed(c, by: guidance, at: DrawContext(position: 0, unconditional: u)).logits
        #expect(abs(mixed[0] - 6) < 1e-6 && abs(mixed[1] - (-5)) < 1e-6 && abs(mixed[2] - (3 + 3 * (0.5 - 3))) < 1e-6)
        #expect(abs(mixed[3] - (-29 + 3 * (-30 + 29))) < 1e-5, "class 3 (p ≈ 1e-14) is filtered")
        #expect(processed(c, by: ClassifierFreeGuidance(cfg: 1, filterThreshold: 1e-4), at: DrawContext(position: 0, unconditional: u)).logits == c)
        #expect(processed(c, by: guidance).weights == nil, "guidance leaves the weights to the temperature step")
    }

    /// One roll 4 steps wide: pitch 0 holds silent, onset, sustain, (undecided); the rest undecided.
    func continuity() -> NoteContinuity {
        var cells = [UInt8](repeating: 0, count: 128 * 4), decided = [Bool](repeating: false, count: 128 * 4)
        cells[1] = PianoRoll.Cell.firstOnsetCode + 3
        cells[2] = PianoRoll.Cell.sustainCode
        for step in 0..<3 { decided[step] = true }
        return NoteContinuity(cells: cells, decided: decided, width: 4)
    }

    @Test("note continuity rules silence out before a decided sustain and changes nothing elsewhere")
    func noteContinuity() {
        let rule = continuity()
        let logits: [Float] = [0.5, 1, -1]
        #expect(processed(logits, by: rule, at: DrawContext(position: 1)).logits == [-.infinity, 1, -1])
        #expect(processed(logits, by: rule, at: DrawContext(position: 3)).logits == logits)
        #expect(processed(logits, by: rule, at: DrawContext(position: 4 + 1)).logits == logits, "another pitch")
        #expect(rule.continuesNote(at: 2) && rule.continuesNote(at: 3) && !rule.continuesNote(at: 1) && !rule.continuesNote(at: 0))
    }

    /// A guide over one roll 32 steps wide with `notes` decided onsets on C, E and G.
    func keyGuide(notes: Int, weight: Double) -> KeyGuide {
        let width = 32
        var cells = [UInt8](repeating: 0, count: 128 * width), decided = [Bool](repeating: false, count: 128 * width)
        for note in 0..<notes {
            let position = [60, 64, 67][note % 3] * width + note
            cells[position] = PianoRoll.Cell.firstOnsetCode
            decided[position] = true
        }
        return KeyGuide(cells: cells, decided: decided, width: width, weight: weight)
    }

    @Test("the key prior makes a new note outside the key rarer by its weight, once the roll has set a key")
    func keyPrior() {
        let logits: [Float] = [0, 0.5, 1]
        let penalty = Float(Foundation.log(0.1))
        let guide = keyGuide(notes: KeyGuide.minimumNotes, weight: 0.1)
        let sharp = 61 * 32 + 20, natural = 62 * 32 + 20
        let offScale = processed(logits, by: guide, at: DrawContext(position: sharp)).logits
        #expect(offScale == [0, 0.5 + penalty, 1 + penalty], "onset and sustain (which would start a note) of C♯")
        let holding = processed(logits, by: guide, at: DrawContext(position: sharp, followsSoundingNote: true)).logits
        #expect(holding == [0, 0.5, 1 + penalty], "a sustain continuing a note is left alone")
        #expect(processed(logits, by: guide, at: DrawContext(position: natural)).logits == logits, "D is in C major")
        #expect(processed(logits, by: keyGuide(notes: KeyGuide.minimumNotes - 1, weight: 0.1), at: DrawContext(position: sharp)).logits
            == logits, "too few notes to know the key")
        #expect(processed(logits, by: keyGuide(notes: 20, weight: 1), at: DrawContext(position: sharp)).logits == logits,
                "weight 1 leaves the model alone")
    }

    @Test("temperature divides the logits (the hold temperature after a sounding note) and turns them into weights")
    func temperature() {
        let logits: [Float] = [1, 0, -1]
        let hot = processed(logits, by: TemperatureScaling(temperature: 2, holdTemperature: 1)).drawWeights
        #expect(hot[0] == 1 && abs(hot[1] - exp(-0.5)) < 1e-12 && abs(hot[2] - exp(-1.0)) < 1e-12)
        let held = processed(logits, by: TemperatureScaling(temperature: 2, holdTemperature: 1),
                             at: DrawContext(position: 0, followsSoundingNote: true)).drawWeights
        #expect(abs(held[1] - exp(-1.0)) < 1e-12)
        #expect(DrawScores(logits: logits).drawWeights == processed(logits, by: TemperatureScaling(temperature: 1)).drawWeights,
                "without a temperature step a draw uses softmax(logits)")
    }

    @Test("the nucleus keeps the fewest most probable classes reaching top-p (ties in index order)")
    func nucleus() {
        let logits = [0.2, 0.7, 0.1].map { Float(Foundation.log($0)) }
        func kept(_ topP: Double, _ logits: [Float]) -> [Int] {
            let weights = processed(logits, by: Nucleus(topP: topP)).drawWeights
            return weights.indices.filter { weights[$0] > 0 }
        }
        #expect(kept(1, logits) == [0, 1, 2])
        #expect(kept(0.85, logits) == [0, 1])
        #expect(kept(0.5, logits) == [1])
        #expect(kept(0.5, [0, 0, 0, 0]) == [0, 1], "equal classes: the first ones")
    }
}
