// FractalMIDI Studio: the server's JSON API (docs/STUDIO.md), and nothing else.
//
// Every call rejects with an Error whose message is the server's `{"error"}` line (or a
// description of what went wrong on the way), so the page can show it as it is.
"use strict";

(function () {
  /** An Error carrying the server's message; `aborted` is true for a cancelled request. */
  class ApiError extends Error {
    constructor(message, status, aborted = false) {
      super(message);
      this.status = status;
      this.aborted = aborted;
    }
  }

  /** Turns a failed response into an ApiError with the server's `error` text. */
  async function errorFrom(response, what) {
    let message = `${what}: the server answered ${response.status} ${response.statusText}`;
    try {
      const text = await response.text();
      try {
        const body = JSON.parse(text);
        if (body && typeof body.error === "string") message = body.error;
      } catch (_) {
        if (text.trim()) message = `${message}: ${text.trim().slice(0, 200)}`;
      }
    } catch (_) { /* keep the status line */ }
    return new ApiError(message, response.status);
  }

  /** fetch() that names the failure (server down, aborted) instead of "Failed to fetch". */
  async function send(path, options, what) {
    let response;
    try {
      response = await fetch(path, options);
    } catch (error) {
      if (error && error.name === "AbortError") throw new ApiError(`${what}: cancelled`, 0, true);
      throw new ApiError(`${what}: could not reach the studio server (${error.message}). Is \`fractalmidi studio\` still running?`, 0);
    }
    if (!response.ok) throw await errorFrom(response, what);
    return response;
  }

  /** Options for a JSON request body. */
  function jsonBody(method, value, signal) {
    return { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(value), signal };
  }

  async function getJSON(path, what) {
    return (await send(path, { method: "GET" }, what)).json();
  }

  async function postJSON(path, value, what) {
    return (await send(path, jsonBody("POST", value), what)).json();
  }

  const Api = {
    ApiError,

    model: () => getJSON("/api/model", "Loading the model's description"),

    /**
     * Uploads a MIDI file's bytes; answers { piece, name }. The file's name goes along as
     * ?name= (the server uses it for `name` and its messages; the contract's body is the bytes).
     */
    async openMidi(bytes, fileName) {
      const options = { method: "POST", headers: { "Content-Type": "audio/midi" }, body: bytes };
      const query = fileName ? `?name=${encodeURIComponent(fileName)}` : "";
      return (await send(`/api/midi${query}`, options, "Opening the MIDI file")).json();
    },

    /** The piece rendered by FluidSynth, as the WAV file's bytes (an ArrayBuffer). */
    async renderWav(piece) {
      return (await send("/api/render/wav", jsonBody("POST", { piece }), "Rendering audio")).arrayBuffer();
    },

    /** One 1.5 s note of the given pitch, as WAV bytes. */
    async sample(pitch) {
      return (await send(`/api/samples/${pitch}.wav`, { method: "GET" }, `Loading the sample for pitch ${pitch}`)).arrayBuffer();
    },

    /** An export (kind "midi" or "png") as a Blob. */
    async exportFile(kind, piece) {
      return (await send(`/api/export/${kind}`, jsonBody("POST", { piece }), `Exporting ${kind.toUpperCase()}`)).blob();
    },

    listSessions: () => getJSON("/api/sessions", "Listing sessions"),
    createSession: (title) => postJSON("/api/sessions", { title }, "Creating a session"),
    loadSession: (id) => getJSON(`/api/sessions/${encodeURIComponent(id)}`, "Opening the session"),

    /** Saves a session document; `keepalive` lets a save finish while the page unloads. */
    async saveSession(id, doc, keepalive = false) {
      const options = jsonBody("PUT", doc);
      options.keepalive = keepalive;
      return (await send(`/api/sessions/${encodeURIComponent(id)}`, options, "Saving the session")).json();
    },

    /**
     * Runs a generation job and calls `onEvent` for each NDJSON event as it arrives.
     * Resolves when the stream ends; rejects with an ApiError on an HTTP error, a broken
     * stream or an abort through `signal`.
     */
    async generate(job, signal, onEvent) {
      const response = await send("/api/generate", jsonBody("POST", job, signal), "Generating");
      try {
        await readNDJSON(response.body, onEvent);
      } catch (error) {
        if (error && error.name === "AbortError") throw new ApiError("Generating: cancelled", 0, true);
        if (error instanceof ApiError) throw error;
        throw new ApiError(`Generating: the stream broke off (${error.message})`, 0);
      }
    },
  };

  /** Reads a stream of newline-separated JSON objects, calling `onEvent` with each. */
  async function readNDJSON(body, onEvent) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) onEvent(parseEvent(line));
      }
    }
    buffered += decoder.decode();
    if (buffered.trim()) onEvent(parseEvent(buffered.trim()));
  }

  function parseEvent(line) {
    try {
      return JSON.parse(line);
    } catch (_) {
      throw new ApiError(`Generating: the server sent a line that is not JSON: ${line.slice(0, 120)}`, 0);
    }
  }

  window.FM = window.FM || {};
  window.FM.Api = Api;
})();
