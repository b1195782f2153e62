import ArgumentParser
import Foundation
import PianoRoll
import Training

/// Fixed excerpts of real music, cut as the trainer's validation crops are: the reference set
/// generated pieces of the same length are compared with (`data crops`, `study patch-sizes`).
struct RealExcerpts {
    /// One excerpt: its file name (`SONG-cropK.mid`, K its place among the song's crops, 1
    /// beginning at the song's start) and its roll.
    struct Excerpt {
        let name: String
        let roll: PianoRoll
    }

    /// The excerpts chosen, in crop order.
    let excerpts: [Excerpt]
    /// How many songs they come from.
    let songCount: Int

    /// Up to four evenly spaced crops of `steps` steps per song of `dataset` (songs whose music,
    /// to the end of the last note, is shorter are left out), of which `count` spread evenly
    /// over all of them are kept. The same music always gives the same excerpts.
    ///
    /// - Throws: `ValidationError` naming `source`, the problem and `fix` when no song is long
    ///   enough; `DataError` from the crops.
    init(dataset: DecodedDataset, steps: Int, count: Int, source: String, fix: String) throws {
        let long = DecodedDataset(songs: dataset.songs.filter { $0.roll.endOfLastNote >= steps }, styles: dataset.styles,
                                  skipped: dataset.skipped)
        guard !long.songs.isEmpty else {
            throw ValidationError("\(source): no song is \(steps / 16) bars (\(steps) steps) long; \(fix)")
        }
        let crops = try ValidationCrops(dataset: long, cropLength: steps)
        let chosen = Self.spread(count, over: crops.origins.count)
        var firstCrop: [Int: Int] = [:]
        for (index, origin) in crops.origins.enumerated() where firstCrop[origin.song] == nil { firstCrop[origin.song] = index }
        excerpts = chosen.map { index in
            let origin = crops.origins[index]
            let song = long.songs[origin.song]
            let place = index - firstCrop[origin.song]! + 1
            let name = song.item.file.deletingPathExtension().lastPathComponent + "-crop\(place).mid"
            return Excerpt(name: name, roll: song.roll.cropped(steps: origin.start..<(origin.start + steps)))
        }
        songCount = Set(chosen.map { crops.origins[$0].song }).count
    }

    /// Writes every excerpt as MIDI into `folder` (created if missing).
    func write(into folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ValidationError("cannot create the output folder \(folder.path) (\(error.localizedDescription)); choose a writable folder")
        }
        for excerpt in excerpts {
            try excerpt.roll.writeMIDI(to: folder.appendingPathComponent(excerpt.name))
        }
    }

    /// `count` indices spread evenly over `0..<total` (all of them when `count` ≥ `total`).
    static func spread(_ count: Int, over total: Int) -> [Int] {
        guard count < total else { return Array(0..<total) }
        return (0..<count).map { $0 * total / count }
    }
}
