extension MIDITrack {
    /// A track that plays `notes` (their `track` field is ignored), merged with `otherEvents`
    /// (controllers, tempo, names…), closed by an end-of-track event at the last tick.
    ///
    /// Each note becomes a note-on and a `noteOff` with velocity 0. At the same tick, note-offs of
    /// earlier notes come first, then note-ons (shorter notes first), then the note-offs of
    /// zero-length notes, so that ``StandardMIDIFile/notes`` pairs them back into exactly these
    /// notes — except notes nested inside a longer note of the same channel and pitch, which
    /// first-in-first-out pairing cannot tell apart (they come back with the same onsets and the
    /// same set of offsets). Other events at a tick go before its notes.
    public init(notes: [MIDINote], otherEvents: [MIDIEvent] = []) {
        // Sort key: tick, then group (0 other, 1 ending note-off, 2 note-on, 3 zero-length note-off),
        // then the note's offset (for note-ons), then input order.
        var keyed: [(tick: Int, group: Int, offTick: Int, order: Int, event: MIDIEvent)] = []
        keyed.reserveCapacity(otherEvents.count + 2 * notes.count)
        for event in otherEvents where event.message != .meta(.endOfTrack) {
            keyed.append((event.tick, 0, 0, keyed.count, event))
        }
        for note in notes {
            keyed.append((note.onTick, 2, note.offTick, keyed.count,
                          MIDIEvent(tick: note.onTick, message: .noteOn(channel: note.channel, pitch: note.pitch, velocity: note.velocity))))
            keyed.append((note.offTick, note.offTick == note.onTick ? 3 : 1, 0, keyed.count,
                          MIDIEvent(tick: note.offTick, message: .noteOff(channel: note.channel, pitch: note.pitch, velocity: 0))))
        }
        keyed.sort { ($0.tick, $0.group, $0.offTick, $0.order) < ($1.tick, $1.group, $1.offTick, $1.order) }
        let end = max(keyed.last?.tick ?? 0, otherEvents.map(\.tick).max() ?? 0)
        self.init(events: keyed.map(\.event) + [MIDIEvent(tick: end, message: .meta(.endOfTrack))])
    }
}
