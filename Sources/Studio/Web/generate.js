// FractalMIDI Studio: generation jobs (new, continue, inpaint) streamed from POST /api/generate,
// drawn live as they progress, and offered as takes to audition and keep.
"use strict";

(function () {
  const { Api, Piece, $ } = window.FM;

  /** The model's settings from the controls; empty fields are left to the server's defaults. */
  function settingsFromControls() {
    const number = (id) => {
      const text = $(id).value.trim();
      return text === "" ? null : Number(text);
    };
    const settings = { takes: Number($("takes").value) };
    if ($("style").value) settings.style = $("style").value;
    for (const [id, field] of [["temperature", "temperature"], ["top-p", "topP"], ["cfg", "cfg"], ["seed", "seed"]]) {
      const value = number(id);
      if (value !== null && Number.isFinite(value)) settings[field] = value;
    }
    return settings;
  }

  /** Reads a bar count from an input, or reports why it is not one. */
  function barsFrom(id, what) {
    const bars = Number($(id).value);
    if (!Number.isInteger(bars) || bars < 1) throw new Error(`${what}: enter a whole number of bars (1 or more).`);
    return bars;
  }

  /** The job for `mode` ("new", "continue", "inpaint") from the kept piece and the controls. */
  function buildJob(studio, mode) {
    const base = studio.committedPiece();
    const maxSteps = studio.model.limits.maxSteps;
    const job = { mode, ...settingsFromControls() };
    if (mode === "new") {
      const bars = barsFrom("gen-bars", "New piece");
      const bpm = Number($("bpm").value) || base.bpm;
      const piece = Piece.blankPiece(bars, bpm, base.beatsPerBar, studio.velocityBins());
      if (piece.steps > maxSteps) throw new Error(`New piece: ${bars} bars are ${piece.steps} steps, more than the model's limit of ${maxSteps}.`);
      return { ...job, piece, bars };
    }
    const piece = Piece.toServer(base);
    const locked = Piece.lockedIndexes(base);
    if (locked.length > 0) job.locked = locked;
    if (mode === "continue") {
      const bars = barsFrom("continue-bars", "Continue");
      const steps = base.steps + bars * Piece.barSteps(base);
      if (steps > maxSteps) throw new Error(`Continue: the piece would be ${steps} steps long, more than the model's limit of ${maxSteps}.`);
      return { ...job, piece, bars };
    }
    if (!studio.region) throw new Error("Regenerate region: choose the Region tool (G) and drag over the bars and pitches to redraw first.");
    return { ...job, piece, region: { ...studio.region } };
  }

  /** A history label for a job. */
  function labelFor(job) {
    if (job.mode === "new") return `New piece, ${job.bars} bar${job.bars === 1 ? "" : "s"}`;
    if (job.mode === "continue") return `Continue by ${job.bars} bar${job.bars === 1 ? "" : "s"}`;
    const r = job.region;
    return `Regenerate ${FM.Roll.pitchName(r.lowPitch)}–${FM.Roll.pitchName(r.highPitch)}, steps ${r.startStep}–${r.endStep}`;
  }

  /**
   * Marks the notes of a generated piece that sit where a locked note of `base` was, and
   * gives them back their locked length: the server keeps a locked note's cells, but the model
   * may draw sustain cells after its end, which would lengthen it.
   */
  function relock(piece, base, mode) {
    if (mode === "new") return Piece.clonePiece(piece);
    const lengths = new Map(base.notes.filter((n) => n.locked).map((n) => [`${n.pitch}:${n.step}`, n.length]));
    const copy = Piece.clonePiece(piece);
    for (const note of copy.notes) {
      const length = lengths.get(`${note.pitch}:${note.step}`);
      if (length === undefined) continue;
      note.locked = true;
      note.length = Math.min(note.length, length);
    }
    return copy;
  }

  function formatSeconds(seconds) {
    if (!Number.isFinite(seconds)) return "?";
    return seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, "0")}s` : `${seconds.toFixed(1)} s`;
  }

  /** Runs jobs for the studio and shows their progress and takes. */
  class Generator {
    constructor(studio) {
      this.studio = studio;
      this.progressEvents = 0; // how many progress drawings arrived (for the browser test)
      this.lastSeed = null;
      this.previewTake = 0;    // the take drawn live while a job runs (keys 1–4 choose it)
    }

    /** Starts a job of `mode`; errors in the controls or the server's show in the page. */
    async run(mode) {
      const studio = this.studio;
      if (studio.job) { studio.status("A generation is already running."); return; }
      if (studio.takes) { studio.status("Keep or discard the takes first (Enter / Escape)."); return; }
      let job;
      try {
        job = buildJob(studio, mode);
      } catch (error) {
        studio.showError(error);
        return;
      }
      studio.clearError();
      studio.pause();
      this.previewTake = 0;
      const base = studio.committedPiece();
      const controller = new AbortController();
      studio.job = { controller, mode };
      this.showProgress(0, 1, "Sending the job…");
      studio.status(`${labelFor(job)}: generating… (Escape or Cancel stops it)`);
      studio.changed({ save: false });
      let done = null;
      try {
        await Api.generate(job, controller.signal, (event) => {
          const result = this.onEvent(event, base, mode);
          if (result) done = result;
        });
        if (done) this.offerTakes(done, labelFor(job), base, mode);
        else if (!controller.signal.aborted) throw new Error("Generating: the server closed the stream before the job was done.");
      } catch (error) {
        if (error.aborted) studio.status("Generation cancelled.");
        else studio.showError(error);
      } finally {
        studio.job = null;
        studio.preview = null;
        $("bar-progress").hidden = true;
        studio.changed({ save: false });
      }
    }

    /** Handles one stream event; returns the `done` event when the job is done. */
    onEvent(event, base, mode) {
      const studio = this.studio;
      switch (event.type) {
        case "queued":
          this.showProgress(0, 1, `Queued: position ${event.position} (another job is running)`);
          return null;
        case "started":
          this.showProgress(0, 1, "Started: the model is drawing");
          return null;
        case "progress": {
          this.progressEvents += 1;
          const eta = event.eta !== undefined && event.eta !== null ? `, about ${formatSeconds(event.eta)} left` : "";
          this.showProgress(event.done, event.total, `${event.done}/${event.total}, ${formatSeconds(event.elapsed)}${eta}`);
          if (Array.isArray(event.pieces) && event.pieces.length > 0) {
            const index = Math.min(this.previewTake, event.pieces.length - 1);
            studio.preview = relock(event.pieces[index], base, mode);
            studio.redraw();
          }
          return null;
        }
        case "done":
          return event;
        case "error":
          throw new Api.ApiError(event.message || "Generating: the server reported an error.", 0);
        default:
          return null; // an event this page does not know: ignore it
      }
    }

    showProgress(done, total, text) {
      $("bar-progress").hidden = false;
      $("progress").max = Math.max(1, total);
      $("progress").value = Math.min(done, total);
      $("progress-text").textContent = text;
    }

    cancel() {
      if (this.studio.job) this.studio.job.controller.abort();
    }

    /** Offers the finished job's takes for audition. */
    offerTakes(done, label, base, mode) {
      const studio = this.studio;
      const pieces = (done.takes || []).map((piece) => relock(piece, base, mode));
      if (pieces.length === 0) throw new Error("Generating: the server finished without any takes.");
      this.lastSeed = done.seed;
      $("last-seed").textContent = done.seed !== undefined && done.seed !== null ? `used seed ${done.seed}` : "";
      studio.takes = { pieces, index: Math.min(this.previewTake, pieces.length - 1), seed: done.seed, label };
      studio.preview = null;
      studio.status(`Done in ${formatSeconds(done.seconds)} with seed ${done.seed}. Audition with 1–${pieces.length}, then Keep (Enter) or Discard (Escape).`);
      this.renderTabs();
      if (mode === "new") {
        studio.playhead = 0;
        studio.roll.centerOnNotes(pieces[0].notes);
      } else if (mode === "continue") {
        studio.roll.revealStep(base.steps); // show where the new bars begin
      }
    }

    /** Shows take `index` (keys 1–4); playback switches to it. */
    chooseTake(index) {
      const studio = this.studio;
      if (studio.job) { this.previewTake = index; return; } // the live drawing follows the choice
      if (!studio.takes || index >= studio.takes.pieces.length) return;
      studio.takes.index = index;
      this.renderTabs();
      studio.changed({ save: false });
    }

    /** Commits the chosen take: one history entry with its seed. */
    keep() {
      const studio = this.studio;
      const takes = studio.takes;
      if (!takes) return;
      studio.takes = null;
      studio.selection = new Set();
      studio.region = null;
      $("bar-takes").hidden = true;
      const label = takes.pieces.length > 1 ? `${takes.label} (take ${takes.index + 1})` : takes.label;
      studio.commit(label, takes.pieces[takes.index], takes.seed);
    }

    discard() {
      const studio = this.studio;
      if (!studio.takes) return;
      studio.takes = null;
      $("bar-takes").hidden = true;
      studio.status("Takes discarded.");
      studio.changed({ save: false });
    }

    renderTabs() {
      const takes = this.studio.takes;
      const tabs = $("take-tabs");
      tabs.replaceChildren();
      if (!takes) { $("bar-takes").hidden = true; return; }
      takes.pieces.forEach((piece, index) => {
        const button = document.createElement("button");
        button.textContent = `Take ${index + 1}`;
        button.setAttribute("role", "tab");
        button.setAttribute("aria-selected", String(index === takes.index));
        button.title = `${piece.notes.length} notes (key ${index + 1})`;
        button.addEventListener("click", () => this.chooseTake(index));
        tabs.appendChild(button);
      });
      $("takes-info").textContent = `seed ${takes.seed}`;
      $("bar-takes").hidden = false;
    }
  }

  window.FM.Generator = Generator;
})();
