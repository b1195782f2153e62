extension PianoRoll {
    /// The state of one (pitch, step) cell of a roll.
    ///
    /// Rolls store cells compactly as one `UInt8` code each (see ``code``); this enum is the
    /// readable view of those codes.
    public enum Cell: Sendable, Hashable {
        /// No note sounds.
        case silent
        /// A note sounding at the previous step still sounds (it was not struck again).
        case sustain
        /// A note is struck at this step; its velocity falls in bin `velocityBin`
        /// (0-based, see ``PianoRoll/VelocityBins``).
        case onset(velocityBin: Int)

        /// The storage code of the silent cell.
        public static let silentCode: UInt8 = 0
        /// The storage code of the sustain cell.
        public static let sustainCode: UInt8 = 1
        /// The storage code of an onset in velocity bin 0; bin `b` is `firstOnsetCode + b`.
        public static let firstOnsetCode: UInt8 = 2

        /// The cell that a storage code stands for: 0 silent, 1 sustain, `2 + b` onset in bin `b`.
        public init(code: UInt8) {
            switch code {
            case Self.silentCode: self = .silent
            case Self.sustainCode: self = .sustain
            default: self = .onset(velocityBin: Int(code - Self.firstOnsetCode))
            }
        }

        /// The storage code of this cell: 0 silent, 1 sustain, `2 + b` onset in velocity bin `b`.
        public var code: UInt8 {
            switch self {
            case .silent: Self.silentCode
            case .sustain: Self.sustainCode
            case .onset(let bin): Self.firstOnsetCode + UInt8(bin)
            }
        }

        /// Whether a note sounds in this cell (onset or sustain).
        public var isActive: Bool {
            self != .silent
        }
    }
}
