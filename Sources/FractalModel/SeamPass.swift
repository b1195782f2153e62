import PianoRoll

/// The second pass of sampling, which redraws the cells beside level 0's patch borders in
/// time (the *seams*).
///
/// A level-0 patch's lower levels see the patch before it only through one condition token,
/// so they cannot tell which of its notes still sound at the border: without this pass,
/// generated notes end at a seam far more often than real ones do. This pass moves every roll `shift` steps (half a patch, a whole number of beats,
/// so the grid keeps its phase as in training, where crops start on any beat) to the right,
/// so that each seam lies in the middle of a patch, and draws again the cells within
/// `halfBand` steps of it (a quarter patch each side; in the bands of pitches that sound
/// there) with every other cell known: the lower levels now see both sides of the seam
/// directly. Known cells (a prompt, the kept part of an inpainting) are never redrawn. The
/// shifted rolls start with `shift` silent steps and lose their last `shift`, which only the
/// context of the last seam misses. (Why there is no such pass across pitch borders: the
/// model card's sampling studies.)
struct SeamPass {
    /// Rolls of `width` steps, pitch-major.
    let width: Int
    /// The level-0 patch side in steps.
    let patch: Int

    /// The pass for rolls of `width` steps cut into level-0 patches of `patch` steps, or nil
    /// when there is no seam or half a patch is not a whole number of beats.
    init?(width: Int, patch: Int) {
        guard patch % (2 * PianoRoll.stepsPerBeat) == 0, width > patch else { return nil }
        self.width = width
        self.patch = patch
    }

    /// Steps the rolls move right during the pass.
    var shift: Int { patch / 2 }
    /// Steps redrawn on each side of a seam.
    var halfBand: Int { patch / 4 }

    /// Whether step `step` of a roll lies within ``halfBand`` steps of a seam.
    func isNearSeam(_ step: Int) -> Bool {
        let column = step / patch, offset = step % patch
        return (column > 0 && offset < halfBand) || (column < width / patch - 1 && offset >= patch - halfBand)
    }

    /// `values` (rolls of `width` steps, pitch-major) moved ``shift`` steps right, with
    /// `padding` in the steps that open each pitch row.
    func shifted<Value>(_ values: [Value], padding: Value) -> [Value] {
        var result = [Value](repeating: padding, count: values.count)
        for row in stride(from: 0, to: values.count, by: width) {
            for step in shift..<width { result[row + step] = values[row + step - shift] }
        }
        return result
    }

    /// The canvas of the pass: `cells` shifted, with the cells to draw again unknown (and
    /// zero): those within ``halfBand`` steps of a seam that are not in `known`, in every
    /// patch-high band of pitches (`patch` pitches, as level 0 cuts them) where some cell near
    /// that seam sounds. A band silent around a seam broke no note there and is left as it is,
    /// which spares about half the pass in a piece that spans three or four bands; within a
    /// sounding band every pitch is drawn again, so the pass can add notes as well as remove
    /// them (drawing only the sounding pitches again thinned the music by a tenth).
    func canvas(cells: [UInt8], known: [Bool], items: Int) -> Canvas {
        var redrawn = [Bool](repeating: false, count: cells.count)
        for band in stride(from: 0, to: cells.count, by: patch * width) {
            let rows = stride(from: band, to: band + patch * width, by: width)
            for seam in stride(from: patch, to: width, by: patch) {
                let steps = (seam - halfBand)..<(seam + halfBand)
                guard rows.contains(where: { row in steps.contains { cells[row + $0] != PianoRoll.Cell.silentCode } }) else { continue }
                for row in rows {
                    for step in steps where !known[row + step] { redrawn[row + step] = true }
                }
            }
        }
        let cells = shifted(zip(cells, redrawn).map { $1 ? 0 : $0 }, padding: 0)
        let known = shifted(redrawn.map { !$0 }, padding: true)
        return Canvas(items: items, cells: cells, known: known, pitchOrigins: [Int](repeating: 0, count: items),
                      rollIndices: Array(0..<cells.count))
    }

    /// Copies the cells near each seam from the pass's shifted `redrawn` cells into `cells`.
    func merge(_ redrawn: [UInt8], into cells: inout [UInt8]) {
        for row in stride(from: 0, to: cells.count, by: width) {
            for step in 0..<(width - shift) where isNearSeam(step) { cells[row + step] = redrawn[row + step + shift] }
        }
    }
}
