import Imaging

/// Draws a ``PianoRoll`` as a picture: time runs left to right (one column of cells per
/// step), pitch bottom to top (one row per pitch), on a dark background with a faint grid.
///
/// Each note is a bar coloured by its velocity, from dark blue (soft) through green to red
/// (loud). The onset cell is drawn in the full colour with a light leading edge; the sustain
/// cells after it are a darker shade, so repeated notes stay distinguishable from held ones.
/// Rows of the black keys are a little darker than those of the white keys, a line marks each
/// octave (below every C), thin vertical lines mark the beats and brighter ones the bars
/// (fewer of them when they would lie closer than 8 pixels).
///
/// ```swift
/// let renderer = try PianoRollRenderer(.init(scale: 3))
/// try renderer.render(roll).writePNG(to: URL(fileURLWithPath: "roll.png"))
/// ```
public struct PianoRollRenderer: Sendable {
    /// What to draw and how large.
    public struct Options: Sendable, Hashable {
        /// The scales allowed: each cell is `scale` × `scale` pixels.
        public static let allowedScales: ClosedRange<Int> = 1...32
        /// The semitones shown below the lowest and above the highest note when the pitch
        /// range is chosen automatically.
        public static let pitchMargin = 2

        /// The size of a cell in pixels (a square of `scale` × `scale`).
        public let scale: Int
        /// The pitches shown, bottom row to top row; nil shows the pitches the roll plays (and
        /// the outlined regions cover) with ``pitchMargin`` semitones to spare.
        public let pitchRange: ClosedRange<Int>?
        /// Regions outlined on top of the picture, for example those to be inpainted.
        public let outlinedRegions: [Region]

        /// Options for drawing; throws when `scale` lies outside ``allowedScales`` or the pitch
        /// range leaves the keyboard (MIDI pitches 0…127).
        public init(scale: Int = 1, pitchRange: ClosedRange<Int>? = nil, outlinedRegions: [Region] = [])
            throws(PianoRollRenderingError)
        {
            guard Self.allowedScales.contains(scale) else { throw .invalidScale(scale) }
            if let pitchRange, !PianoRoll.pitchRange.contains(pitchRange.lowerBound)
                || !PianoRoll.pitchRange.contains(pitchRange.upperBound) {
                throw .pitchRangeOffKeyboard(pitchRange)
            }
            self.scale = scale
            self.pitchRange = pitchRange
            self.outlinedRegions = outlinedRegions
        }
    }

    /// A rectangle of cells to outline: the steps `steps` of the pitches `pitches` (all
    /// pitches shown when nil).
    public struct Region: Sendable, Hashable {
        /// The steps covered.
        public var steps: Range<Int>
        /// The pitches covered; nil covers the whole height of the picture.
        public var pitches: ClosedRange<Int>?

        /// The region of `steps` × `pitches`.
        public init(steps: Range<Int>, pitches: ClosedRange<Int>? = nil) {
            self.steps = steps
            self.pitches = pitches
        }
    }

    /// Where the cells of a roll lie in its picture.
    public struct Layout: Sendable, Hashable {
        /// The pitches shown, the lowest in the bottom row.
        public let pitchRange: ClosedRange<Int>
        /// The number of steps shown (at least 1, so that an empty roll still has a picture).
        public let steps: Int
        /// The size of a cell in pixels.
        public let scale: Int

        /// The picture's width in pixels.
        public var width: Int { steps * scale }
        /// The picture's height in pixels.
        public var height: Int { pitchRange.count * scale }

        /// The leftmost pixel column of the cells of `step`.
        public func x(ofStep step: Int) -> Int { step * scale }

        /// The topmost pixel row of the cells of `pitch` (higher pitches lie higher up).
        public func y(ofPitch pitch: Int) -> Int { (pitchRange.upperBound - pitch) * scale }
    }

    /// The fewest pixels between two grid lines; closer beat lines are left out and closer
    /// bar lines thinned.
    static let minimumGridSpacing = 8

    /// The largest picture drawn, in pixels (300 MB of RGB).
    public static let maximumPixels = 100_000_000

    /// The options used.
    public let options: Options

    /// A renderer drawing with `options`.
    public init(_ options: Options) {
        self.options = options
    }

    /// Where the cells of `roll` lie in its picture.
    public func layout(for roll: PianoRoll) -> Layout {
        Layout(pitchRange: options.pitchRange ?? automaticPitchRange(for: roll), steps: max(roll.steps, 1),
               scale: options.scale)
    }

