import Evaluation
import Foundation
import FractalModel
import Training

/// A trained model's bits per cell on some music beside that music's baseline, the entropy of
/// its cells' marginal distribution (what `eval --checkpoint CKPT --data LIST` reports).
///
/// The model is scored exactly as the trainer validates: up to four fixed crops per song of
/// the checkpoint's crop length, masks drawn from fixed seeds
/// (``ValidationCrops/bitsPerCell(of:batchSize:)``), so the result equals the run's
/// validation figure when `--data` is its validation list.
struct CheckpointLikelihood {
    /// The checkpoint folder that was scored (a run's best checkpoint when a run is given).
    let checkpoint: URL
    /// The model's mean bits per predicted cell over the crops.
    let bitsPerCell: Double
    /// The entropy in bits of the cell classes of the songs' whole rolls.
    let baselineBitsPerCell: Double
    /// Songs read, crops scored and cells predicted.
    let songs: Int, crops: Int, cells: Int

    /// Scores the checkpoint at `checkpointPath` (a run folder: its best checkpoint) on the music
    /// at `dataPath` (a file list or a folder), whose style labels must be the model's styles.
    static func measure(checkpoint checkpointPath: String, data dataPath: String) throws -> CheckpointLikelihood {
        let checkpoint = try Checkpoint.load(from: URL(fileURLWithPath: checkpointPath), choosing: .best)
        let config = checkpoint.config
        let model = FractalGenerativeModel(config: config, seed: 0)
        try checkpoint.loadParameters(into: model)
        let dataset = try TrainerData.decode(dataPath, title: "evaluation data", config: config, styles: checkpoint.state.styles ?? [])
        let crops = try ValidationCrops(dataset: dataset, cropLength: config.data.cropLength)
        let score = crops.bitsPerCell(of: model, batchSize: config.training.valBatchSize)
        let baseline = try CellDistribution(rolls: dataset.songs.map(\.roll)).bitsPerCell
        return CheckpointLikelihood(checkpoint: checkpoint.directory, bitsPerCell: score.bitsPerCell,
                                    baselineBitsPerCell: baseline, songs: dataset.songs.count,
                                    crops: crops.origins.count, cells: score.cells)
    }

    /// The result in two lines for people.
    var summary: String {
        String(format: "model bits per cell: %.4f (%@: %d crops of %d songs, %d cells)\n", bitsPerCell,
               checkpoint.path, crops, songs, cells)
            + String(format: "baseline bits per cell: %.4f (the entropy of the data's cell classes); the model needs %.1f%% of it\n",
                     baselineBitsPerCell, 100 * bitsPerCell / baselineBitsPerCell)
    }

    /// The JSON keys this result adds.
    var jsonObject: [String: Any] {
        ["bits_per_cell": bitsPerCell, "baseline_bits_per_cell": baselineBitsPerCell, "checkpoint": checkpoint.path,
         "songs": songs, "crops": crops, "cells": cells]
    }
}
