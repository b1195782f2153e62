// FractalMIDI Studio: the piano roll canvas. It draws a scene (the piece, the selection, the
// region, the playhead…) that the studio hands it, owns the view (zoom and scroll), and turns
// pointer positions into steps and pitches. It holds no musical state of its own.
"use strict";

(function () {
  const { Piece } = window.FM;

  const KEYS_WIDTH = 56;      // the keyboard at the left, in CSS pixels
  const RULER_HEIGHT = 22;    // the bar-number ruler at the top
  const PITCHES = 128;
  const EDGE_GRAB = 6;        // pixels at a note's right end that grab its length
  const NOTE_NAMES = ["C", "C♯", "D", "D♯", "E", "F", "F♯", "G", "G♯", "A", "A♯", "B"];
  const BLACK_KEYS = new Set([1, 3, 6, 8, 10]);

  /** "C4" for MIDI 60. */
  function pitchName(pitch) {
    return `${NOTE_NAMES[pitch % 12]}${Math.floor(pitch / 12) - 1}`;
  }

  function isBlack(pitch) {
    return BLACK_KEYS.has(pitch % 12);
  }

  /** The fill colour of a velocity bin: blue (soft) through green and yellow to red (loud). */
  function velocityColour(velocity, bins) {
    const t = bins > 1 ? Math.min(1, Math.max(0, velocity / (bins - 1))) : 0.5;
    const hue = 225 - 225 * t;
    return `hsl(${hue.toFixed(0)}, 80%, ${(48 + 8 * Math.sin(t * Math.PI)).toFixed(0)}%)`;
  }

  class Roll {
    constructor(canvas) {
      this.canvas = canvas;
      this.context = canvas.getContext("2d");
      this.view = { pxPerStep: 14, rowHeight: 10, scrollX: 0, scrollY: 0 };
      this.scene = null;
      this.pending = false;
      this.hatch = null;
      this.scrollbar = document.getElementById("hscroll");
      this.scrollbarInner = document.getElementById("hscroll-inner");
      this.scrollbar.addEventListener("scroll", () => this.onScrollbar());
      new ResizeObserver(() => this.resize()).observe(canvas);
      canvas.addEventListener("wheel", (event) => this.onWheel(event), { passive: false });
      this.resize();
      this.centerOnPitch(60);
    }

    // ---- geometry ------------------------------------------------------------------------

    get width() { return this.canvas.clientWidth; }
    get height() { return this.canvas.clientHeight; }
    get gridWidth() { return Math.max(1, this.width - KEYS_WIDTH); }
    get gridHeight() { return Math.max(1, this.height - RULER_HEIGHT); }

    xOfStep(step) { return KEYS_WIDTH + step * this.view.pxPerStep - this.view.scrollX; }
    yOfPitch(pitch) { return RULER_HEIGHT + (PITCHES - 1 - pitch) * this.view.rowHeight - this.view.scrollY; }

    /** The (fractional) step under an x position. */
    stepAt(x) { return (x - KEYS_WIDTH + this.view.scrollX) / this.view.pxPerStep; }

    /** The pitch of the row under a y position, clamped to 0…127. */
    pitchAt(y) {
      const row = Math.floor((y - RULER_HEIGHT + this.view.scrollY) / this.view.rowHeight);
      return Math.min(PITCHES - 1, Math.max(0, PITCHES - 1 - row));
    }

    /** Which part of the canvas a point is in: "ruler", "keys" or "grid". */
    areaAt(x, y) {
      if (y < RULER_HEIGHT) return "ruler";
      if (x < KEYS_WIDTH) return "keys";
      return "grid";
    }

    /** A pointer event's position in canvas (CSS) pixels. */
    pointOf(event) {
      const rect = this.canvas.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    }

    /**
     * The note under a point: { index, edge } (edge: on its right end, to resize) or null.
     * Later notes are drawn on top, so they are hit first.
     */
    noteAt(notes, x, y) {
      const pitch = this.pitchAt(y);
      for (let index = notes.length - 1; index >= 0; index--) {
        const note = notes[index];
        if (note.pitch !== pitch) continue;
        const left = this.xOfStep(note.step);
        const right = this.xOfStep(note.step + note.length);
        if (x >= left && x <= right) {
          const grab = Math.min(EDGE_GRAB, (right - left) / 3);
          return { index, edge: x >= right - grab };
        }
      }
      return null;
    }

    /** Client (viewport) coordinates of the middle of a cell: for tests and tooltips. */
    clientPointOf(step, pitch) {
      const rect = this.canvas.getBoundingClientRect();
      return {
        x: rect.left + this.xOfStep(step + 0.5),
        y: rect.top + this.yOfPitch(pitch) + this.view.rowHeight / 2,
      };
    }

    // ---- view: zoom and scroll -------------------------------------------------------------

    resize() {
      const ratio = window.devicePixelRatio || 1;
      this.canvas.width = Math.max(1, Math.round(this.width * ratio));
      this.canvas.height = Math.max(1, Math.round(this.height * ratio));
      this.clampScroll();
      this.draw();
    }

    /** The scrollable width in pixels: the piece plus a few bars to draw into. */
    contentWidth() {
      const steps = this.scene ? this.scene.piece.steps + 4 * Piece.barSteps(this.scene.piece) : 256;
      return steps * this.view.pxPerStep;
    }

    /** Keeps the scroll inside the piece (plus a few bars to draw into) and the 128 rows. */
    clampScroll() {
      const maxX = Math.max(0, this.contentWidth() - this.gridWidth);
      const maxY = Math.max(0, PITCHES * this.view.rowHeight - this.gridHeight);
      this.view.scrollX = Math.min(maxX, Math.max(0, this.view.scrollX));
      this.view.scrollY = Math.min(maxY, Math.max(0, this.view.scrollY));
    }

    /** Brings the native scrollbar in line with the view (called on every paint). */
    syncScrollbar() {
      const width = `${Math.round(this.contentWidth())}px`;
      if (this.scrollbarInner.style.width !== width) this.scrollbarInner.style.width = width;
      if (Math.abs(this.scrollbar.scrollLeft - this.view.scrollX) > 1) this.scrollbar.scrollLeft = this.view.scrollX;
    }

    /** The scrollbar was dragged: scroll the view with it. */
    onScrollbar() {
      if (Math.abs(this.scrollbar.scrollLeft - this.view.scrollX) <= 1) return;
      this.view.scrollX = this.scrollbar.scrollLeft;
      this.clampScroll();
      this.draw();
    }

    /** Scrolls so `pitch` is in the middle of the view. */
    centerOnPitch(pitch) {
      this.view.scrollY = (PITCHES - 1 - pitch) * this.view.rowHeight - this.gridHeight / 2;
      this.clampScroll();
      this.draw();
    }

    /** Scrolls vertically so the piece's notes are in view (middle C when it has none). */
    centerOnNotes(notes) {
      if (notes.length === 0) { this.centerOnPitch(60); return; }
      const pitches = notes.map((n) => n.pitch);
      this.centerOnPitch((Math.min(...pitches) + Math.max(...pitches)) / 2);
    }

    /** Horizontal zoom by `factor`, keeping the step under `anchorX` in place. */
    zoomX(factor, anchorX = KEYS_WIDTH + this.gridWidth / 2) {
      const step = this.stepAt(anchorX);
      this.view.pxPerStep = Math.min(64, Math.max(1.5, this.view.pxPerStep * factor));
      this.view.scrollX = step * this.view.pxPerStep - (anchorX - KEYS_WIDTH);
      this.clampScroll();
      this.draw();
    }

    /** Vertical zoom by `factor`, keeping the row under `anchorY` in place. */
    zoomY(factor, anchorY = RULER_HEIGHT + this.gridHeight / 2) {
      const rows = (anchorY - RULER_HEIGHT + this.view.scrollY) / this.view.rowHeight;
      this.view.rowHeight = Math.min(32, Math.max(4, this.view.rowHeight * factor));
      this.view.scrollY = rows * this.view.rowHeight - (anchorY - RULER_HEIGHT);
      this.clampScroll();
      this.draw();
    }

    /** Fits the whole piece into the width. */
    fitWidth() {
      if (!this.scene) return;
      this.view.pxPerStep = Math.min(64, Math.max(1.5, this.gridWidth / Math.max(1, this.scene.piece.steps)));
      this.view.scrollX = 0;
      this.clampScroll();
      this.draw();
    }

    /** Scrolls horizontally so `step` is visible (used to follow the playhead). */
    revealStep(step) {
      const x = this.xOfStep(step);
      if (x < KEYS_WIDTH || x > this.width - 20) {
        this.view.scrollX = step * this.view.pxPerStep - this.gridWidth * 0.1;
        this.clampScroll();
      }
    }

    /** Wheel: scroll; shift+wheel: horizontal; ctrl+wheel: horizontal zoom; ctrl+shift: vertical zoom. */
    onWheel(event) {
      event.preventDefault();
      const point = this.pointOf(event);
      const delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
      if (event.ctrlKey || event.metaKey) {
        const factor = Math.exp(-delta * 0.002);
        if (event.shiftKey || event.altKey) this.zoomY(factor, point.y); else this.zoomX(factor, point.x);
        return;
      }
      if (event.shiftKey) {
        this.view.scrollX += delta;
      } else {
        this.view.scrollX += event.deltaMode === 1 ? event.deltaX * 16 : event.deltaX;
        this.view.scrollY += delta;
      }
      this.clampScroll();
      this.draw();
    }

    // ---- drawing -------------------------------------------------------------------------

    /** Sets what to draw and draws it on the next frame. */
    show(scene) {
      this.scene = scene;
      this.clampScroll();
      this.draw();
    }

    /** Asks for a redraw on the next animation frame (many calls, one draw). */
    draw() {
      if (this.pending) return;
      this.pending = true;
      requestAnimationFrame(() => {
        this.pending = false;
        this.paint();
      });
    }

    paint() {
      const g = this.context;
      const ratio = this.canvas.width / Math.max(1, this.width);
      g.setTransform(ratio, 0, 0, ratio, 0, 0);
      g.clearRect(0, 0, this.width, this.height);
      if (!this.scene) return;
      this.syncScrollbar();
      this.paintRows(g);
      this.paintGridLines(g);
      this.paintRegion(g);
      this.paintNotes(g);
      this.paintBand(g);
      this.paintKeys(g);
      this.paintRuler(g);
      this.paintPlayhead(g);
      this.paintBanner(g);
    }

    /** The visible pitch range, low to high. */
    visiblePitches() {
      return { low: this.pitchAt(this.height), high: this.pitchAt(RULER_HEIGHT) };
    }

    paintRows(g) {
      const { piece } = this.scene;
      const { low, high } = this.visiblePitches();
      const h = this.view.rowHeight;
      g.fillStyle = "#1b1e24";
      g.fillRect(KEYS_WIDTH, RULER_HEIGHT, this.gridWidth, this.gridHeight);
      for (let pitch = low; pitch <= high; pitch++) {
        const y = this.yOfPitch(pitch);
        if (isBlack(pitch)) {
          g.fillStyle = "#16181d";
          g.fillRect(KEYS_WIDTH, y, this.gridWidth, h);
        }
        if (pitch % 12 === 0) {
          g.fillStyle = "#2c313b";
          g.fillRect(KEYS_WIDTH, y + h - 1, this.gridWidth, 1);
        }
      }
      // Past the end of the piece: dimmed.
      const endX = Math.max(KEYS_WIDTH, this.xOfStep(piece.steps));
      if (endX < this.width) {
        g.fillStyle = "rgba(0,0,0,0.35)";
        g.fillRect(endX, RULER_HEIGHT, this.width - endX, this.gridHeight);
      }
    }

    paintGridLines(g) {
      const { piece } = this.scene;
      const perBar = Piece.barSteps(piece);
      const first = Math.max(0, Math.floor(this.stepAt(KEYS_WIDTH)));
      const last = Math.ceil(this.stepAt(this.width));
      const showSteps = this.view.pxPerStep >= 7;
      const showBeats = this.view.pxPerStep * Piece.STEPS_PER_BEAT >= 6;
      for (let step = first; step <= last; step++) {
        let colour = null;
        if (step % perBar === 0) colour = "#5a6272";
        else if (step % Piece.STEPS_PER_BEAT === 0) colour = showBeats ? "#353b47" : null;
        else if (showSteps) colour = "#23272f";
        if (!colour) continue;
        g.fillStyle = colour;
        g.fillRect(Math.round(this.xOfStep(step)), RULER_HEIGHT, 1, this.gridHeight);
      }
    }

    paintRegion(g) {
      const region = this.scene.region;
      if (!region) return;
      const x = this.xOfStep(region.startStep);
      const w = this.xOfStep(region.endStep) - x;
      const y = this.yOfPitch(region.highPitch);
      const h = this.yOfPitch(region.lowPitch) + this.view.rowHeight - y;
      g.fillStyle = "rgba(120, 170, 255, 0.13)";
      g.fillRect(x, y, w, h);
      g.save();
      g.setLineDash([5, 4]);
      g.strokeStyle = "rgba(140, 190, 255, 0.9)";
      g.lineWidth = 1;
      g.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
      g.restore();
    }

    /** A diagonal-stripe pattern marking locked notes. */
    hatchPattern(g) {
      if (this.hatch) return this.hatch;
      const tile = document.createElement("canvas");
      tile.width = 6;
      tile.height = 6;
      const t = tile.getContext("2d");
      t.strokeStyle = "rgba(0,0,0,0.45)";
      t.lineWidth = 1.5;
      t.beginPath();
      t.moveTo(0, 6); t.lineTo(6, 0);
      t.moveTo(-1, 1); t.lineTo(1, -1);
      t.moveTo(5, 7); t.lineTo(7, 5);
      t.stroke();
      this.hatch = g.createPattern(tile, "repeat");
      return this.hatch;
    }

    paintNotes(g) {
      const { piece, selection } = this.scene;
      const bins = piece.velocityBins || 32;
      const h = this.view.rowHeight;
      const left = this.stepAt(KEYS_WIDTH);
      const right = this.stepAt(this.width);
      piece.notes.forEach((note, index) => {
        if (note.step > right || note.step + note.length < left) return;
        const x = this.xOfStep(note.step);
        const w = Math.max(2, note.length * this.view.pxPerStep - 1);
        const y = this.yOfPitch(note.pitch);
        if (y + h < RULER_HEIGHT || y > this.height) return;
        g.fillStyle = velocityColour(note.velocity, bins);
        g.fillRect(x, y + 1, w, h - 1);
        if (note.locked) {
          g.fillStyle = this.hatchPattern(g);
          g.fillRect(x, y + 1, w, h - 1);
          g.strokeStyle = "#f4d35e";
          g.lineWidth = 1.5;
          g.strokeRect(x + 0.75, y + 1.75, w - 1.5, h - 2.5);
        }
        if (selection && selection.has(index)) {
          g.strokeStyle = "#ffffff";
          g.lineWidth = 2;
          g.strokeRect(x + 1, y + 2, w - 2, h - 3);
        }
      });
    }

    /** The rubber band of a selection drag, or the region being dragged. */
    paintBand(g) {
      const band = this.scene.band;
      if (!band) return;
      g.strokeStyle = "rgba(255,255,255,0.8)";
      g.fillStyle = "rgba(255,255,255,0.08)";
      g.lineWidth = 1;
      const x = Math.min(band.x0, band.x1), y = Math.min(band.y0, band.y1);
      const w = Math.abs(band.x1 - band.x0), h = Math.abs(band.y1 - band.y0);
      g.fillRect(x, y, w, h);
      g.strokeRect(x + 0.5, y + 0.5, w, h);
    }

    paintKeys(g) {
      const { low, high } = this.visiblePitches();
      const h = this.view.rowHeight;
      g.fillStyle = "#0e1014";
      g.fillRect(0, RULER_HEIGHT, KEYS_WIDTH, this.gridHeight);
      g.font = `${Math.min(11, Math.max(8, h - 1))}px system-ui, sans-serif`;
      g.textBaseline = "middle";
      for (let pitch = low; pitch <= high; pitch++) {
        const y = this.yOfPitch(pitch);
        const black = isBlack(pitch);
        const pressed = this.scene.pressedKey === pitch;
        g.fillStyle = pressed ? "#8ab4ff" : black ? "#22252b" : "#e9e9ec";
        g.fillRect(0, y + 0.5, black ? KEYS_WIDTH * 0.62 : KEYS_WIDTH - 1, h - 1);
        if (pitch % 12 === 0 && h >= 7) {
          g.fillStyle = pressed ? "#000" : "#444a55";
          g.fillText(pitchName(pitch), KEYS_WIDTH - 26, y + h / 2);
        }
      }
      g.fillStyle = "#3a3f4a";
      g.fillRect(KEYS_WIDTH - 1, RULER_HEIGHT, 1, this.gridHeight);
    }

    paintRuler(g) {
      const { piece, loop } = this.scene;
      const perBar = Piece.barSteps(piece);
      g.fillStyle = "#262a32";
      g.fillRect(0, 0, this.width, RULER_HEIGHT);
      if (loop) {
        const x0 = Math.max(KEYS_WIDTH, this.xOfStep(loop.startStep));
        const x1 = this.xOfStep(loop.endStep);
        g.fillStyle = "rgba(244, 211, 94, 0.35)";
        g.fillRect(x0, 2, Math.max(0, x1 - x0), RULER_HEIGHT - 4);
      }
      g.font = "11px system-ui, sans-serif";
      g.textBaseline = "middle";
      const firstBar = Math.max(0, Math.floor(this.stepAt(KEYS_WIDTH) / perBar));
      const lastBar = Math.ceil(this.stepAt(this.width) / perBar);
      const every = Math.max(1, Math.ceil(30 / (perBar * this.view.pxPerStep)));
      for (let bar = firstBar; bar <= lastBar; bar++) {
        const x = Math.round(this.xOfStep(bar * perBar));
        if (x < KEYS_WIDTH) continue;
        g.fillStyle = "#5a6272";
        g.fillRect(x, RULER_HEIGHT - 8, 1, 8);
        if (bar % every === 0) {
          g.fillStyle = "#b8bfcc";
          g.fillText(String(bar + 1), x + 3, RULER_HEIGHT / 2);
        }
      }
      g.fillStyle = "#0e1014";
      g.fillRect(0, 0, KEYS_WIDTH, RULER_HEIGHT);
      g.fillStyle = "#3a3f4a";
      g.fillRect(0, RULER_HEIGHT - 1, this.width, 1);
    }

    paintPlayhead(g) {
      const x = Math.round(this.xOfStep(this.scene.playhead)) + 0.5;
      if (x < KEYS_WIDTH || x > this.width) return;
      g.strokeStyle = "#ff5d73";
      g.lineWidth = 1.5;
      g.beginPath();
      g.moveTo(x, 0);
      g.lineTo(x, this.height);
      g.stroke();
      g.fillStyle = "#ff5d73";
      g.beginPath();
      g.moveTo(x - 6, 0);
      g.lineTo(x + 6, 0);
      g.lineTo(x, 9);
      g.closePath();
      g.fill();
    }

    /** A line of text over the roll (e.g. "Take 2 of 3 — not kept yet"). */
    paintBanner(g) {
      const text = this.scene.banner;
      if (!text) return;
      g.font = "12px system-ui, sans-serif";
      const w = g.measureText(text).width + 16;
      g.fillStyle = "rgba(14,16,20,0.85)";
      g.fillRect(this.width - w - 10, RULER_HEIGHT + 8, w, 22);
      g.fillStyle = "#f4d35e";
      g.textBaseline = "middle";
      g.fillText(text, this.width - w - 2, RULER_HEIGHT + 19);
    }
  }

  Roll.KEYS_WIDTH = KEYS_WIDTH;
  Roll.RULER_HEIGHT = RULER_HEIGHT;
  Roll.pitchName = pitchName;
  Roll.velocityColour = velocityColour;

  window.FM = window.FM || {};
  window.FM.Roll = Roll;
})();
