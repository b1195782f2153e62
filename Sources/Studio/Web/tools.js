// FractalMIDI Studio: pointer gestures on the piano roll. Each press starts one gesture (an
// object with move() and end()); an edit gesture works on a draft and keeps it as one history
// entry when the pointer is released.
"use strict";

(function () {
  const { Piece } = window.FM;

  const DEFAULT_NOTE_LENGTH = 4; // a pencil click draws a beat-long note

  /** Attaches the gestures to the studio's canvas. */
  function attachTools(studio) {
    const roll = studio.roll;
    const canvas = roll.canvas;
    let gesture = null;
    let lastLength = DEFAULT_NOTE_LENGTH;

    canvas.addEventListener("pointerdown", (event) => {
      if (event.button !== 0 || gesture) return;
      canvas.focus();
      const point = roll.pointOf(event);
      gesture = startGesture(point, event);
      if (gesture) {
        canvas.setPointerCapture(event.pointerId);
        event.preventDefault();
      }
    });

    canvas.addEventListener("pointermove", (event) => {
      const point = roll.pointOf(event);
      if (gesture) gesture.move(point, event); else updateCursor(point);
    });

    const finish = (event) => {
      if (!gesture) return;
      const current = gesture;
      gesture = null;
      current.end(roll.pointOf(event), event);
    };
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);

    /** Picks the gesture for a press, by where it lands and the tool. */
    function startGesture(point, event) {
      const area = roll.areaAt(point.x, point.y);
      if (area === "ruler") return scrubGesture(point);
      if (area === "keys") return keyGesture(point);
      if (!studio.canEdit()) {
        studio.status(studio.job ? "A generation is running: wait for it or cancel it." : "Keep or discard the takes first (Enter / Escape).");
        return null;
      }
      if (studio.tool === "region") return regionGesture(point, event);
      const hit = roll.noteAt(studio.committedPiece().notes, point.x, point.y);
      if (studio.tool === "pencil") {
        if (!hit) return drawGesture(point);
        if (!studio.selection.has(hit.index)) studio.selection = new Set([hit.index]);
        return hit.edge ? resizeGesture(point) : moveGesture(point, hit.index);
      }
      // The select tool.
      if (!hit) return bandGesture(point, event.shiftKey);
      if (event.shiftKey && studio.selection.has(hit.index)) {
        studio.selection.delete(hit.index);
        studio.changed({ save: false });
        return null;
      }
      if (event.shiftKey) studio.selection.add(hit.index);
      else if (!studio.selection.has(hit.index)) studio.selection = new Set([hit.index]);
      studio.changed({ save: false });
      return hit.edge ? resizeGesture(point) : moveGesture(point, hit.index);
    }

    /** The cursor tells what a press would do: resize at a note's end, move on its body. */
    function updateCursor(point) {
      let cursor = studio.tool === "select" ? "default" : "crosshair";
      if (roll.areaAt(point.x, point.y) === "ruler") cursor = "text";
      else if (roll.areaAt(point.x, point.y) === "keys") cursor = "pointer";
      else if (studio.tool !== "region" && studio.canEdit()) {
        const hit = roll.noteAt(studio.committedPiece().notes, point.x, point.y);
        if (hit) cursor = hit.edge ? "ew-resize" : "move";
      }
      canvas.style.cursor = cursor;
    }

    // ---- the ruler and the keyboard ------------------------------------------------------

    /** Click or drag in the ruler: move the playhead (the sound follows on release). */
    function scrubGesture(point) {
      const wasPlaying = studio.player.isPlaying();
      if (wasPlaying) studio.pause();
      studio.seek(roll.stepAt(point.x), false);
      return {
        move(p) { studio.seek(roll.stepAt(p.x), false); },
        end(p) { studio.seek(roll.stepAt(p.x), wasPlaying); },
      };
    }

    /** Press a key of the keyboard: hear it; slide to hear the others. */
    function keyGesture(point) {
      const press = (pitch) => {
        studio.pressedKey = pitch;
        studio.previewNote(pitch);
        studio.redraw();
      };
      press(roll.pitchAt(point.y));
      return {
        move(p) {
          const pitch = roll.pitchAt(p.y);
          if (pitch !== studio.pressedKey) press(pitch);
        },
        end() {
          studio.pressedKey = null;
          studio.redraw();
        },
      };
    }

    // ---- note edits ----------------------------------------------------------------------

    /** Pencil: press to start a note, drag to set its length (snapped to steps). */
    function drawGesture(point) {
      const base = studio.committedPiece();
      const pitch = roll.pitchAt(point.y);
      const start = Math.floor(roll.stepAt(point.x));
      if (start < 0 || start >= base.steps) return null;
      const velocity = Number(document.getElementById("velocity").value);
      let dragged = false;
      const lengthTo = (p) => Math.max(1, Math.floor(roll.stepAt(p.x)) + 1 - start);
      const place = (length) => {
        const draft = Piece.clonePiece(base);
        const note = { pitch, step: start, length: Math.min(length, base.steps - start), velocity };
        draft.notes.push(note);
        studio.draft = draft;
        studio.selection = new Set([draft.notes.length - 1]);
        studio.redraw();
        return { draft, note };
      };
      place(lastLength);
      studio.previewNote(pitch, velocity);
      return {
        move(p) {
          if (Math.floor(roll.stepAt(p.x)) !== start) dragged = true;
          if (dragged) place(lengthTo(p));
        },
        end(p) {
          const length = dragged ? lengthTo(p) : lastLength;
          if (dragged) lastLength = length;
          const { draft, note } = place(length);
          studio.commitEdit(`Draw ${FM.Roll.pitchName(pitch)}`, draft, new Set([note]));
        },
      };
    }

    /** Drag selected notes: steps snap to the grid, pitches to rows. */
    function moveGesture(point, grabbed) {
      const base = studio.committedPiece();
      const indexes = [...studio.selection];
      const startStep = roll.stepAt(point.x);
      const startPitch = roll.pitchAt(point.y);
      const chosen = indexes.map((i) => base.notes[i]);
      // How far the selection may go before a note leaves the piece or the keyboard.
      const minStep = -Math.min(...chosen.map((n) => n.step));
      const maxStep = Math.min(...chosen.map((n) => base.steps - n.step - n.length));
      const minPitch = -Math.min(...chosen.map((n) => n.pitch));
      const maxPitch = 127 - Math.max(...chosen.map((n) => n.pitch));
      let offset = { step: 0, pitch: 0 };
      let draftState = null;

      const apply = (p) => {
        const step = clamp(Math.round(roll.stepAt(p.x) - startStep), minStep, maxStep);
        const pitch = clamp(roll.pitchAt(p.y) - startPitch, minPitch, maxPitch);
        if (pitch !== offset.pitch) {
          const note = base.notes[grabbed];
          studio.previewNote(note.pitch + pitch, note.velocity);
        }
        offset = { step, pitch };
        const draft = Piece.clonePiece(base);
        const moved = new Set(indexes.map((i) => draft.notes[i]));
        for (const note of moved) {
          note.step += step;
          note.pitch += pitch;
        }
        studio.draft = draft;
        studio.redraw();
        draftState = { draft, moved };
      };
      return {
        move: apply,
        end(p) {
          apply(p);
          if (offset.step === 0 && offset.pitch === 0) {
            studio.draft = null;
            studio.changed({ save: false });
            return;
          }
          const count = indexes.length;
          studio.commitEdit(`Move ${count} note${count === 1 ? "" : "s"}`, draftState.draft, draftState.moved);
        },
      };
    }

    /** Drag the right end of the selected notes: every one grows or shrinks by the same steps. */
    function resizeGesture(point) {
      const base = studio.committedPiece();
      const indexes = [...studio.selection];
      const startStep = roll.stepAt(point.x);
      let change = 0;
      let draftState = null;
      const apply = (p) => {
        change = Math.round(roll.stepAt(p.x) - startStep);
        const draft = Piece.clonePiece(base);
        const resized = new Set(indexes.map((i) => draft.notes[i]));
        for (const note of resized) {
          note.length = clamp(note.length + change, 1, base.steps - note.step);
        }
        studio.draft = draft;
        studio.redraw();
        draftState = { draft, resized };
      };
      return {
        move: apply,
        end(p) {
          apply(p);
          if (change === 0) {
            studio.draft = null;
            studio.changed({ save: false });
            return;
          }
          const count = indexes.length;
          if (count === 1) lastLength = [...draftState.resized][0].length;
          studio.commitEdit(`Resize ${count} note${count === 1 ? "" : "s"}`, draftState.draft, draftState.resized);
        },
      };
    }

    /** Rubber band: selects the notes it touches (shift adds to the selection). */
    function bandGesture(point, adding) {
      const before = adding ? new Set(studio.selection) : new Set();
      const apply = (p) => {
        studio.band = { x0: point.x, y0: point.y, x1: p.x, y1: p.y };
        const s0 = roll.stepAt(Math.min(point.x, p.x));
        const s1 = roll.stepAt(Math.max(point.x, p.x));
        const high = roll.pitchAt(Math.min(point.y, p.y));
        const low = roll.pitchAt(Math.max(point.y, p.y));
        const selection = new Set(before);
        studio.committedPiece().notes.forEach((note, index) => {
          if (note.pitch >= low && note.pitch <= high && note.step < s1 && note.step + note.length > s0) selection.add(index);
        });
        studio.selection = selection;
        studio.redraw();
      };
      apply(point);
      return {
        move: apply,
        end(p) {
          apply(p);
          studio.band = null;
          studio.changed({ save: false });
        },
      };
    }

    // ---- the region to regenerate --------------------------------------------------------

    /** Drag a region: steps snap to beats (to bars with shift), pitches to rows. */
    function regionGesture(point, event) {
      const piece = studio.committedPiece();
      const anchorStep = roll.stepAt(point.x);
      const anchorPitch = roll.pitchAt(point.y);
      let moved = false;
      const apply = (p, e) => {
        const unit = e.shiftKey ? Piece.barSteps(piece) : Piece.STEPS_PER_BEAT;
        const here = roll.stepAt(p.x);
        const low = Math.min(anchorStep, here);
        const high = Math.max(anchorStep, here);
        let startStep = clamp(Math.floor(low / unit) * unit, 0, piece.steps);
        let endStep = clamp(Math.ceil(high / unit) * unit, 0, piece.steps);
        if (endStep <= startStep) endStep = Math.min(piece.steps, startStep + unit);
        if (endStep <= startStep) startStep = Math.max(0, endStep - unit);
        const pitch = roll.pitchAt(p.y);
        studio.region = {
          startStep, endStep,
          lowPitch: Math.min(anchorPitch, pitch),
          highPitch: Math.max(anchorPitch, pitch),
        };
        studio.changed({ save: false });
      };
      apply(point, event);
      return {
        move(p, e) {
          if (Math.abs(p.x - point.x) + Math.abs(p.y - point.y) > 3) moved = true;
          apply(p, e);
        },
        end(p, e) {
          if (!moved) {
            studio.region = null; // a click without a drag clears the region
            studio.changed({ save: false });
            return;
          }
          apply(p, e);
          const r = studio.region;
          studio.status(`Region: steps ${r.startStep}–${r.endStep}, ${FM.Roll.pitchName(r.lowPitch)}–${FM.Roll.pitchName(r.highPitch)}. R regenerates it.`);
        },
      };
    }
  }

  function clamp(value, low, high) {
    return Math.min(high, Math.max(low, value));
  }

  window.FM.attachTools = attachTools;
})();
