// FractalMIDI Studio: the page's state and the commands on it.
//
// The state is a history of pieces (undo/redo: one entry per kept take, edit gesture, paste,
// delete…) and a position in it. While a gesture is under way its piece is a `draft`; while
// takes are on offer the displayed piece is the chosen take; while a job runs it is the
// job's latest drawing. Nothing else holds a piece. tools.js, generate.js, sessions.js and
// main.js add the pointer tools, generation, sessions/files and the wiring.
"use strict";

(function () {
  const { Piece, Player, Roll, Audio } = window.FM;

  /** At most this many history entries are kept (the oldest go first), to bound the session. */
  const HISTORY_LIMIT = 150;

  const $ = (id) => document.getElementById(id);

  class Studio {
    constructor() {
      this.model = null;
      this.history = [];
      this.position = -1;
      this.selection = new Set();   // indexes into the displayed piece's notes
      this.region = null;           // { startStep, endStep, lowPitch, highPitch } or null
      this.draft = null;            // the piece of a gesture under way
      this.takes = null;            // { pieces, index, seed, label } on offer, not kept yet
      this.preview = null;          // the drawing of a running job
      this.band = null;             // a rubber band being dragged, in canvas pixels
      this.pressedKey = null;       // the keyboard key held down
      this.playhead = 0;
      this.loopOn = false;
      this.tool = "pencil";
      this.clipboard = null;        // { bars, steps, notes } from "Copy bars"
      this.job = null;              // the running generation's { controller }
      this.listeners = [];          // called after every change of the piece or history
      this.player = new Player();
      this.player.onStop = () => this.onPlaybackEnded();
      this.roll = new Roll($("roll"));
      this.frame = null;
    }

    // ---- the piece on show ---------------------------------------------------------------

    /** The kept piece at the history position. */
    committedPiece() {
      return this.history[this.position].piece;
    }

    /** The piece the roll shows and the player plays. */
    displayedPiece() {
      if (this.preview) return this.preview;
      if (this.takes) return this.takes.pieces[this.takes.index];
      if (this.draft) return this.draft;
      return this.committedPiece();
    }

    /** Whether the musician may edit now (not while a job runs or takes wait for a choice). */
    canEdit() {
      return !this.job && !this.takes;
    }

    /** Keeps `piece` as a new history entry; the entries after the position are dropped. */
    commit(label, piece, seed = null) {
      this.history = this.history.slice(0, this.position + 1);
      const entry = { label, piece };
      if (seed !== null && seed !== undefined) entry.seed = seed;
      this.history.push(entry);
      if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT);
      this.position = this.history.length - 1;
      this.draft = null;
      this.changed();
    }

    /** Replaces the whole history (a session being opened). */
    resetHistory(history, position) {
      this.history = history;
      this.position = Math.min(Math.max(0, position), history.length - 1);
      this.selection = new Set();
      this.region = null;
      this.draft = null;
      this.takes = null;
      this.playhead = 0;
      this.stopPlayback();
      this.changed({ save: false });
      this.roll.centerOnNotes(this.committedPiece().notes);
    }

    undo() {
      if (!this.canEdit() || this.position <= 0) return;
      this.goTo(this.position - 1);
    }

    redo() {
      if (!this.canEdit() || this.position >= this.history.length - 1) return;
      this.goTo(this.position + 1);
    }

    /** Moves to a history entry (undo, redo, a click in the history list). */
    goTo(position) {
      if (!this.canEdit() || position < 0 || position >= this.history.length) return;
      this.position = position;
      this.selection = new Set();
      this.draft = null;
      this.changed();
    }

    /** Registers a function called after every change (UI refresh, session save…). */
    onChange(listener) {
      this.listeners.push(listener);
    }

    /** Redraws and tells the listeners; `save: false` for changes that are not the musician's. */
    changed(options = {}) {
      const piece = this.displayedPiece();
      for (const index of [...this.selection]) {
        if (index >= piece.notes.length) this.selection.delete(index);
      }
      this.redraw();
      for (const listener of this.listeners) listener(options);
      if (this.player.isPlaying() && !this.player.hasRender(piece) && !this.draft && !this.preview) {
        this.play(); // the piece changed under the playhead: render it again and go on
      }
    }

    /** Hands the roll what to draw now. */
    redraw() {
      let banner = null;
      if (this.preview) banner = "Generating…";
      else if (this.takes) banner = `Take ${this.takes.index + 1} of ${this.takes.pieces.length}: not kept yet`;
      this.roll.show({
        piece: this.displayedPiece(),
        selection: this.takes || this.preview ? null : this.selection,
        region: this.region,
        band: this.band,
        playhead: this.playhead,
        loop: this.loopOn ? this.loopRange() : null,
        pressedKey: this.pressedKey,
        banner,
      });
    }

    // ---- messages ------------------------------------------------------------------------

    /** Shows an error in the page (and in the console, for the record). */
    showError(error) {
      if (error && error.aborted) return;
      const message = error && error.message ? error.message : String(error);
      $("error-text").textContent = message;
      $("error").hidden = false;
      console.warn("FractalMIDI Studio:", message);
    }

    clearError() {
      $("error").hidden = true;
      $("error-text").textContent = "";
    }

    status(text) {
      $("status").textContent = text;
    }

    // ---- playback ------------------------------------------------------------------------

    /** The range a loop repeats: the region's steps if there is one, else the whole piece. */
    loopRange() {
      if (this.region) return { startStep: this.region.startStep, endStep: this.region.endStep };
      return { startStep: 0, endStep: this.displayedPiece().steps };
    }

    /** Plays the displayed piece from the playhead (rendering it first if it changed). */
    async play() {
      const piece = this.displayedPiece();
      if (piece.steps <= 0) return;
      if (this.playhead >= piece.steps) this.playhead = 0;
      const rendered = this.player.hasRender(piece);
      if (!rendered) this.status("Rendering audio…");
      try {
        await this.player.play(piece, this.playhead, this.loopOn ? this.loopRange() : null);
        if (!rendered) this.status("");
        this.followPlayhead();
      } catch (error) {
        this.status("");
        this.showError(error);
      }
      this.refreshTransport();
    }

    /** Pauses, leaving the playhead where the sound was. */
    pause() {
      const step = this.player.currentStep();
      if (step !== null) this.playhead = step;
      this.stopPlayback();
    }

    togglePlay() {
      if (this.player.isPlaying()) this.pause(); else this.play();
    }

    stopPlayback() {
      this.player.stop();
      if (this.frame) cancelAnimationFrame(this.frame);
      this.frame = null;
      this.refreshTransport();
      this.redraw();
    }

    onPlaybackEnded() {
      this.playhead = 0;
      this.stopPlayback();
    }

    /** Moves the playhead with the sound, once a frame, and keeps it in view. */
    followPlayhead() {
      const tick = () => {
        const step = this.player.currentStep();
        if (step === null) { this.frame = null; return; }
        this.playhead = step;
        this.roll.revealStep(step);
        this.redraw();
        this.refreshClock();
        this.frame = requestAnimationFrame(tick);
      };
      if (this.frame) cancelAnimationFrame(this.frame);
      this.frame = requestAnimationFrame(tick);
    }

    /** Moves the playhead (a click in the ruler); playing goes on from there. */
    seek(step, resume) {
      const piece = this.displayedPiece();
      this.playhead = Math.max(0, Math.min(piece.steps, step));
      this.refreshClock();
      this.redraw();
      if (resume) this.play();
    }

    toggleLoop() {
      this.loopOn = !this.loopOn;
      $("loop").setAttribute("aria-pressed", String(this.loopOn));
      this.redraw();
      if (this.player.isPlaying()) { this.pause(); this.play(); }
    }

    refreshTransport() {
      $("play").textContent = this.player.isPlaying() ? "❚❚ Pause" : "▶ Play";
      this.refreshClock();
    }

    /** The playhead as bar.beat.step and seconds. */
    refreshClock() {
      const piece = this.displayedPiece();
      const step = Math.floor(this.playhead);
      const perBar = Piece.barSteps(piece);
      const bar = Math.floor(step / perBar) + 1;
      const beat = Math.floor((step % perBar) / Piece.STEPS_PER_BEAT) + 1;
      const sixteenth = (step % Piece.STEPS_PER_BEAT) + 1;
      const seconds = Audio.stepToSeconds(this.playhead, piece.bpm);
      $("clock").textContent = `${bar}.${beat}.${sixteenth}  ${seconds.toFixed(1)} s`;
    }

    /** Sounds one note at once (a key, a drawn note); samples load lazily. */
    previewNote(pitch, velocity) {
      const bins = this.displayedPiece().velocityBins || 32;
      const loudness = velocity === undefined ? 0.7 : (velocity + 1) / bins;
      this.player.previewNote(pitch, loudness).catch((error) => this.showError(error));
    }

    // ---- editing commands ----------------------------------------------------------------

    /** A copy of the kept piece to edit, with the selected notes' objects. */
    editablePiece() {
      const piece = Piece.clonePiece(this.committedPiece());
      const selected = new Set([...this.selection].map((i) => piece.notes[i]).filter(Boolean));
      return { piece, selected };
    }

    /**
     * Finishes an edit: resolves overlaps (the `winners` keep their cells), keeps the piece as
     * one history entry and selects the notes in `selected` (note objects).
     */
    commitEdit(label, piece, selected, winners = selected) {
      piece.notes = Piece.resolveOverlaps(piece.notes, winners);
      const selection = new Set();
      piece.notes.forEach((note, index) => { if (selected.has(note)) selection.add(index); });
      this.selection = selection;
      this.commit(label, piece);
    }

    deleteSelection() {
      if (!this.canEdit() || this.selection.size === 0) return;
      const count = this.selection.size;
      const { piece, selected } = this.editablePiece();
      piece.notes = piece.notes.filter((note) => !selected.has(note));
      this.selection = new Set();
      this.commit(`Delete ${count} note${count === 1 ? "" : "s"}`, piece);
    }

    /** Sets the velocity of the selected notes (one history entry). */
    setSelectionVelocity(velocity) {
      if (!this.canEdit() || this.selection.size === 0) return;
      const { piece, selected } = this.editablePiece();
      for (const note of selected) note.velocity = velocity;
      this.commitEdit(`Velocity ${velocity}`, piece, selected);
    }

    /** Locks the selection, or unlocks it when every selected note is locked already. */
    toggleLock() {
      if (!this.canEdit() || this.selection.size === 0) return;
      const { piece, selected } = this.editablePiece();
      const lock = ![...selected].every((note) => note.locked);
      for (const note of selected) {
        if (lock) note.locked = true; else delete note.locked;
      }
      this.commitEdit(`${lock ? "Lock" : "Unlock"} ${selected.size} note${selected.size === 1 ? "" : "s"}`, piece, selected);
    }

    selectAll() {
      if (!this.canEdit()) return;
      this.selection = new Set(this.committedPiece().notes.map((_, i) => i));
      this.changed({ save: false });
    }

    /** The bars to copy: the region's, else those the selected notes start in. */
    copyRange() {
      const piece = this.committedPiece();
      const perBar = Piece.barSteps(piece);
      if (this.region) {
        return { first: Math.floor(this.region.startStep / perBar), last: Math.ceil(this.region.endStep / perBar) - 1 };
      }
      if (this.selection.size === 0) return null;
      const steps = [...this.selection].map((i) => piece.notes[i].step);
      return { first: Math.floor(Math.min(...steps) / perBar), last: Math.floor(Math.max(...steps) / perBar) };
    }

    /** Copies the notes starting in the selected bars (kept relative to the first bar). */
    copyBars() {
      const range = this.copyRange();
      if (!range) {
        this.showError("Copy bars: select a region (Region tool) or some notes first.");
        return;
      }
      const piece = this.committedPiece();
      const perBar = Piece.barSteps(piece);
      const start = range.first * perBar;
      const end = (range.last + 1) * perBar;
      const notes = piece.notes
        .filter((n) => n.step >= start && n.step < end)
        .map((n) => ({ ...Piece.cloneNote(n), step: n.step - start, length: Math.min(n.length, end - n.step) }));
      notes.forEach((n) => delete n.locked);
      this.clipboard = { bars: range.last - range.first + 1, steps: end - start, notes };
      const bars = this.clipboard.bars;
      this.status(`Copied ${notes.length} notes from ${bars} bar${bars === 1 ? "" : "s"} (bar ${range.first + 1}${bars > 1 ? `–${range.last + 1}` : ""}).`);
      $("paste").disabled = !this.canEdit();
    }

    /** Pastes the copied bars at the playhead's bar; the piece grows if it must. */
    pasteBars() {
      if (!this.canEdit() || !this.clipboard) return;
      const { piece } = this.editablePiece();
      const perBar = Piece.barSteps(piece);
      const at = Math.floor(this.playhead / perBar) * perBar;
      const maxSteps = this.model ? this.model.limits.maxSteps : Infinity;
      const needed = at + this.clipboard.steps;
      if (needed > maxSteps) {
        this.showError(`Paste: the piece would be ${needed} steps long, more than the model's limit of ${maxSteps}.`);
        return;
      }
      piece.steps = Math.max(piece.steps, needed);
      const pasted = new Set(this.clipboard.notes.map((n) => ({ ...n, step: n.step + at })));
      piece.notes.push(...pasted);
      this.commitEdit(`Paste ${this.clipboard.bars} bar${this.clipboard.bars === 1 ? "" : "s"} at bar ${at / perBar + 1}`, piece, pasted);
    }

    /** Sets the tempo of the kept piece (one history entry). */
    setTempo(bpm) {
      if (!this.canEdit() || !(bpm >= 20 && bpm <= 300)) return;
      if (this.committedPiece().bpm === bpm) return;
      const { piece, selected } = this.editablePiece();
      piece.bpm = bpm;
      this.commitEdit(`Tempo ${bpm}`, piece, selected);
    }

    /** A blank piece as a new history entry. */
    blank(bars, beatsPerBar) {
      if (!this.canEdit()) return;
      const maxSteps = this.model ? this.model.limits.maxSteps : Infinity;
      const bpm = Number($("bpm").value) || this.committedPiece().bpm;
      const piece = Piece.blankPiece(bars, bpm, beatsPerBar, this.velocityBins());
      if (piece.steps > maxSteps) {
        this.showError(`A blank piece of ${bars} bars is ${piece.steps} steps, more than the model's limit of ${maxSteps}.`);
        return;
      }
      this.selection = new Set();
      this.region = null;
      this.playhead = 0;
      this.commit(`Blank ${bars} bar${bars === 1 ? "" : "s"}`, piece);
      this.roll.centerOnPitch(60);
    }

    velocityBins() {
      return this.model ? this.model.velocityBins : 32;
    }

    setTool(tool) {
      this.tool = tool;
      for (const button of document.querySelectorAll("button.tool")) {
        button.setAttribute("aria-pressed", String(button.dataset.tool === tool));
      }
      this.roll.canvas.style.cursor = tool === "select" ? "default" : "crosshair";
    }
  }

  window.FM = window.FM || {};
  window.FM.Studio = Studio;
  window.FM.$ = $;
})();
