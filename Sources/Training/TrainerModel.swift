import Engine
import FractalModel
import NN
import PianoRoll

/// A loss over one batch: the scalar to differentiate and the numbers a trainer reports.
public struct BatchLoss {
    /// The scalar loss (recorded on the tape during training).
    public var loss: Tensor
    /// The mean information per predicted cell in bits.
    public var bitsPerCell: Double
    /// The number of cells the loss covers (the weight of this batch in a mean over batches).
    public var cells: Int

    /// A loss over `cells` cells.
    public init(loss: Tensor, bitsPerCell: Double, cells: Int) {
        self.loss = loss
        self.bitsPerCell = bitsPerCell
        self.cells = cells
    }
}

/// What ``Trainer`` needs of a model: its parameters (as a ``Layer``), a training loss that
/// draws its random choices (masks, dropout, label drops) from a given generator, and a
/// validation loss whose random choices are fixed by a seed, so the same weights always get
/// the same validation result.
public protocol TrainableModel: Layer {
    /// The loss of one training batch; every random choice comes from `random`.
    func trainingLoss(batch: Batch, random: inout Engine.RandomGenerator) -> BatchLoss
    /// The loss of one validation batch with random choices fixed by `seed` (no dropout).
    func validationLoss(batch: Batch, seed: UInt64) -> BatchLoss
}

/// A model that can also write music, for the trainer's previews.
public protocol PreviewableModel: TrainableModel {
    /// `count` new rolls, with every random choice fixed by `seed`.
    func samplePreviews(count: Int, seed: UInt64) -> [PianoRoll]
}

extension FractalGenerativeModel: TrainableModel {
    /// The model's training loss on `batch`. Unlabeled rolls (class −1) count as class 0,
    /// the only class of a model with `num_classes` 1.
    public func trainingLoss(batch: Batch, random: inout Engine.RandomGenerator) -> BatchLoss {
        let result = trainingLoss(cells: batch.codes, labels: Self.modelLabels(batch.labels), width: batch.steps, rng: &random)
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
