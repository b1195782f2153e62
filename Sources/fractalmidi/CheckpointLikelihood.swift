import Evaluation
import Foundation
import FractalModel
import ModelStore
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
    /// The songs without a style label, scored as the model's default style.
    let unlabeledSongs: Int
    /// The class the unlabeled songs were scored as, and its name (nil for unnamed classes).
    let defaultClass: Int, defaultStyle: String?

    /// Scores the checkpoint at `checkpointPath` (a run folder: its best checkpoint) on the music
    /// at `dataPath` (a file list or a folder), whose style labels must be the model's styles.
    /// Songs without a label are scored as the model's default style (the style generation
    /// uses when none is asked for), not as class 0.
    static func measure(checkpoint checkpointPath: String, data dataPath: String) throws -> CheckpointLikelihood {
        let trained = try TrainedModel.load(from: URL(fileURLWithPath: checkpointPath))
        let config = trained.config
        var dataset = try TrainerData.decode(dataPath, title: "evaluation data", config: config, styles: trained.styles)
        let defaultClass = trained.defaultStyleClass
        let unlabeled = dataset.songs.filter { $0.classIndex == MusicDataset.unlabeledClass }.count
        for index in dataset.songs.indices where dataset.songs[index].classIndex == MusicDataset.unlabeledClass {
            dataset.songs[index].classIndex = Int32(defaultClass)
        }
        let crops = try ValidationCrops(dataset: dataset, cropLength: config.data.cropLength)
        let score = crops.bitsPerCell(of: trained.model, batchSize: config.training.valBatchSize)
        let baseline = try CellDistribution(rolls: dataset.songs.map(\.roll)).bitsPerCell
        return CheckpointLikelihood(checkpoint: trained.directory ?? URL(fileURLWithPath: checkpointPath), bitsPerCell: score.bitsPerCell,
                                    baselineBitsPerCell: baseline, songs: dataset.songs.count,
                                    crops: crops.origins.count, cells: score.cells, unlabeledSongs: unlabeled,
                                    defaultClass: defaultClass,
                                    defaultStyle: trained.styleName(ofClass: defaultClass))
    }

    /// One line saying which style the songs were scored as.
    var styleLine: String {
        let style = defaultStyle.map { "style \($0) (class \(defaultClass))" } ?? "class \(defaultClass)"
        if unlabeledSongs == 0 { return "styles: every song scored as its label's style\n" }
        let songs = unlabeledSongs == songs ? "every song is unlabeled" : "\(unlabeledSongs) of \(songs) songs are unlabeled"
        return "styles: \(songs) and scored as the model's default \(style); label a list's lines (file<TAB>style) to choose\n"
    }

    /// The result in three lines for people.
    var summary: String {
        styleLine + String(format: "model bits per cell: %.4f (%@: %d crops of %d songs, %d cells)\n", bitsPerCell,
               checkpoint.path, crops, songs, cells)
            + String(format: "baseline bits per cell: %.4f (the entropy of the data's cell classes); the model needs %.1f%% of it\n",
                     baselineBitsPerCell, 100 * bitsPerCell / baselineBitsPerCell)
    }

    /// The JSON keys this result adds.
    var jsonObject: [String: Any] {
        ["bits_per_cell": bitsPerCell, "baseline_bits_per_cell": baselineBitsPerCell, "checkpoint": checkpoint.path,
         "songs": songs, "crops": crops, "cells": cells, "unlabeled_songs": unlabeledSongs,
         "unlabeled_class": defaultClass, "unlabeled_style": defaultStyle ?? NSNull()]
    }
}