    /// The picture of `roll`; throws when it would exceed ``maximumPixels``.
    public func render(_ roll: PianoRoll) throws(PianoRollRenderingError) -> RGBImage {
        let layout = layout(for: roll)
        guard layout.width * layout.height <= Self.maximumPixels else {
            throw .pictureTooLarge(width: layout.width, height: layout.height, scale: layout.scale)
        }
        var image = RGBImage(width: layout.width, height: layout.height, fill: Palette.whiteKeyRow)
        drawBackground(on: &image, layout: layout, roll: roll)
        drawNotes(of: roll, on: &image, layout: layout)
        drawOutlines(on: &image, layout: layout)
        return image
    }

    /// The colour of a note whose onset lies in velocity bin `bin` of `binning`, at full
    /// strength: dark blue for the softest, through teal, green and yellow, to red for the
    /// loudest. It depends on the bin's centre velocity, so colours mean the same whatever
    /// the number of bins.
    public static func velocityColor(bin: Int, of binning: PianoRoll.VelocityBins) -> RGBColor {
        let velocity = binning.centreVelocity(ofBin: min(max(bin, 0), binning.count - 1))
        let ramp = Palette.velocityRamp
        let position = Double(velocity - 1) / 126 * Double(ramp.count - 1)
        let lower = min(Int(position), ramp.count - 2)
        return ramp[lower].mixed(with: ramp[lower + 1], by: position - Double(lower))
    }

    // MARK: - Drawing

    private func automaticPitchRange(for roll: PianoRoll) -> ClosedRange<Int> {
        var low = roll.activePitchRange?.lowerBound
        var high = roll.activePitchRange?.upperBound
        for region in options.outlinedRegions {
            guard let pitches = region.pitches else { continue }
            low = min(low ?? pitches.lowerBound, pitches.lowerBound)
            high = max(high ?? pitches.upperBound, pitches.upperBound)
        }
        guard let low, let high else { return 48...72 }  // Nothing to show: the two octaves around middle C.
        return max(low - Options.pitchMargin, 0)...min(high + Options.pitchMargin, 127)
    }

    private func drawBackground(on image: inout RGBImage, layout: Layout, roll: PianoRoll) {
        let scale = layout.scale
        for pitch in layout.pitchRange where Palette.isBlackKey(pitch) {
            image.fillRectangle(x: 0, y: layout.y(ofPitch: pitch), width: image.width, height: scale,
                                color: Palette.blackKeyRow)
        }
        if scale >= 2 {
            for pitch in layout.pitchRange where pitch % 12 == 0 {
                image.fillRectangle(x: 0, y: layout.y(ofPitch: pitch) + scale - 1, width: image.width, height: 1,
                                    color: Palette.octaveLine)
            }
        }
        for line in Self.gridLines(of: roll, minimumSpacing: Double(Self.minimumGridSpacing) / Double(scale)) {
            image.fillRectangle(x: layout.x(ofStep: line.step), y: 0, width: 1, height: image.height,
                                color: line.isBar ? Palette.barLine : Palette.beatLine)
        }
    }

    private func drawNotes(of roll: PianoRoll, on image: inout RGBImage, layout: Layout) {
        let scale = layout.scale
        let binning = roll.binning
        // From three pixels up a cell leaves its bottom row empty, so that notes on neighbouring
        // pitches stay apart; from two pixels up the onset gets a lighter leading edge.
        let noteHeight = scale >= 3 ? scale - 1 : scale
        let edgeWidth = scale >= 2 ? max(1, scale / 4) : 0
        for note in roll.notes where layout.pitchRange.contains(note.pitch) {
            let full = Self.velocityColor(bin: note.velocityBin, of: binning)
            let y = layout.y(ofPitch: note.pitch)
            let x = layout.x(ofStep: note.step)
            if note.length > 1 {
                image.fillRectangle(x: x + scale, y: y, width: (note.length - 1) * scale, height: noteHeight,
                                    color: full.mixed(with: Palette.whiteKeyRow, by: Palette.sustainDimming))
            }
            image.fillRectangle(x: x, y: y, width: scale, height: noteHeight, color: full)
            image.fillRectangle(x: x, y: y, width: edgeWidth, height: noteHeight,
                                color: full.mixed(with: .white, by: Palette.onsetEdgeLightening))
        }
    }

