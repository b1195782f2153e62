import Engine
import PianoRoll

/// The patch grid of one generator level: the level's input region (rows = pitches,
/// columns = time steps) cut into square patches of side `patch`. Tokens are numbered
/// row-major on the actual grid: along time within a pitch band, then the next band
/// (token `t` is grid row `t / gridCols`, column `t % gridCols`). The grid is always known
/// from the input's rows and columns, never guessed from the token count.
public struct LevelGeometry: Sendable, Equatable {
    /// Rows (pitches) of one input item.
    public let inputRows: Int
    /// Columns (time steps) of one input item.
    public let inputCols: Int
    /// Side of the square patches.
    public let patch: Int

    /// A grid of `inputRows × inputCols` cells cut into `patch × patch` patches; both sides
    /// must be multiples of `patch`.
    public init(inputRows: Int, inputCols: Int, patch: Int) {
        precondition(patch > 0 && inputRows % patch == 0 && inputCols % patch == 0,
                     "a \(inputRows) × \(inputCols) input cannot be cut into \(patch) × \(patch) patches")
        self.inputRows = inputRows
        self.inputCols = inputCols
        self.patch = patch
    }

    /// Patch rows (pitch bands).
    public var gridRows: Int { inputRows / patch }
    /// Patch columns (time).
    public var gridCols: Int { inputCols / patch }
    /// Patches of one item.
    public var tokens: Int { gridRows * gridCols }
    /// Cells of one item.
    public var cellsPerItem: Int { inputRows * inputCols }
    /// Cells of one patch.
    public var cellsPerPatch: Int { patch * patch }
    /// Input features of one patch (3 per cell).
    public var featuresPerPatch: Int { PianoRoll.featuresPerCell * patch * patch }

    /// The tokens whose outputs a MAR level hands down with token `token`, in the order of the
    /// conditions: the token itself, then its top (previous pitch band), right (next time
    /// column), bottom (next pitch band) and left (previous time column) neighbours; `nil`
    /// past a border of the grid (the condition is zeros there).
    public func handDownSources(of token: Int) -> [Int?] {
        let row = token / gridCols, col = token % gridCols
        return [
            token,
            row > 0 ? token - gridCols : nil,
            col + 1 < gridCols ? token + 1 : nil,
            row + 1 < gridRows ? token + gridCols : nil,
            col > 0 ? token - 1 : nil,
        ]
    }

    /// `order` rearranged for a MAR level that draws from the end of its order: later time
    /// columns first in the array, so that earlier columns are drawn first; tokens of one
    /// column keep their relative order.
    public func drawingEarlierColumnsFirst(_ order: [Int]) -> [Int] {
        order.enumerated()
            .sorted { a, b in
                let columnA = a.element % gridCols, columnB = b.element % gridCols
                return columnA != columnB ? columnA > columnB : a.offset < b.offset
            }
            .map(\.element)
    }

    /// The tokens in the order an AR level visits them: `scanOrder[j]` is the token at scan
    /// position `j`. Row-major goes along time within a pitch band, then the next band;
    /// column-major goes across pitch bands within a time column, then the next column.
    public func scanOrder(_ order: ScanOrder) -> [Int] {
        switch order {
        case .rowMajor:
            return Array(0..<tokens)
        case .columnMajor:
            var result: [Int] = []
            result.reserveCapacity(tokens)
            for col in 0..<gridCols {
                for row in 0..<gridRows { result.append(row * gridCols + col) }
            }
            return result
        }
    }

    /// The index within an item of cell (`row`, `col`) of patch `token`.
    @inline(__always)
    func cellIndex(token: Int, row: Int, col: Int) -> Int {
        let patchRow = token / gridCols, patchCol = token % gridCols
        return (patchRow * patch + row) * inputCols + patchCol * patch + col
    }

    /// The cells of the chosen patches as items of the next level (`picks.count × patch²`,
    /// pitch-major within each patch).
    func extract<Element>(_ cells: [Element], picks: [PatchReference]) -> [Element] {
        var result: [Element] = []
        result.reserveCapacity(picks.count * cellsPerPatch)
        for pick in picks {
            let base = pick.item * cellsPerItem
            for row in 0..<patch {
                let start = base + cellIndex(token: pick.token, row: row, col: 0)
                result.append(contentsOf: cells[start..<(start + patch)])
            }
        }
        return result
    }

