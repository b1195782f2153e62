import Engine
import Foundation
import Testing

@Suite struct LayerOpsTests {
    @Test func geluMatchesExactErfForm() {
        let x = Tensor(shape: [9], scalars: [-6, -3, -1.5, -0.5, 0, 0.3, 1, 2.5, 7])
        for (input, output) in zip(x.scalars, x.gelu().scalars) {
            let exact = 0.5 * Double(input) * (1 + erf(Double(input) / 2.0.squareRoot()))
            #expect(abs(Double(output) - exact) < 1e-6 * max(1, abs(exact)), "gelu(\(input))")
        }
        checkGradients([randomTensor([4, 5], seed: 20, scale: 2)]) { t in t[0].gelu() }
    }

    @Test func softmaxValuesAndGradients() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, -1, 0, 1000])
        let y = x.softmax().scalars
        let e = [exp(-2.0), exp(-1.0), 1.0]
        for i in 0..<3 { #expect(abs(Double(y[i]) - e[i] / e.reduce(0, +)) < 1e-6) }
        #expect(y[5] == 1 && y[3] == 0)
        let logY = x.logSoftmax().scalars
        #expect(abs(Double(logY[2]) - Foundation.log(1 / e.reduce(0, +))) < 1e-5)
        #expect(logY[5] == 0)
        let a = randomTensor([3, 11], seed: 21)
        checkGradients([a]) { t in t[0].softmax() }
        checkGradients([a]) { t in t[0].logSoftmax() }
        let b = randomTensor([2, 4, 3], seed: 22)
        checkGradients([b]) { t in t[0].softmax(alongAxis: 1) }
    }

    @Test func layerNormMatchesDoubleReference() {
        let x = randomTensor([3, 13], seed: 23, scale: 3)
        let w = randomTensor([13], seed: 24)
        let b = randomTensor([13], seed: 25)
        let y = x.layerNorm(weight: w, bias: b).scalars
        let xs = x.scalars.map(Double.init), ws = w.scalars, bs = b.scalars
        for row in 0..<3 {
            let r = Array(xs[(row * 13)..<(row * 13 + 13)])
            let mean = r.reduce(0, +) / 13
            let variance = r.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 13
            for i in 0..<13 {
                let expected = (r[i] - mean) / (variance + 1e-5).squareRoot() * Double(ws[i]) + Double(bs[i])
                #expect(abs(Double(y[row * 13 + i]) - expected) < 1e-5)
            }
        }
        checkGradients([x, w, b]) { t in t[0].layerNorm(weight: t[1], bias: t[2]) }
        checkGradients([randomTensor([2, 3, 20], seed: 26)]) { t in t[0].layerNorm(weight: nil, bias: nil) }
    }

    @Test func crossEntropyIsWeightedMean() {
        let logits = randomTensor([4, 5], seed: 27)
        let targets: [Int32] = [0, 3, 4, 1]
        let weights: [Float] = [1, 0, 2, 0.5]
        let loss = Tensor.crossEntropy(logits: logits, targets: targets, weights: weights).item
        let logP = logits.logSoftmax().scalars
        var expected: Double = 0
        for row in 0..<4 { expected -= Double(weights[row]) * Double(logP[row * 5 + Int(targets[row])]) }
        expected /= 3.5
        #expect(abs(Double(loss) - expected) < 1e-5)
        checkGradients([logits]) { t in Tensor.crossEntropy(logits: t[0], targets: targets, weights: weights) }
        checkGradients([logits]) { t in Tensor.crossEntropy(logits: t[0], targets: targets) }
        let none = Tensor.crossEntropy(logits: logits, targets: targets, weights: [0, 0, 0, 0])
        #expect(none.item == 0)
    }

    @Test("cross-entropy's gradient stays right when tensors of its size are made between forward and backward")
    func crossEntropyGradientOutlivesOtherAllocations() {
        let logits = randomTensor([6, 7], seed: 28)
        let targets: [Int32] = [0, 6, 2, 3, 1, 5]
        let probabilities = logits.softmax().scalars
        let loss = Engine.withGradients { Tensor.crossEntropy(logits: logits, targets: targets) }
        // Buffers of the log-probabilities' size, taken from the pool and overwritten.
        let others = (0..<4).map { _ in Tensor(shape: [6, 7], repeating: 1e6) }
        loss.backward()
        withExtendedLifetime(others) {}
        let gradient = logits.grad?.scalars ?? []
        var worst: Float = gradient.count == 42 ? 0 : .infinity
        for (index, value) in gradient.enumerated() {
            let onTarget: Float = Int32(index % 7) == targets[index / 7] ? 1 : 0
            worst = max(worst, abs(value - (probabilities[index] - onTarget) / 6))
        }
        #expect(worst < 1e-6)
    }

    @Test func dropoutIsSeededAndScaled() {
        let x = Tensor.ones([1000], requiresGrad: true)
        var g1 = Engine.RandomGenerator(seed: 5), g2 = Engine.RandomGenerator(seed: 5)
        let a = x.dropout(probability: 0.25, generator: &g1).scalars
        let b = x.dropout(probability: 0.25, generator: &g2).scalars
        #expect(a == b)
        #expect(Set(a) == [0, Float(1) / 0.75])
        let dropped = a.filter { $0 == 0 }.count
        #expect(dropped > 200 && dropped < 300)
        let c = x.dropout(probability: 0.25, generator: &g1).scalars
        #expect(c != a)
        var g3 = Engine.RandomGenerator(seed: 5)
        let y = Engine.withGradients { x.dropout(probability: 0.25, generator: &g3).sum() }
        y.backward()
        #expect(x.grad?.scalars == a)
    }

    @Test("dropout recorded for the backward gives the bits of dropout in inference, and its gradient uses the same mask")
    func recordedDropout() {
        let x = randomTensor([5, 13], seed: 32)   // 65 elements: a tail after the whole bytes
        let weights = randomTensor([5, 13], seed: 33, requiresGrad: false)
        var g1 = Engine.RandomGenerator(seed: 8), g2 = Engine.RandomGenerator(seed: 8)
        let plain = x.dropout(probability: 0.4, generator: &g1).scalars
        let recorded = Engine.withGradients { x.dropout(probability: 0.4, generator: &g2) }
        #expect(recorded.scalars.map(\.bitPattern) == plain.map(\.bitPattern))
        Engine.withGradients { (recorded * weights).sum() }.backward()
        let keep = 1 / (1 - Float(0.4))
        let expected = zip(x.scalars, plain).enumerated().map { index, pair in
            pair.1 == 0 && pair.0 != 0 ? Float(0) : weights.scalars[index] * keep
        }
        let dropped = plain.filter { $0 == 0 }.count
        #expect(dropped > 10 && dropped < 45)
        #expect(x.grad?.scalars == expected)
    }

    @Test func indexingGradients() {
        let table = randomTensor([5, 3], seed: 28)
        let indices: [Int32] = [4, 0, 4, 2]
        let rows = table.embedding(indices: indices, indexShape: [2, 2])
        #expect(rows.shape == [2, 2, 3])
        #expect(Array(rows.scalars.prefix(3)) == Array(table.scalars[12..<15]))
        checkGradients([table]) { t in t[0].embedding(indices: indices, indexShape: [4]) }
        let a = randomTensor([2, 5, 3], seed: 29)
        checkGradients([a]) { t in t[0].indexSelect(alongAxis: 1, indices: [1, 1, 3]) }
        let source = randomTensor([2, 3, 3], seed: 30)
        checkGradients([a, source]) { t in t[0].scatterAdd(alongAxis: 1, indices: [4, 0, 4], source: t[1]) }
        let base = Tensor.zeros([3, 2])
        let added = base.scatterAdd(alongAxis: 0, indices: [2, 2], source: Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]))
        #expect(added.scalars == [0, 0, 0, 0, 4, 6])
    }

    @Test func maskedFillAndSelect() {
        let x = randomTensor([2, 3], seed: 31)
        let mask = Tensor(shape: [1, 3], scalars: [1, 0, 1])
        let filled = x.maskedFill(mask, with: -5).scalars
        #expect(filled[0] == -5 && filled[1] == x.scalars[1] && filled[5] == -5)
        checkGradients([x]) { t in t[0].maskedFill(mask, with: 2) }
        let y = randomTensor([3], seed: 32)
        checkGradients([x, y]) { t in Tensor.select(where: mask, t[0], t[1]) }
        checkGradients([x]) { t in t[0].expanded(to: [4, 2, 3]) }
    }
}

@Suite struct BinaryLossTests {
    @Test func binaryCrossEntropyMatchesDefinition() {
        let logits = randomTensor([2, 3], seed: 33, scale: 3)
        let targets: [Float] = [1, 0, 0.5, 1, 0, 1]
        let weights: [Float] = [1, 2, 0, 1, 1, 0.5]
        let loss = Tensor.binaryCrossEntropy(logits: logits, targets: targets, weights: weights).item
        var expected = 0.0
        for (i, x) in logits.scalars.enumerated() {
            let p = 1 / (1 + Foundation.exp(-Double(x)))
            expected -= Double(weights[i]) * (Double(targets[i]) * Foundation.log(p) + (1 - Double(targets[i])) * Foundation.log(1 - p))
        }
        expected /= 5.5
        #expect(abs(Double(loss) - expected) < 1e-5)
        checkGradients([logits]) { t in Tensor.binaryCrossEntropy(logits: t[0], targets: targets, weights: weights) }
        checkGradients([logits]) { t in t[0].sigmoid() }
        let probabilities = logits.sigmoid().scalars
        for (p, x) in zip(probabilities, logits.scalars) { #expect(abs(Double(p) - 1 / (1 + Foundation.exp(-Double(x)))) < 1e-6) }
    }
}