    private func drawOutlines(on image: inout RGBImage, layout: Layout) {
        let lineWidth = max(1, layout.scale / 3)
        for region in options.outlinedRegions where !region.steps.isEmpty {
            let pitches = region.pitches ?? layout.pitchRange
            let top = layout.y(ofPitch: pitches.upperBound)
            let bottom = layout.y(ofPitch: pitches.lowerBound) + layout.scale
            let left = layout.x(ofStep: region.steps.lowerBound)
            let right = layout.x(ofStep: region.steps.upperBound)
            // The outline surrounds the cells, so that it hides none of them.
            image.strokeRectangle(x: left - lineWidth, y: top - lineWidth, width: right - left + 2 * lineWidth,
                                  height: bottom - top + 2 * lineWidth, color: Palette.outline, lineWidth: lineWidth)
        }
    }

    /// The steps where a grid line is drawn, following the roll's time signatures: a line at
    /// every bar and a fainter one at every beat (the signature's note value, or a dotted
    /// quarter in 6/8, 9/8 and 12/8). Lines keep at least `minimumSpacing` steps apart: beat
    /// lines closer than that are left out, and bar lines then mark every 2nd, 4th, … bar.
    static func gridLines(of roll: PianoRoll, minimumSpacing: Double) -> [(step: Int, isBar: Bool)] {
        var lines: [(step: Int, isBar: Bool)] = []
        let signatures = roll.timeSignatures
        for (index, signature) in signatures.enumerated() {
            let end = index + 1 < signatures.count ? signatures[index + 1].step : roll.steps
            let stepsPerWhole = Double(PianoRoll.stepsPerBeat * 4)
            let numerator = max(signature.numerator, 1)
            let isCompound = signature.denominator == 8 && numerator % 3 == 0 && numerator > 3
            let beatsPerBar = isCompound ? numerator / 3 : numerator
            let beatLength = stepsPerWhole / Double(max(signature.denominator, 1)) * (isCompound ? 3 : 1)
            let showsBeats = beatLength >= minimumSpacing
            var barsPerLine = 1
            while Double(barsPerLine * beatsPerBar) * beatLength < minimumSpacing { barsPerLine *= 2 }
            var beat = 0
            while true {
                let step = signature.step + Int((Double(beat) * beatLength).rounded())
                guard step < end else { break }
                let isBar = beat % (beatsPerBar * barsPerLine) == 0
                if (isBar || showsBeats) && lines.last?.step != step { lines.append((step, isBar)) }
                beat += 1
            }
        }
        return lines
    }

    /// The colours of the picture.
    private enum Palette {
        static let whiteKeyRow = RGBColor(hex: 0x15181E)
        static let blackKeyRow = RGBColor(hex: 0x101216)
        static let octaveLine = RGBColor(hex: 0x262B35)
        static let beatLine = RGBColor(hex: 0x20252D)
        static let barLine = RGBColor(hex: 0x3A4250)
        static let outline = RGBColor(hex: 0xF4F4F4)
        /// Soft to loud.
        static let velocityRamp: [RGBColor] = [
            RGBColor(hex: 0x2336B8), RGBColor(hex: 0x1D8FB8), RGBColor(hex: 0x2EB86A),
            RGBColor(hex: 0xC9CC35), RGBColor(hex: 0xF08A2C), RGBColor(hex: 0xE8322C),
        ]
        /// How far sustain cells fade towards the background.
        static let sustainDimming = 0.4
        /// How far an onset's leading edge brightens towards white.
        static let onsetEdgeLightening = 0.5

        static func isBlackKey(_ pitch: Int) -> Bool {
            [1, 3, 6, 8, 10].contains(pitch % 12)
        }
    }
}

/// Why a piano roll cannot be drawn as asked.
public enum PianoRollRenderingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A cell size outside ``PianoRollRenderer/Options/allowedScales``.
    case invalidScale(Int)
    /// A pitch range reaching beyond MIDI pitches 0…127.
    case pitchRangeOffKeyboard(ClosedRange<Int>)
    /// A picture larger than ``PianoRollRenderer/maximumPixels``.
    case pictureTooLarge(width: Int, height: Int, scale: Int)

    /// A one-line message naming the problem and the fix.
    public var description: String {
        switch self {
        case .invalidScale(let scale):
            let allowed = PianoRollRenderer.Options.allowedScales
            return "cannot draw a piano roll at scale \(scale); use a scale from \(allowed.lowerBound) to \(allowed.upperBound) pixels per cell"
        case .pitchRangeOffKeyboard(let range):
            return "cannot show pitches \(range.lowerBound)…\(range.upperBound): MIDI pitches run from 0 to 127; choose a range inside them"
        case .pictureTooLarge(let width, let height, let scale):
            return "the piano-roll picture would be \(width)×\(height) pixels, more than the \(PianoRollRenderer.maximumPixels / 1_000_000)-megapixel limit; use a smaller scale than \(scale) or draw a shorter excerpt"
        }
    }
}