    /// Writes the next level's items (`picks.count × patch²`) back into their patches.
    func insert<Element>(_ patches: [Element], picks: [PatchReference], into cells: inout [Element]) {
        for (index, pick) in picks.enumerated() {
            let base = pick.item * cellsPerItem
            for row in 0..<patch {
                let start = base + cellIndex(token: pick.token, row: row, col: 0)
                let source = (index * patch + row) * patch
                for col in 0..<patch { cells[start + col] = patches[source + col] }
            }
        }
    }

    /// The lowest pitch patch `token` covers, in an item whose lowest pitch is `itemOrigin`
    /// (rows are pitches, row 0 the lowest): the patch's *pitch origin* as an item of the next level.
    public func pitchOrigin(ofToken token: Int, itemOrigin: Int) -> Int {
        itemOrigin + (token / gridCols) * patch
    }

    /// The pitch origins of the chosen patches as items of the next level, given those of
    /// this level's items.
    func pitchOrigins(of picks: [PatchReference], itemOrigins: [Int]) -> [Int] {
        picks.map { pitchOrigin(ofToken: $0.token, itemOrigin: itemOrigins[$0.item]) }
    }

    /// Whether every cell of patch `token` of item `item` is marked in `mask`.
    func isPatchFull(_ mask: [Bool], item: Int, token: Int) -> Bool {
        let base = item * cellsPerItem
        for row in 0..<patch {
            let start = base + cellIndex(token: token, row: row, col: 0)
            for col in 0..<patch where !mask[start + col] { return false }
        }
        return true
    }
}

/// One patch of one item of a level's batch.
struct PatchReference: Sendable, Equatable {
    var item: Int
    var token: Int
}

/// The model input features of cell codes: onset (0/1), active (0/1) and
/// velocity (bin centre / 127 on onsets, else 0).
struct CellFeatures: Sendable {
    /// Three floats per storage code 0…255.
    let table: [Float]

    init(velocityBins: Int) {
        var table = [Float](repeating: 0, count: 256 * 3)
        table[Int(PianoRoll.Cell.sustainCode) * 3 + 1] = 1
        let bins = (try? PianoRoll.VelocityBins(count: velocityBins)) ?? (try? PianoRoll.VelocityBins(count: PianoRoll.VelocityBins.defaultCount))
        if let bins {
            for bin in 0..<bins.count {
                let code = Int(PianoRoll.Cell.firstOnsetCode) + bin
                table[code * 3] = 1
                table[code * 3 + 1] = 1
                table[code * 3 + 2] = Float(bins.centreVelocity(ofBin: bin)) / 127
            }
        }
        self.table = table
    }

    /// The features of every patch of every item: `[items, tokens, 3·patch²]`, each patch's
    /// cells pitch-major, three features per cell.
    func patchFeatures(_ cells: [UInt8], items: Int, geometry: LevelGeometry) -> Tensor {
        let tokens = Array(0..<geometry.tokens)
        let values = features(cells, items: items, geometry: geometry, tokens: tokens)
        return Tensor(shape: [items, geometry.tokens, geometry.featuresPerPatch], scalars: values)
    }

    /// The features of one patch (`token`) of every item: `[items, 3·patch²]`.
    func patchFeatures(_ cells: [UInt8], items: Int, geometry: LevelGeometry, token: Int) -> Tensor {
        let values = features(cells, items: items, geometry: geometry, tokens: [token])
        return Tensor(shape: [items, geometry.featuresPerPatch], scalars: values)
    }

    /// The features of the given patches of every item, item-major then in `tokens` order.
    private func features(_ cells: [UInt8], items: Int, geometry: LevelGeometry, tokens: [Int]) -> [Float] {
        let p = geometry.patch
        var values = [Float](repeating: 0, count: items * tokens.count * geometry.featuresPerPatch)
        table.withUnsafeBufferPointer { table in
            cells.withUnsafeBufferPointer { cells in
                values.withUnsafeMutableBufferPointer { out in
                    var o = 0
                    for item in 0..<items {
                        let base = item * geometry.cellsPerItem
                        for token in tokens {
                            for row in 0..<p {
                                let start = base + geometry.cellIndex(token: token, row: row, col: 0)
                                for col in 0..<p {
                                    let code = Int(cells[start + col]) * 3
                                    out[o] = table[code]
                                    out[o + 1] = table[code + 1]
                                    out[o + 2] = table[code + 2]
                                    o += 3
                                }
                            }
                        }
                    }
                }
            }
        }
        return values
    }
}
