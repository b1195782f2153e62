import Foundation
import Imaging

extension SetComparison {
    /// The colour of the reference set's curves.
    public static let referenceColor = RGBColor(hex: 0x1F77B4)
    /// The colour of the generated set's curves.
    public static let generatedColor = RGBColor(hex: 0xE8590C)

    /// A chart of the comparison: one panel per statistic, in a grid of four columns, each
    /// showing the two kernel density estimates (reference blue, generated orange, the area
    /// under each lightly tinted) over the comparison's grid, titled with the statistic's name
    /// and overlapping area, with the grid's ends under the x axis. A statistic that could not
    /// be compared has an empty panel marked "NO DATA". A legend and the mean OA head the chart.
    public func chart() -> RGBImage {
        let layout = ChartLayout(panelCount: entries.count)
        var image = RGBImage(width: layout.width, height: layout.height, fill: .white)
        let ink = RGBColor(hex: 0x222222)
        var legendX = ChartLayout.margin
        for (label, color) in [("REFERENCE", Self.referenceColor), ("GENERATED", Self.generatedColor)] {
            image.fillRectangle(x: legendX, y: 8, width: 20, height: 10, color: color)
            BitmapFont.draw(label, in: &image, x: legendX + 26, y: 8, scale: 2, color: ink)
            legendX += 26 + BitmapFont.width(of: label, scale: 2) + 24
        }
        let summary = "MEAN OA " + Self.chartNumber(meanOverlappingArea)
        BitmapFont.draw(summary, in: &image, x: legendX, y: 8, scale: 2, color: ink)

        for (index, entry) in entries.enumerated() {
            let frame = layout.panelFrame(index)
            let title = entry.statistic.rawValue + "  OA " + Self.chartNumber(entry.comparison?.overlappingArea ?? .nan)
            BitmapFont.draw(title, in: &image, x: frame.x, y: frame.y - ChartLayout.titleHeight, scale: 2, color: ink)
            image.strokeRectangle(x: frame.x - 1, y: frame.y - 1, width: frame.width + 2, height: frame.height + 2,
                                  color: RGBColor(hex: 0xBBBBBB))
            guard let comparison = entry.comparison else {
                BitmapFont.draw("NO DATA", in: &image, x: frame.x + 8, y: frame.y + frame.height / 2, scale: 2,
                                color: RGBColor(hex: 0x999999))
                continue
            }
            let reference = Self.columnMaxima(comparison.referenceDensity, columns: frame.width)
            let generated = Self.columnMaxima(comparison.generatedDensity, columns: frame.width)
            let peak = max(reference.max() ?? 0, generated.max() ?? 0)
            guard peak > 0 else { continue }
            for (curve, color) in [(reference, Self.referenceColor), (generated, Self.generatedColor)] {
                Self.drawCurve(curve, peak: peak, in: &image, frame: frame, color: color)
            }
            let grid = comparison.grid
            BitmapFont.draw(Self.chartNumber(grid.first!), in: &image, x: frame.x, y: frame.y + frame.height + 4,
                            scale: 1, color: ink)
            let end = Self.chartNumber(grid.last!)
            BitmapFont.draw(end, in: &image, x: frame.x + frame.width - BitmapFont.width(of: end, scale: 1),
                            y: frame.y + frame.height + 4, scale: 1, color: ink)
        }
        return image
    }

    /// Writes ``chart()`` to `url` as a PNG (to a temporary file first, then renamed over `url`).
    public func writeChart(to url: URL) throws(EvaluationError) {
        try chart().writeChartPNG(to: url)
    }

    /// The largest density sample falling in each of `columns` equal slices of the grid, so
    /// that a peak narrower than a pixel still shows.
    static func columnMaxima(_ density: [Double], columns: Int) -> [Double] {
        (0..<columns).map { column in
            let first = column * density.count / columns
            let last = max(first + 1, (column + 1) * density.count / columns)
            return density[first..<min(last, density.count)].max() ?? 0
        }
    }

    private static func drawCurve(_ curve: [Double], peak: Double, in image: inout RGBImage,
                                  frame: ChartLayout.Frame, color: RGBColor) {
        let bottom = frame.y + frame.height - 1
        var previous: Int?
        for (column, value) in curve.enumerated() {
            let x = frame.x + column
            let y = bottom - Int((value / peak * Double(frame.height - 2)).rounded())
            if y < bottom {
                for row in (y + 1)...bottom {
                    image[x, row] = image[x, row].mixed(with: color, by: 0.18)
                }
            }
            let top = min(y, previous ?? y), low = max(y, previous ?? y)
            image.fillRectangle(x: x, y: top, width: 1, height: low - top + 2, color: color)
            previous = y
        }
    }

    /// A number in at most about six characters, for chart labels.
    static func chartNumber(_ value: Double) -> String {
        value.isFinite ? String(format: "%.3g", value) : "-"
    }
}

extension RGBImage {
    /// Writes the chart as a PNG to `url` (to a temporary file first, then renamed over `url`).
    func writeChartPNG(to url: URL) throws(EvaluationError) {
        do {
            try writePNG(to: url)
        } catch {
            throw EvaluationError.writeFailed(url, reason: error.reason)
        }
    }
}

/// Where the panels of a comparison chart go.
struct ChartLayout {
    struct Frame {
        var x: Int
        var y: Int
        var width: Int
        var height: Int
    }

    static let columns = 4
    static let margin = 16
    static let legendHeight = 30
    static let titleHeight = 16
    static let plotWidth = 280
    static let plotHeight = 120
    static let axisHeight = 14
    static let gap = 20

    let rows: Int

    init(panelCount: Int) {
        rows = max(1, (panelCount + Self.columns - 1) / Self.columns)
    }

    var width: Int {
        2 * Self.margin + Self.columns * Self.plotWidth + (Self.columns - 1) * Self.gap
    }

    var height: Int {
        Self.legendHeight + rows * (Self.titleHeight + Self.plotHeight + Self.axisHeight) + (rows - 1) * Self.gap + Self.margin
    }

    /// The plotting area of panel `index` (titles above it, axis labels below).
    func panelFrame(_ index: Int) -> Frame {
        let row = index / Self.columns, column = index % Self.columns
        return Frame(
            x: Self.margin + column * (Self.plotWidth + Self.gap),
            y: Self.legendHeight + Self.titleHeight + row * (Self.titleHeight + Self.plotHeight + Self.axisHeight + Self.gap),
            width: Self.plotWidth, height: Self.plotHeight)
    }
}
