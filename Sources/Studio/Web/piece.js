// FractalMIDI Studio: the piece model (pure functions, no DOM).
//
// A piece is the API's JSON object: { steps, bpm, beatsPerBar, velocityBins, notes: [...] }.
// Inside the page a note may also carry `locked: true`; `toServer` strips it before a piece
// leaves the page, and `lockedIndexes` turns the flags into the job's `locked` array.
"use strict";

(function () {
  const STEPS_PER_BEAT = 4;

  /** Steps in one bar of the piece. */
  function barSteps(piece) {
    return piece.beatsPerBar * STEPS_PER_BEAT;
  }

  /** Number of bars (rounded up) the piece spans. */
  function barCount(piece) {
    return Math.max(1, Math.ceil(piece.steps / barSteps(piece)));
  }

  /** A copy of a note with only the page's fields. */
  function cloneNote(note) {
    const copy = { pitch: note.pitch, step: note.step, length: note.length, velocity: note.velocity };
    if (note.locked) copy.locked = true;
    return copy;
  }

  /** A deep copy of a piece (notes copied too). */
  function clonePiece(piece) {
    return {
      steps: piece.steps,
      bpm: piece.bpm,
      beatsPerBar: piece.beatsPerBar,
      velocityBins: piece.velocityBins,
      notes: piece.notes.map(cloneNote),
    };
  }

  /** The piece as the server takes it: only the contract's fields, no lock flags. */
  function toServer(piece) {
    return {
      steps: piece.steps,
      bpm: piece.bpm,
      beatsPerBar: piece.beatsPerBar,
      velocityBins: piece.velocityBins,
      notes: piece.notes.map((n) => ({ pitch: n.pitch, step: n.step, length: n.length, velocity: n.velocity })),
    };
  }

  /** Indexes of the locked notes (the job's `locked` field, and the session's lock record). */
  function lockedIndexes(piece) {
    const indexes = [];
    piece.notes.forEach((note, index) => { if (note.locked) indexes.push(index); });
    return indexes;
  }

  /** A server piece with the notes at `indexes` flagged as locked (a new object). */
  function withLocks(piece, indexes) {
    const copy = clonePiece(piece);
    for (const index of indexes || []) {
      if (copy.notes[index]) copy.notes[index].locked = true;
    }
    return copy;
  }

  /** An empty piece of `bars` bars. */
  function blankPiece(bars, bpm, beatsPerBar, velocityBins) {
    return { steps: bars * beatsPerBar * STEPS_PER_BEAT, bpm, beatsPerBar, velocityBins, notes: [] };
  }

  /** A stable string naming the piece's audible content (the audio cache's key). */
  function audioKey(piece) {
    return JSON.stringify(toServer(piece));
  }

  /** Whether the note has any cell inside the region (steps [start,end), pitches [low,high]). */
  function noteTouchesRegion(note, region) {
    return note.pitch >= region.lowPitch && note.pitch <= region.highPitch &&
      note.step < region.endStep && note.step + note.length > region.startStep;
  }

  /**
   * Removes overlaps between notes on one pitch. Notes in `winners` (a Set of note objects,
   * the ones the musician just drew, moved or pasted) keep their cells, except that of two
   * winners the earlier is trimmed to end where the later starts. Any other note loses the
   * cells a kept note covers: it is trimmed to end where that note starts, or, when it starts
   * inside one, cut to start after it; a note with nothing left is dropped. Returns a new
   * notes array of the same (possibly shortened) objects, sorted by step then pitch.
   */
  function resolveOverlaps(notes, winners) {
    const byPitch = new Map();
    for (const note of notes) {
      if (note.length < 1) continue;
      if (!byPitch.has(note.pitch)) byPitch.set(note.pitch, []);
      byPitch.get(note.pitch).push(note);
    }
    const kept = [];
    for (const row of byPitch.values()) kept.push(...resolveRow(row, winners));
    kept.sort((a, b) => a.step - b.step || a.pitch - b.pitch);
    return kept;
  }

  /** resolveOverlaps for the notes of one pitch. */
  function resolveRow(row, winners) {
    const byStep = (a, b) => a.step - b.step;
    const strong = row.filter((n) => winners.has(n)).sort(byStep);
    const weak = row.filter((n) => !winners.has(n)).sort(byStep);
    const placed = [];
    // Winners among themselves: the earlier one ends where the next begins.
    strong.forEach((note, i) => {
      const next = strong[i + 1];
      if (next && note.step + note.length > next.step) note.length = next.step - note.step;
      if (note.length >= 1) placed.push(note);
    });
    // Every other note fits into what the placed notes leave free.
    for (const note of weak) {
      if (fitIntoFree(note, placed)) {
        placed.push(note);
        placed.sort(byStep);
      }
    }
    return placed;
  }

  /**
   * Shortens `note` (in place) so it overlaps none of `placed` (sorted by step): its start
   * moves past any note it begins inside, its end stops at the next note. False when nothing
   * of it is left.
   */
  function fitIntoFree(note, placed) {
    let start = note.step;
    let end = note.step + note.length;
    for (const other of placed) {
      const otherEnd = other.step + other.length;
      if (otherEnd <= start) continue;
      if (other.step >= end) break;
      if (other.step <= start) start = otherEnd; // begins inside `other`: start after it
      else end = other.step;                     // `other` begins inside: end before it
      if (end <= start) return false;
    }
    note.step = start;
    note.length = end - start;
    return end > start;
  }

  /** The highest step any note reaches. */
  function lastNoteEnd(piece) {
    let end = 0;
    for (const note of piece.notes) end = Math.max(end, note.step + note.length);
    return end;
  }

  window.FM = window.FM || {};
  window.FM.Piece = {
    STEPS_PER_BEAT, barSteps, barCount, cloneNote, clonePiece, toServer, lockedIndexes, withLocks,
    blankPiece, audioKey, noteTouchesRegion, resolveOverlaps, lastNoteEnd,
  };
})();
