import Engine
import FractalModel
import NN
import PianoRoll

/// The loss over one batch and the numbers a trainer reports.
public struct BatchLoss: Sendable {
    /// The loss value (what the gradient is taken of).
    public var loss: Double
    /// The mean information per predicted cell in bits.
    public var bitsPerCell: Double
    /// The number of cells the loss covers (the weight of this batch in a mean over batches).
    public var cells: Int

    /// A loss over `cells` cells.
    public init(loss: Double, bitsPerCell: Double, cells: Int) {
        self.loss = loss
        self.bitsPerCell = bitsPerCell
        self.cells = cells
    }
}

/// What ``Trainer`` needs of a model: its parameters (as a ``Layer``), a training step that
/// adds the gradient of its loss to the parameters and draws its random choices (masks,
/// dropout, label drops) from a given generator, and a validation loss whose random choices
/// are fixed by a seed, so the same weights always get the same validation result.
public protocol TrainableModel: Layer {
    /// Computes the loss of one training batch and adds its gradient, times `gradientScale`,
    /// to the parameters' gradients; every random choice comes from `random`.
    func trainingStep(batch: Batch, gradientScale: Float, random: inout Engine.RandomGenerator) -> BatchLoss
    /// The loss of one validation batch with random choices fixed by `seed` (no dropout).
    func validationLoss(batch: Batch, seed: UInt64) -> BatchLoss
}

extension FractalGenerativeModel: TrainableModel {
    /// The model's training step on `batch`. Unlabeled rolls (class −1) count as class 0,
    /// the only class of a model with `num_classes` 1.
    public func trainingStep(batch: Batch, gradientScale: Float, random: inout Engine.RandomGenerator) -> BatchLoss {
        let result = trainingStep(cells: batch.codes, labels: Self.modelLabels(batch.labels), width: batch.steps,
                                  gradientScale: gradientScale, rng: &random)
        return BatchLoss(loss: result.loss, bitsPerCell: result.bitsPerCell, cells: result.cells)
    }

    /// The model's deterministic evaluation loss on `batch` with masks drawn from `seed`.
    public func validationLoss(batch: Batch, seed: UInt64) -> BatchLoss {
        let result = evaluationLoss(cells: batch.codes, labels: Self.modelLabels(batch.labels), width: batch.steps, seed: seed)
        return BatchLoss(loss: result.loss, bitsPerCell: result.bitsPerCell, cells: result.cells)
    }

    private static func modelLabels(_ labels: [Int32]) -> [Int32] {
        labels.map { max($0, 0) }
    }
}
