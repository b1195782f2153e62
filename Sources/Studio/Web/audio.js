// FractalMIDI Studio: sound. Exact playback plays the server's FluidSynth render of the whole
// piece (rendered again only when the piece changed); instant feedback (a key, a drawn note)
// plays a cached sample of a nearby anchor pitch, re-pitched with playbackRate.
"use strict";

(function () {
  const { Api, Piece } = window.FM;

  /** Anchor pitches whose samples are fetched (lazily); others are re-pitched from the nearest. */
  const ANCHOR_LOW = 24;
  const ANCHOR_HIGH = 108;
  const ANCHOR_SPACING = 6;

  /** Seconds from the start of the piece to `step`. */
  function stepToSeconds(step, bpm) {
    return step / Piece.STEPS_PER_BEAT * 60 / bpm;
  }

  function secondsToStep(seconds, bpm) {
    return seconds * bpm / 60 * Piece.STEPS_PER_BEAT;
  }

  class Player {
    constructor() {
      this.context = null;
      this.render = null;        // { key, buffer, bytes } of the last render
      this.rendering = null;     // { key, promise } while a render is under way
      this.samples = new Map();  // anchor pitch -> Promise<AudioBuffer>
      this.source = null;        // the playing AudioBufferSourceNode
      this.playing = null;       // { startTime, startStep, bpm, loop } while playing
      this.onStop = null;        // called when playback ends by itself
    }

    /** The AudioContext, made on first use (inside a user gesture, as browsers want). */
    audio() {
      if (!this.context) this.context = new AudioContext();
      if (this.context.state === "suspended") this.context.resume();
      return this.context;
    }

    /** The decoded render of `piece`, rendering it on the server if it changed. */
    async renderFor(piece) {
      const key = Piece.audioKey(piece);
      if (this.render && this.render.key === key) return this.render;
      if (this.rendering && this.rendering.key === key) return this.rendering.promise;
      const promise = (async () => {
        const bytes = await Api.renderWav(Piece.toServer(piece));
        // decodeAudioData detaches its input, so keep a copy for the WAV export.
        const buffer = await this.audio().decodeAudioData(bytes.slice(0));
        return { key, buffer, bytes };
      })();
      this.rendering = { key, promise };
      try {
        const render = await promise;
        this.render = render;
        return render;
      } finally {
        if (this.rendering && this.rendering.promise === promise) this.rendering = null;
      }
    }

    /**
     * The RMS level (0…1, over every channel and sample) of the decoded render of `piece`, or
     * null when it has not been rendered yet: the browser test's proof that playback is not
     * silent (read through window.studio.audioLevel()).
     */
    renderLevel(piece) {
      if (!this.hasRender(piece)) return null;
      const buffer = this.render.buffer;
      let sum = 0;
      let count = 0;
      for (let channel = 0; channel < buffer.numberOfChannels; channel++) {
        const samples = buffer.getChannelData(channel);
        for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
        count += samples.length;
      }
      return count > 0 ? Math.sqrt(sum / count) : 0;
    }

    /** Whether `piece`'s render is cached (so playing starts at once). */
    hasRender(piece) {
      return Boolean(this.render && this.render.key === Piece.audioKey(piece));
    }

    /**
     * Plays `piece` from `fromStep`; with `loop` ({startStep, endStep}) it repeats that range.
     * Resolves once sound has started.
     */
    async play(piece, fromStep, loop) {
      const { buffer } = await this.renderFor(piece);
      this.stop();
      const context = this.audio();
      const source = context.createBufferSource();
      source.buffer = buffer;
      source.connect(context.destination);
      let startStep = fromStep;
      if (loop) {
        source.loop = true;
        source.loopStart = stepToSeconds(loop.startStep, piece.bpm);
        source.loopEnd = Math.min(buffer.duration, stepToSeconds(loop.endStep, piece.bpm));
        if (fromStep < loop.startStep || fromStep >= loop.endStep) startStep = loop.startStep;
      }
      const offset = Math.min(stepToSeconds(startStep, piece.bpm), Math.max(0, buffer.duration - 0.01));
      source.onended = () => {
        if (this.source !== source) return;
        this.source = null;
        this.playing = null;
        if (this.onStop) this.onStop();
      };
      source.start(0, offset);
      this.source = source;
      this.playing = { startTime: context.currentTime, startStep, bpm: piece.bpm, loop };
    }

    /** Stops playback (the playhead stays where the caller leaves it). */
    stop() {
      const source = this.source;
      this.source = null;
      this.playing = null;
      if (source) {
        try { source.stop(); } catch (_) { /* already stopped */ }
      }
    }

    isPlaying() {
      return this.playing !== null;
    }

    /** The step being heard now, or null when stopped. */
    currentStep() {
      if (!this.playing) return null;
      const { startTime, startStep, bpm, loop } = this.playing;
      let step = startStep + secondsToStep(this.context.currentTime - startTime, bpm);
      if (loop && step >= loop.endStep) {
        const span = loop.endStep - loop.startStep;
        step = loop.startStep + ((step - loop.startStep) % span);
      }
      return step;
    }

    /** The anchor whose sample `pitch` is played from. */
    static anchorFor(pitch) {
      const nearest = Math.round((pitch - ANCHOR_LOW) / ANCHOR_SPACING) * ANCHOR_SPACING + ANCHOR_LOW;
      return Math.min(ANCHOR_HIGH, Math.max(ANCHOR_LOW, nearest));
    }

    /** The decoded sample of an anchor pitch, fetched once. */
    sampleFor(anchor) {
      if (!this.samples.has(anchor)) {
        const promise = Api.sample(anchor).then((bytes) => this.audio().decodeAudioData(bytes));
        promise.catch(() => this.samples.delete(anchor)); // let a later try fetch it again
        this.samples.set(anchor, promise);
      }
      return this.samples.get(anchor);
    }

    /** Plays a short preview of one note (pitch 0…127, velocity as a fraction 0…1). */
    async previewNote(pitch, loudness = 0.7, seconds = 0.8) {
      const context = this.audio();
      const anchor = Player.anchorFor(pitch);
      const buffer = await this.sampleFor(anchor);
      const source = context.createBufferSource();
      source.buffer = buffer;
      source.playbackRate.value = Math.pow(2, (pitch - anchor) / 12);
      const gain = context.createGain();
      const now = context.currentTime;
      gain.gain.setValueAtTime(0.25 + 0.75 * loudness, now);
      gain.gain.setValueAtTime(0.25 + 0.75 * loudness, now + seconds);
      gain.gain.linearRampToValueAtTime(0, now + seconds + 0.15);
      source.connect(gain).connect(context.destination);
      source.start(now);
      source.stop(now + seconds + 0.2);
    }
  }

  window.FM = window.FM || {};
  window.FM.Player = Player;
  window.FM.Audio = { stepToSeconds, secondsToStep };
})();
