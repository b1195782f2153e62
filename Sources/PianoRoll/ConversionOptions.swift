extension PianoRoll {
    /// How a MIDI file becomes a roll.
    public struct ConversionOptions: Sendable, Hashable {
        /// The number of velocity bins onsets are coded with (1…127).
        public var velocityBins: Int
        /// Whether notes on the General MIDI drum channel (channel 10, index 9) are kept.
        public var includeDrums: Bool
        /// Whether the sustain pedal (CC64 ≥ 64 is down) holds notes until it is released.
        public var applySustainPedal: Bool
        /// Whether music whose 8th-note grid lies on the odd steps moves onto the even ones
        /// (``EighthNoteAlignment``), as the model is trained to see it. `continue` and
        /// `inpaint` read their input without it, so that its notes stay where the file puts
        /// them, and let the generation move the piece while the model draws it.
        public var alignsEighthNoteGrid: Bool

        /// The default conversion: 32 velocity bins, no drums, sustain pedal applied, the
        /// 8th-note grid aligned.
        public init(
            velocityBins: Int = VelocityBins.defaultCount,
            includeDrums: Bool = false,
            applySustainPedal: Bool = true,
            alignsEighthNoteGrid: Bool = true
        ) {
            self.velocityBins = velocityBins
            self.includeDrums = includeDrums
            self.applySustainPedal = applySustainPedal
            self.alignsEighthNoteGrid = alignsEighthNoteGrid
        }

        /// The General MIDI drum channel (channel 10), as a 0-based index.
        public static let drumChannel = 9
        /// The sustain-pedal controller number.
        public static let sustainPedalController = 64
        /// The longest a pedal is held down while pedalling, in beats (8 bars of 4/4). A pedal
        /// down for longer without being lifted is a controller left on and holds nothing: in
        /// 83 of the 804 POP909 songs one stays down for hundreds of beats (in 13, from the
        /// first bar to the last), which would sound every note until its pitch is struck again
        /// (mean polyphony up to 35 instead of about 5); 99 % of pedal holds last under 8 beats.
        public static let longestPedalHoldBeats = 32
    }
}
