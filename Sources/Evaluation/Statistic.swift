/// One of the musical statistics that ``PieceStatistics`` measures, named as in the muspy
/// library (snake_case raw values, used in JSON reports and tables).
public enum Statistic: String, CaseIterable, Sendable, Hashable, Codable {
    /// Highest minus lowest pitch played, in semitones.
    case pitchRange = "pitch_range"
    /// The number of distinct pitches played.
    case pitchesUsed = "n_pitches_used"
    /// The number of distinct pitch classes (C, C♯, …, B) played.
    case pitchClassesUsed = "n_pitch_classes_used"
    /// The mean number of sounding pitches over the steps where at least one sounds.
    case polyphony = "polyphony"
    /// The share of steps with more than two sounding pitches.
    case polyphonyRate = "polyphony_rate"
    /// The share of beats in which nothing sounds.
    case emptyBeatRate = "empty_beat_rate"
    /// The largest share of notes that fall in one of the 24 major or natural-minor scales.
    case scaleConsistency = "scale_consistency"
    /// The entropy, in bits, of the notes' pitch-class histogram.
    case pitchClassEntropy = "pitch_class_entropy"
    /// One minus the mean Hamming distance between the onset patterns of consecutive bars.
    case grooveConsistency = "groove_consistency"
    /// Notes struck per beat.
    case noteDensity = "note_density"
    /// The mean note length, in beats.
    case meanNoteDuration = "mean_note_duration"
    /// The mean MIDI velocity of the notes (their bins' centre velocities).
    case velocityMean = "velocity_mean"
    /// The standard deviation of the notes' MIDI velocities.
    case velocityStandardDeviation = "velocity_std"
    /// The mean time between consecutive onset steps, in beats.
    case meanInterOnsetInterval = "mean_inter_onset_interval"
}
