import Engine
import ModelStore
import PianoRoll

extension DynamicsTable {
    /// The table of `dataset`'s songs, cut into crops of `cropLength` steps as
    /// ``ValidationCrops`` cuts them (crops with fewer than ``minimumNotesPerCrop`` notes left
    /// out). Values are rounded to 0.01.
    public init(dataset: DecodedDataset, cropLength: Int) throws(DataError) {
        var crops: [Int32: [PieceDynamics]] = [:]
        for origin in try ValidationCrops(dataset: dataset, cropLength: cropLength).origins {
            let song = dataset.songs[origin.song]
            let dynamics = PieceDynamics(of: song.roll, steps: origin.start..<(origin.start + cropLength),
                                         minimumNotes: Self.minimumNotesPerCrop)
            if let dynamics { crops[song.classIndex, default: []].append(dynamics) }
        }
        let rounded = { (value: Double) in (value * 100).rounded() / 100 }
        let styles = crops.keys.sorted { ($0 < 0 ? Int32.max : $0) < ($1 < 0 ? Int32.max : $1) }.map { classIndex in
            let all = crops[classIndex]!
            let kept = all.count <= Self.maximumCropsPerStyle
                ? all
                : (0..<Self.maximumCropsPerStyle).map { all[$0 * all.count / Self.maximumCropsPerStyle] }
            let name = dataset.styles.indices.contains(Int(classIndex)) ? dataset.styles[Int(classIndex)] : nil
            return Style(style: name, meanVelocities: kept.map { rounded($0.meanVelocity) },
                         velocitySpreads: kept.map { rounded($0.velocitySpread) })
        }
        self.init(styles: styles)
    }
}
