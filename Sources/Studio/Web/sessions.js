// FractalMIDI Studio: sessions (saved on the server after every change, restored on reload),
// opening MIDI files, and exports.
"use strict";

(function () {
  const { Api, Piece, $ } = window.FM;

  const STORAGE_KEY = "fractalmidi.studio.session";
  const SAVE_DELAY_MS = 500;
  const DOC_VERSION = 1;

  /** The session id named in the URL hash (#session=ID), if any. */
  function idFromHash() {
    const match = /(?:^#|&)session=([^&]+)/.exec(location.hash);
    return match ? decodeURIComponent(match[1]) : null;
  }

  class Sessions {
    constructor(studio) {
      this.studio = studio;
      this.id = null;
      this.title = "";
      this.list = [];
      this.timer = null;
      this.saving = false;
      this.dirty = false;
      this.state = "saved"; // "saved", "pending", "saving" or "error" (read by the browser test)
      studio.onChange((options) => { if (options.save !== false) this.scheduleSave(); });
      window.addEventListener("hashchange", () => this.onHashChange());
      window.addEventListener("pagehide", () => this.flushOnUnload());
    }

    // ---- the session document ------------------------------------------------------------

    /** The document saved with PUT: the history with each piece in the server's form. */
    document() {
      const studio = this.studio;
      return {
        title: this.title,
        version: DOC_VERSION,
        history: studio.history.map((entry) => {
          const saved = { label: entry.label, piece: Piece.toServer(entry.piece) };
          if (entry.seed !== undefined && entry.seed !== null) saved.seed = entry.seed;
          const locked = Piece.lockedIndexes(entry.piece);
          if (locked.length > 0) saved.locked = locked;
          return saved;
        }),
        position: studio.position,
        playhead: studio.playhead,
      };
    }

    /** Opens a saved document into the studio; false when it holds no usable history. */
    restore(doc) {
      if (!doc || !Array.isArray(doc.history) || doc.history.length === 0) return false;
      const history = doc.history
        .filter((entry) => entry && entry.piece && Array.isArray(entry.piece.notes))
        .map((entry) => {
          const restored = { label: String(entry.label || "Edit"), piece: Piece.withLocks(entry.piece, entry.locked) };
          if (entry.seed !== undefined && entry.seed !== null) restored.seed = entry.seed;
          return restored;
        });
      if (history.length === 0) return false;
      this.title = typeof doc.title === "string" ? doc.title : "";
      $("session-title").value = this.title;
      const position = Number.isInteger(doc.position) ? doc.position : history.length - 1;
      this.studio.resetHistory(history, position);
      if (Number.isFinite(doc.playhead)) this.studio.seek(doc.playhead, false);
      return true;
    }

    // ---- saving --------------------------------------------------------------------------

    /** Saves ~500 ms after the last change (many quick changes, one save). */
    scheduleSave() {
      this.setState("pending");
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.save(), SAVE_DELAY_MS);
    }

    /** Saves now (creating the session on the server first if it has none yet). */
    async save() {
      clearTimeout(this.timer);
      this.timer = null;
      if (this.saving) { this.dirty = true; return; }
      this.saving = true;
      this.setState("saving");
      try {
        if (!this.id) await this.create(this.title || defaultTitle());
        await Api.saveSession(this.id, this.document());
        this.setState(this.timer ? "pending" : "saved");
        // A title changed by opening a file: the picker lists the session by its saved title.
        const listed = this.list.find((s) => s.id === this.id);
        if (listed && listed.title !== this.title) await this.refreshList();
      } catch (error) {
        this.setState("error");
        this.studio.showError(error);
      } finally {
        this.saving = false;
      }
      if (this.dirty) {
        this.dirty = false;
        await this.save();
      }
    }

    /** Waits for a pending or running save to finish (before switching sessions). */
    async flush() {
      if (this.timer) await this.save();
      while (this.saving) await new Promise((resolve) => setTimeout(resolve, 50));
    }

    /** A page being closed: send a pending save with keepalive so it still arrives. */
    flushOnUnload() {
      if (!this.timer || !this.id) return;
      clearTimeout(this.timer);
      this.timer = null;
      Api.saveSession(this.id, this.document(), true).catch(() => {});
    }

    setState(state) {
      this.state = state;
      const text = { saved: this.id ? "saved" : "", pending: "unsaved…", saving: "saving…", error: "not saved" }[state];
      $("save-state").textContent = text;
    }

    // ---- sessions on the server ----------------------------------------------------------

    /** Creates a session on the server and makes it the current one. */
    async create(title) {
      const created = await Api.createSession(title);
      this.adopt(created.id, created.title || title);
      await this.refreshList();
    }

    /** Makes `id` the current session: remembered in the URL and in localStorage. */
    adopt(id, title) {
      this.id = id;
      this.title = title;
      $("session-title").value = title;
      try { localStorage.setItem(STORAGE_KEY, id); } catch (_) { /* private mode: the hash still has it */ }
      const hash = `#session=${encodeURIComponent(id)}`;
      if (location.hash !== hash) history.replaceState(null, "", hash);
    }

    async refreshList() {
      try {
        this.list = await Api.listSessions();
      } catch (error) {
        this.studio.showError(error);
        return;
      }
      this.renderPicker();
    }

    renderPicker() {
      const select = $("session-select");
      select.replaceChildren();
      if (!this.id) select.appendChild(new Option("(not saved yet)", ""));
      for (const session of this.list) {
        const when = session.updated ? new Date(session.updated).toLocaleString() : "";
        const label = `${session.title || "Untitled"}${when ? ` (${when})` : ""}`;
        select.appendChild(new Option(label, session.id));
      }
      select.value = this.id || "";
    }

    /** At start: reopen the session named in the URL or remembered, else start afresh. */
    async start() {
      await this.refreshList();
      let remembered = idFromHash();
      if (!remembered) {
        try { remembered = localStorage.getItem(STORAGE_KEY); } catch (_) { remembered = null; }
      }
      if (remembered && this.list.some((s) => s.id === remembered)) {
        await this.open(remembered);
      } else {
        if (remembered) this.studio.status("The last session is gone from the server; starting a new one.");
        this.renderPicker();
        this.setState("saved");
      }
    }

    /** Opens a session by id (the picker, the URL, the start). */
    async open(id) {
      if (id === this.id) return;
      try {
        await this.flush();
        const doc = await Api.loadSession(id);
        const summary = this.list.find((s) => s.id === id);
        this.adopt(id, typeof doc.title === "string" ? doc.title : summary ? summary.title : "");
        if (!this.restore(doc)) this.studio.status("That session had no history yet; its piece is blank.");
        this.setState("saved");
        this.renderPicker();
      } catch (error) {
        this.studio.showError(error);
        this.renderPicker();
      }
    }

    /** "New session": a fresh blank piece in a session of its own. */
    async startNew() {
      const studio = this.studio;
      if (!studio.canEdit()) { studio.status("Finish the generation (keep, discard or cancel) first."); return; }
      try {
        await this.flush();
        const defaults = studio.model.defaults;
        const beats = Number($("blank-meter").value) || 4;
        const piece = Piece.blankPiece(defaults.bars, Number($("bpm").value) || defaults.bpm, beats, studio.velocityBins());
        await this.create(defaultTitle());
        studio.resetHistory([{ label: `Blank ${defaults.bars} bars`, piece }], 0);
        await this.save();
        this.renderPicker();
      } catch (error) {
        studio.showError(error);
      }
    }

    setTitle(title) {
      this.title = title.trim();
      this.scheduleSave();
      clearTimeout(this.listTimer);
      this.listTimer = setTimeout(() => this.refreshList(), 1200);
    }

    onHashChange() {
      const id = idFromHash();
      if (id && id !== this.id) this.open(id);
    }
  }

  /** A new session's title; the picker adds when it was saved, so the title need not. */
  function defaultTitle() {
    return "Untitled";
  }

  // ---- opening MIDI files ----------------------------------------------------------------

  /** Opens a MIDI file (from the file button or a drop) as a new history entry. */
  async function openMidiFile(studio, sessions, file) {
    if (!studio.canEdit()) { studio.status("Finish the generation (keep, discard or cancel) first."); return; }
    const limit = studio.model ? studio.model.limits.maxUploadBytes : Infinity;
    if (file.size > limit) {
      studio.showError(`${file.name} is ${(file.size / 1048576).toFixed(1)} MiB; the studio opens MIDI files of at most ${(limit / 1048576).toFixed(1)} MiB.`);
      return;
    }
    studio.status(`Opening ${file.name}…`);
    try {
      const bytes = await file.arrayBuffer();
      const { piece, name } = await Api.openMidi(bytes, file.name);
      studio.clearError();
      studio.selection = new Set();
      studio.region = null;
      studio.playhead = 0;
      const title = name || file.name;
      if (!sessions.title || sessions.title.startsWith("Session ") || sessions.title === "Untitled") {
        sessions.title = title;
        $("session-title").value = title;
      }
      studio.commit(`Open ${title}`, piece);
      studio.roll.centerOnNotes(piece.notes);
      studio.roll.fitWidth();
      studio.status(`Opened ${title}: ${piece.notes.length} notes, ${Piece.barCount(piece)} bars.`);
    } catch (error) {
      studio.status("");
      studio.showError(error);
    }
  }

  /** Drag and drop of a MIDI file anywhere on the page. */
  function attachDrop(studio, sessions) {
    const hint = $("drop-hint");
    let depth = 0;
    const hasFiles = (event) => event.dataTransfer && [...event.dataTransfer.types].includes("Files");
    document.addEventListener("dragenter", (event) => {
      if (!hasFiles(event)) return;
      depth += 1;
      hint.hidden = false;
    });
    document.addEventListener("dragleave", () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) hint.hidden = true;
    });
    document.addEventListener("dragover", (event) => {
      if (hasFiles(event)) event.preventDefault();
    });
    document.addEventListener("drop", (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth = 0;
      hint.hidden = true;
      const file = event.dataTransfer.files[0];
      if (file) openMidiFile(studio, sessions, file);
    });
  }

  // ---- exports ---------------------------------------------------------------------------

  /** Saves a Blob through a temporary download link. */
  function download(blob, filename) {
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  /** A file name from the session title. */
  function baseName(sessions) {
    const cleaned = (sessions.title || "fractalmidi").replace(/\.midi?$/i, "").replace(/[^\w\- ]+/g, "").trim();
    return cleaned || "fractalmidi";
  }

  /** Exports the piece on show as "midi", "png" or "wav". */
  async function exportAs(studio, sessions, kind) {
    const piece = studio.takes ? studio.displayedPiece() : studio.committedPiece();
    const name = baseName(sessions);
    try {
      studio.status(`Exporting ${kind.toUpperCase()}…`);
      if (kind === "wav") {
        const { bytes } = await studio.player.renderFor(piece);
        download(new Blob([bytes], { type: "audio/wav" }), `${name}.wav`);
      } else {
        const blob = await Api.exportFile(kind, Piece.toServer(piece));
        download(blob, `${name}.${kind === "midi" ? "mid" : "png"}`);
      }
      studio.status(`Exported ${name}.${kind === "midi" ? "mid" : kind}.`);
    } catch (error) {
      studio.status("");
      studio.showError(error);
    }
  }

  window.FM.Sessions = Sessions;
  window.FM.Files = { openMidiFile, attachDrop, exportAs };
})();
