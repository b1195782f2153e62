// FractalMIDI Studio: start-up and wiring. Loads the model's description, fills the controls,
// connects buttons and keys to the studio's commands, opens the session, and exposes a
// read-only hook (window.studio) for the browser test.
"use strict";

(function () {
  const { Api, Piece, Studio, Generator, Sessions, Files, Roll, $ } = window.FM;

  const studio = new Studio();
  const generator = new Generator(studio);
  const sessions = new Sessions(studio);
  let ready = false;

  /** Fills the model's controls from GET /api/model. */
  function fillModelControls(model) {
    const style = $("style");
    style.replaceChildren();
    for (const name of model.styles || []) style.appendChild(new Option(name, name));
    if (model.defaultStyle) style.value = model.defaultStyle;
    const d = model.defaults || {};
    if (d.temperature !== undefined) $("temperature").value = d.temperature;
    if (d.topP !== undefined) $("top-p").value = d.topP;
    if (d.cfg !== undefined) $("cfg").value = d.cfg;
    if (d.bpm !== undefined) $("bpm").value = d.bpm;
    if (d.bars !== undefined) { $("gen-bars").value = d.bars; $("blank-bars").value = d.bars; }
    const maxTakes = model.limits && model.limits.maxTakes ? model.limits.maxTakes : 4;
    for (const option of [...$("takes").options]) option.disabled = Number(option.value) > maxTakes;
    if (Number($("takes").value) > maxTakes) $("takes").value = String(maxTakes);
    const bins = model.velocityBins || 32;
    $("velocity").max = bins - 1;
    $("velocity").value = Math.round((bins - 1) * 0.62);
    $("velocity-value").textContent = $("velocity").value;
    document.title = `FractalMIDI Studio: ${model.name || "model"}`;
  }

  /** Brings the controls in line with the state after every change. */
  function refreshControls() {
    const editable = studio.canEdit();
    const piece = studio.displayedPiece();
    $("undo").disabled = !editable || studio.position <= 0;
    $("redo").disabled = !editable || studio.position >= studio.history.length - 1;
    $("delete").disabled = !editable || studio.selection.size === 0;
    $("lock").disabled = !editable || studio.selection.size === 0;
    $("paste").disabled = !editable || !studio.clipboard;
    $("copy").disabled = !editable;
    $("blank-btn").disabled = !editable;
    $("session-new").disabled = !editable;
    for (const id of ["gen-new", "gen-continue", "gen-region"]) $(id).disabled = Boolean(studio.job || studio.takes);
    if (!studio.region) $("gen-region").disabled = true;
    if (document.activeElement !== $("bpm") && !studio.job) $("bpm").value = Math.round(piece.bpm * 100) / 100;
    refreshVelocity();
    renderHistory();
    studio.refreshClock();
  }

  /** The velocity slider shows the selection's velocity (their mean when they differ). */
  function refreshVelocity() {
    if (studio.selection.size === 0 || studio.takes || studio.preview) {
      $("velocity-value").textContent = $("velocity").value; // the velocity of new notes
      return;
    }
    const notes = studio.displayedPiece().notes;
    const velocities = [...studio.selection].map((i) => notes[i].velocity);
    const mean = Math.round(velocities.reduce((a, b) => a + b, 0) / velocities.length);
    $("velocity").value = mean;
    $("velocity-value").textContent = velocities.every((v) => v === velocities[0]) ? String(mean) : `~${mean}`;
  }

  /** The history list: each entry's label and seed; a click goes there. */
  function renderHistory() {
    const list = $("history");
    list.replaceChildren();
    studio.history.forEach((entry, index) => {
      const item = document.createElement("li");
      item.textContent = entry.label;
      if (entry.seed !== undefined && entry.seed !== null) {
        const seed = document.createElement("span");
        seed.className = "seed";
        seed.textContent = ` seed ${entry.seed}`;
        seed.title = "Click to use this seed again";
        seed.addEventListener("click", (event) => {
          event.stopPropagation();
          $("seed").value = entry.seed;
        });
        item.appendChild(seed);
      }
      item.className = index === studio.position ? "current" : index > studio.position ? "future" : "";
      item.title = `${entry.piece.notes.length} notes, ${Piece.barCount(entry.piece)} bars`;
      item.addEventListener("click", () => studio.goTo(index));
      list.appendChild(item);
    });
    const current = list.children[studio.position];
    if (current) current.scrollIntoView({ block: "nearest" });
  }

  /** Buttons and inputs. */
  function wireControls() {
    const on = (id, event, handler) => $(id).addEventListener(event, handler);
    on("open-file", "change", (event) => {
      const file = event.target.files[0];
      event.target.value = ""; // the same file may be opened again
      if (file) Files.openMidiFile(studio, sessions, file);
    });
    on("blank-btn", "click", () => {
      const bars = Number($("blank-bars").value);
      if (!Number.isInteger(bars) || bars < 1) { studio.showError("Blank: enter a whole number of bars (1 or more)."); return; }
      studio.blank(bars, Number($("blank-meter").value));
    });
    on("session-select", "change", (event) => { if (event.target.value) sessions.open(event.target.value); });
    on("session-new", "click", () => sessions.startNew());
    on("session-title", "input", (event) => sessions.setTitle(event.target.value));
    on("export-midi", "click", () => Files.exportAs(studio, sessions, "midi"));
    on("export-wav", "click", () => Files.exportAs(studio, sessions, "wav"));
    on("export-png", "click", () => Files.exportAs(studio, sessions, "png"));
    on("play", "click", () => studio.togglePlay());
    on("loop", "click", () => studio.toggleLoop());
    for (const button of document.querySelectorAll("button.tool")) {
      button.addEventListener("click", () => studio.setTool(button.dataset.tool));
    }
    on("undo", "click", () => studio.undo());
    on("redo", "click", () => studio.redo());
    on("delete", "click", () => studio.deleteSelection());
    on("copy", "click", () => studio.copyBars());
    on("paste", "click", () => studio.pasteBars());
    on("lock", "click", () => studio.toggleLock());
    on("velocity", "input", () => { $("velocity-value").textContent = $("velocity").value; });
    on("velocity", "change", () => studio.setSelectionVelocity(Number($("velocity").value)));
    on("zoom-x-in", "click", () => studio.roll.zoomX(1.4));
    on("zoom-x-out", "click", () => studio.roll.zoomX(1 / 1.4));
    on("zoom-y-in", "click", () => studio.roll.zoomY(1.25));
    on("zoom-y-out", "click", () => studio.roll.zoomY(1 / 1.25));
    on("zoom-fit", "click", () => studio.roll.fitWidth());
    on("bpm", "change", () => {
      const bpm = Number($("bpm").value);
      if (bpm >= 20 && bpm <= 300) studio.setTempo(bpm);
      else studio.showError("BPM: enter a tempo between 20 and 300.");
    });
    on("last-seed", "click", () => { if (generator.lastSeed !== null) $("seed").value = generator.lastSeed; });
    on("gen-new", "click", () => generator.run("new"));
    on("gen-continue", "click", () => generator.run("continue"));
    on("gen-region", "click", () => generator.run("inpaint"));
    on("cancel", "click", () => generator.cancel());
    on("keep", "click", () => generator.keep());
    on("discard", "click", () => generator.discard());
    on("error-close", "click", () => studio.clearError());
  }

  /** Whether a key press belongs to a text field rather than to the studio. */
  function typingInField(event) {
    const target = event.target;
    if (!(target instanceof HTMLElement)) return false;
    if (target.isContentEditable || target.tagName === "TEXTAREA") return true;
    if (target.tagName === "SELECT") return true;
    if (target.tagName === "INPUT") return !["range", "checkbox", "button", "file"].includes(target.type);
    return false;
  }

  /** The keyboard shortcuts. */
  function onKeyDown(event) {
    if (!ready || typingInField(event)) return;
    const ctrl = event.ctrlKey || event.metaKey;
    const key = event.key;
    const lower = key.length === 1 ? key.toLowerCase() : key;
    let handled = true;
    if (ctrl && lower === "z" && !event.shiftKey) studio.undo();
    else if (ctrl && (lower === "z" || lower === "y")) studio.redo();
    else if (ctrl && lower === "c") studio.copyBars();
    else if (ctrl && lower === "v") studio.pasteBars();
    else if (ctrl && lower === "a") studio.selectAll();
    else if (ctrl || event.altKey) handled = false;
    else if (key === " ") studio.togglePlay();
    else if (lower === "l") studio.toggleLoop();
    else if (lower === "r") generator.run(studio.region ? "inpaint" : "new");
    else if (key >= "1" && key <= "4") generator.chooseTake(Number(key) - 1);
    else if (key === "Enter" && studio.takes) generator.keep();
    else if (key === "Escape") onEscape();
    else if (key === "Delete" || key === "Backspace") studio.deleteSelection();
    else if (lower === "p") studio.setTool("pencil");
    else if (lower === "v") studio.setTool("select");
    else if (lower === "g") studio.setTool("region");
    else if (lower === "k") studio.toggleLock();
    else handled = false;
    if (handled) event.preventDefault();
  }

  /** Escape: cancel a job, else discard takes, else clear the region and the selection. */
  function onEscape() {
    if (studio.job) generator.cancel();
    else if (studio.takes) generator.discard();
    else {
      studio.region = null;
      studio.selection = new Set();
      studio.changed({ save: false });
    }
  }

  /** The read-only hook for tests: copies of the state, and where a cell is on screen. */
  function exposeTestHook() {
    const copy = (value) => JSON.parse(JSON.stringify(value));
    window.studio = Object.freeze({
      ready: () => ready,
      currentPiece: () => copy(Piece.toServer(studio.displayedPiece())),
      committedPiece: () => copy(Piece.toServer(studio.committedPiece())),
      lockedIndexes: () => Piece.lockedIndexes(studio.committedPiece()),
      historyLength: () => studio.history.length,
      position: () => studio.position,
      historyEntries: () => studio.history.map((e) => ({ label: e.label, seed: e.seed === undefined ? null : e.seed })),
      region: () => (studio.region ? copy(studio.region) : null),
      selection: () => [...studio.selection].sort((a, b) => a - b),
      takes: () => (studio.takes ? { count: studio.takes.pieces.length, index: studio.takes.index, seed: studio.takes.seed } : null),
      generating: () => Boolean(studio.job),
      progressEvents: () => generator.progressEvents,
      sessionId: () => sessions.id,
      saveState: () => sessions.state,
      playhead: () => studio.playhead,
      audioLevel: () => studio.player.renderLevel(studio.displayedPiece()),
      clientPointOf: (step, pitch) => studio.roll.clientPointOf(step, pitch),
      pitchName: Roll.pitchName,
    });
  }

  async function start() {
    exposeTestHook();
    wireControls();
    FM.attachTools(studio);
    Files.attachDrop(studio, sessions);
    document.addEventListener("keydown", onKeyDown);
    studio.onChange(refreshControls);
    studio.setTool("pencil");
    try {
      studio.model = await Api.model();
    } catch (error) {
      studio.showError(error);
      return;
    }
    fillModelControls(studio.model);
    const d = studio.model.defaults;
    const piece = Piece.blankPiece(d.bars || 8, d.bpm || 120, 4, studio.velocityBins());
    studio.resetHistory([{ label: `Blank ${d.bars || 8} bars`, piece }], 0);
    await sessions.start();
    studio.refreshTransport();
    ready = true;
    studio.status(`Model ${studio.model.name}: ${studio.model.styles.length} styles. Open a MIDI file, draw, or generate.`);
  }

  start();
})();
