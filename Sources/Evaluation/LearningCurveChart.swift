import Foundation
import Imaging

/// Validation curves of several training runs side by side: one panel against optimizer steps,
/// one against training time, a line and a colour per run, for comparing runs at equal steps
/// and at equal wall-clock time.
public struct LearningCurveChart: Sendable {
    /// One validation result of a run.
    public struct Point: Sendable, Equatable {
        /// The optimizer step.
        public var step: Int
        /// Seconds of training up to that step.
        public var seconds: Double
        /// The validation result in bits per cell.
        public var bitsPerCell: Double

        /// A point at `step` after `seconds` of training.
        public init(step: Int, seconds: Double, bitsPerCell: Double) {
            self.step = step
            self.seconds = seconds
            self.bitsPerCell = bitsPerCell
        }
    }

    /// One run's curve.
    public struct Curve: Sendable, Equatable {
        /// The legend's name of the run.
        public var label: String
        /// The run's validation results, in step order.
        public var points: [Point]

        /// A curve named `label`.
        public init(label: String, points: [Point]) {
            self.label = label
            self.points = points
        }
    }

    /// The curves, drawn in the order given.
    public let curves: [Curve]

    /// The colours of the curves, in order (repeated when there are more curves).
    public static let palette: [RGBColor] = [
        RGBColor(hex: 0x1F77B4), RGBColor(hex: 0xE8590C), RGBColor(hex: 0x2CA02C), RGBColor(hex: 0xD62728),
        RGBColor(hex: 0x9467BD), RGBColor(hex: 0x8C564B),
    ]

    /// A chart of `curves`.
    public init(curves: [Curve]) {
        self.curves = curves
    }

    static let margin = 16, legendHeight = 30, titleHeight = 16, plotWidth = 420, plotHeight = 240, axisHeight = 30, gap = 48

    /// The chart: a legend, then the panel against steps and the panel against minutes of
    /// training, each titled, with the ranges of both axes written at their ends. A panel
    /// without a single point says "NO DATA".
    public func chart() -> RGBImage {
        let width = 2 * Self.margin + 2 * Self.plotWidth + Self.gap
        let height = Self.legendHeight + Self.titleHeight + Self.plotHeight + Self.axisHeight + Self.margin
        var image = RGBImage(width: width, height: height, fill: .white)
        let ink = RGBColor(hex: 0x222222)
        var legendX = Self.margin
        for (index, curve) in curves.enumerated() {
            image.fillRectangle(x: legendX, y: 8, width: 20, height: 10, color: Self.color(index))
            BitmapFont.draw(curve.label, in: &image, x: legendX + 26, y: 8, scale: 2, color: ink)
            legendX += 26 + BitmapFont.width(of: curve.label, scale: 2) + 24
        }
        let panels: [(title: String, x: (Point) -> Double)] = [
            ("VALIDATION BITS/CELL VS STEPS", { Double($0.step) }),
            ("VALIDATION BITS/CELL VS TRAINING MINUTES", { $0.seconds / 60 }),
        ]
        let all = curves.flatMap(\.points)
        for (index, panel) in panels.enumerated() {
            let frameX = Self.margin + index * (Self.plotWidth + Self.gap)
            let frameY = Self.legendHeight + Self.titleHeight
            BitmapFont.draw(panel.title, in: &image, x: frameX, y: frameY - Self.titleHeight, scale: 2, color: ink)
            image.strokeRectangle(x: frameX - 1, y: frameY - 1, width: Self.plotWidth + 2, height: Self.plotHeight + 2,
                                  color: RGBColor(hex: 0xBBBBBB))
            guard let xs = Self.range(all.map(panel.x)), let ys = Self.range(all.map(\.bitsPerCell)) else {
                BitmapFont.draw("NO DATA", in: &image, x: frameX + 8, y: frameY + Self.plotHeight / 2, scale: 2,
                                color: RGBColor(hex: 0x999999))
                continue
            }
            func pixel(_ x: Double, _ y: Double) -> (Int, Int) {
                (frameX + Int(((x - xs.lowerBound) / (xs.upperBound - xs.lowerBound) * Double(Self.plotWidth - 1)).rounded()),
                 frameY + Int(((ys.upperBound - y) / (ys.upperBound - ys.lowerBound) * Double(Self.plotHeight - 1)).rounded()))
            }
            for (curveIndex, curve) in curves.enumerated() {
                let color = Self.color(curveIndex)
                var previous: (Int, Int)?
                for point in curve.points {
                    let current = pixel(panel.x(point), point.bitsPerCell)
                    image.fillRectangle(x: current.0 - 2, y: current.1 - 2, width: 5, height: 5, color: color)
                    if let previous { Self.drawLine(from: previous, to: current, in: &image, color: color) }
                    previous = current
                }
            }
            let below = frameY + Self.plotHeight + 4
            BitmapFont.draw(Self.number(xs.lowerBound), in: &image, x: frameX, y: below, scale: 2, color: ink)
            let end = Self.number(xs.upperBound)
            BitmapFont.draw(end, in: &image, x: frameX + Self.plotWidth - BitmapFont.width(of: end, scale: 2), y: below,
                            scale: 2, color: ink)
            BitmapFont.draw(Self.number(ys.upperBound), in: &image, x: frameX + 4, y: frameY + 4, scale: 1, color: ink)
            BitmapFont.draw(Self.number(ys.lowerBound), in: &image, x: frameX + 4, y: frameY + Self.plotHeight - 10,
                            scale: 1, color: ink)
        }
        return image
    }

    /// Writes ``chart()`` to `url` as a PNG (to a temporary file first, then renamed over `url`).
    public func writeChart(to url: URL) throws(EvaluationError) {
        try chart().writeChartPNG(to: url)
    }

    static func color(_ index: Int) -> RGBColor {
        palette[index % palette.count]
    }

    /// The range of `values` widened to a nonzero span (nil when there are none).
    static func range(_ values: [Double]) -> ClosedRange<Double>? {
        guard let low = values.min(), let high = values.max(), low.isFinite, high.isFinite else { return nil }
        let pad = high > low ? (high - low) * 0.05 : max(abs(low) * 0.05, 0.01)
        return (low - pad)...(high + pad)
    }

    static func number(_ value: Double) -> String {
        String(format: "%.3g", value)
    }

    /// A one-pixel line from `start` to `end` (Bresenham), clipped to the image.
    static func drawLine(from start: (Int, Int), to end: (Int, Int), in image: inout RGBImage, color: RGBColor) {
        var (x, y) = start
        let dx = abs(end.0 - x), dy = -abs(end.1 - y)
        let stepX = x < end.0 ? 1 : -1, stepY = y < end.1 ? 1 : -1
        var error = dx + dy
        while true {
            image.fillRectangle(x: x, y: y, width: 1, height: 1, color: color)
            if x == end.0 && y == end.1 { break }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x += stepX }
            if doubled <= dx { error += dx; y += stepY }
        }
    }
}
