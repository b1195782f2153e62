#!/usr/bin/env python3
"""Browser test of FractalMIDI Studio's page, through its real UI, against a running server.

    python3 studio_browser_test.py http://127.0.0.1:8765

Needs headless Chromium and its driver (Debian: apt-get install chromium chromium-driver) and
selenium 4.27.1 (pip install selenium==4.27.1). The driver is /usr/bin/chromedriver (or
$CHROMEDRIVER); selenium-manager is never asked to download anything (SE_OFFLINE=true).

Exits 0 when every check passes, else 1 with one line per failure. Each check drives the page
with clicks, drags, key presses and its file input, and reads the outcome from the page, from
window.studio (the page's read-only hook on its state) or from the server's API afterwards.

Optional environment:
  STUDIO_SONG         a MIDI file (e.g. a POP909 song) for the song check; when it is unset or
                      names no file the test writes a small 8-bar MIDI file of its own and says so.
  STUDIO_SCREENSHOTS  a folder to save PNG screenshots of the page into (made if missing),
                      among them studio.png: the song open with a region, at 1400x800.
"""

import json
import os
import shutil
import struct
import sys
import tempfile
import time
import urllib.request

os.environ.setdefault("SE_OFFLINE", "true")

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import TimeoutException, WebDriverException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.actions.action_builder import ActionBuilder  # noqa: E402
from selenium.webdriver.common.actions.wheel_input import ScrollOrigin  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

GENERATION_TIMEOUT = 60  # seconds for one generation of 1 bar (the server takes a few)
WINDOW = (1500, 950)     # the browser's viewport while testing
SCREENSHOT_VIEWPORT = (1400, 800)  # the song check's viewport, for its screenshots


class Failure(Exception):
    """A check that did not hold; its message is the report's line."""


class StudioPage:
    """The page in a headless Chromium, with helpers that act as a musician would."""

    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")
        options = webdriver.ChromeOptions()
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         f"--window-size={WINDOW[0]},{WINDOW[1]}", "--autoplay-policy=no-user-gesture-required",
                         "--mute-audio"):
            options.add_argument(argument)
        options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_script_timeout(30)

    def close(self):
        self.driver.quit()

    # ---- reading the page ----------------------------------------------------------------

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def hook(self, call):
        """Calls the page's read-only hook, e.g. hook("currentPiece()")."""
        return self.js(f"return window.studio.{call};")

    def wait(self, condition, timeout, what):
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(lambda _: condition())
        except TimeoutException:
            raise Failure(f"timed out after {timeout} s waiting for {what}") from None

    def element(self, element_id):
        return self.driver.find_element(By.ID, element_id)

    def error_text(self):
        """The page's error banner text, or "" when it is hidden."""
        banner = self.element("error")
        return self.element("error-text").text.strip() if banner.is_displayed() else ""

    def severe_console_lines(self):
        """SEVERE lines of the browser console since the last call."""
        return [entry["message"] for entry in self.driver.get_log("browser") if entry.get("level") == "SEVERE"]

    # ---- acting on the page --------------------------------------------------------------

    def load(self):
        self.driver.get(self.base_url + "/")
        self.wait(lambda: self.js("return Boolean(window.studio && window.studio.ready())"), 20, "the page to be ready")

    def click(self, element_id):
        self.element(element_id).click()

    def set_input(self, element_id, value):
        field = self.element(element_id)
        field.clear()
        field.send_keys(str(value))
        field.send_keys(Keys.TAB)

    def press(self, *keys):
        """One key press (the last key) with modifiers held, sent to the focused element,
        e.g. press(Keys.CONTROL, Keys.SHIFT, "z")."""
        actions = ActionChains(self.driver)
        modifiers = list(keys[:-1])
        for modifier in modifiers:
            actions.key_down(modifier)
        actions.send_keys(keys[-1])
        for modifier in reversed(modifiers):
            actions.key_up(modifier)
        actions.perform()

    def focus_roll(self):
        self.js("document.getElementById('roll').focus();")

    def cell_point(self, step, pitch):
        """The viewport point in the middle of a cell of the roll (which must be in view)."""
        point = self.hook(f"clientPointOf({step}, {pitch})")
        box = self.js("const r = document.getElementById('roll').getBoundingClientRect();"
                      "return [r.left, r.top, r.right, r.bottom];")
        if not (box[0] <= point["x"] < box[2] and box[1] <= point["y"] < box[3]):
            raise Failure(f"the cell at step {step}, pitch {pitch} is scrolled out of the roll's view")
        return int(round(point["x"])), int(round(point["y"]))

    def drag(self, start, end, shift=False):
        """Presses at `start`, moves to `end` in a few steps and releases (viewport pixels)."""
        builder = ActionBuilder(self.driver)
        if shift:
            builder.key_action.key_down(Keys.SHIFT)
        pointer = builder.pointer_action
        pointer.move_to_location(*start)
        pointer.pointer_down()
        for i in range(1, 5):
            x = start[0] + (end[0] - start[0]) * i // 4
            y = start[1] + (end[1] - start[1]) * i // 4
            pointer.move_to_location(x, y)
        pointer.pointer_up()
        if shift:
            builder.key_action.key_up(Keys.SHIFT)
        builder.perform()

    def generate_and_wait(self, button_id):
        """Clicks a generate button; returns (progress seen, takes) once the takes are offered."""
        before = self.hook("progressEvents()")
        self.click(button_id)
        saw_bar = False
        deadline = time.time() + GENERATION_TIMEOUT
        while time.time() < deadline:
            if self.element("bar-progress").is_displayed():
                saw_bar = True
            takes = self.hook("takes()")
            if takes and not self.hook("generating()"):
                return saw_bar or self.hook("progressEvents()") > before, takes, self.hook("progressEvents()") - before
            error = self.error_text()
            if error:
                raise Failure(f"generation failed in the page: {error}")
            time.sleep(0.05)
        raise Failure(f"no takes after {GENERATION_TIMEOUT} s of generating")

    def wait_saved(self):
        self.wait(lambda: self.hook("saveState()") == "saved" and self.hook("sessionId()"), 10, "the session to be saved")

    def new_session(self):
        """Clicks "New session" and waits until the page holds the new session's one blank entry
        and has saved it (the old session's history must be longer than one entry)."""
        old = self.hook("sessionId()")
        if self.hook("historyLength()") < 2:
            raise Failure("new_session() needs a session with more than one history entry to tell them apart")
        self.click("session-new")
        self.wait(lambda: self.hook("sessionId()") not in (None, old) and self.hook("historyLength()") == 1
                  and self.hook("saveState()") == "saved", 10, "a new session")

    def wait_ready(self, what):
        self.wait(lambda: self.js("return Boolean(window.studio && window.studio.ready())"), 20, what)

    def click_at(self, point):
        """A plain click at a viewport point (pixels)."""
        builder = ActionBuilder(self.driver)
        builder.pointer_action.move_to_location(*point)
        builder.pointer_action.click()
        builder.perform()

    def scroll_roll(self, dx, dy):
        """Turns the mouse wheel over the roll by (dx, dy) pixels."""
        origin = ScrollOrigin.from_element(self.element("roll"))
        ActionChains(self.driver).scroll_from_origin(origin, dx, dy).perform()

    def roll_scale(self):
        """Pixels per step at the roll's current zoom, measured through the hook."""
        return self.hook("clientPointOf(1, 60)")["x"] - self.hook("clientPointOf(0, 60)")["x"]

    def pitch_in_view(self, pitch):
        """Whether the row of `pitch` lies wholly in the roll's view (below its ruler)."""
        top = self.hook(f"clientPointOf(0, {pitch + 1})")["y"]
        bottom = self.hook(f"clientPointOf(0, {pitch - 1})")["y"]
        box = self.js("const r = document.getElementById('roll').getBoundingClientRect(); return [r.top, r.bottom];")
        return box[0] + 22 <= top and bottom < box[1]  # the ruler is 22 pixels tall

    def selected_take_tab(self):
        """The text of the one take tab marked as selected, or None."""
        tabs = self.element("take-tabs").find_elements(By.TAG_NAME, "button")
        chosen = [tab.text for tab in tabs if tab.get_attribute("aria-selected") == "true"]
        return chosen[0] if len(chosen) == 1 else None

    def after_paint(self):
        """Waits for two animation frames, so that the roll has painted the latest change."""
        self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "requestAnimationFrame(() => requestAnimationFrame(() => done(true)));")

    def set_viewport(self, width, height):
        """Sizes the window so that the page's viewport is width x height CSS pixels."""
        self.driver.set_window_size(width, height)
        for _ in range(2):
            inner = self.js("return [window.innerWidth, window.innerHeight];")
            if inner == [width, height]:
                break
            size = self.driver.get_window_size()
            self.driver.set_window_size(size["width"] + width - inner[0], size["height"] + height - inner[1])
        self.after_paint()

    def screenshot(self, name):
        """Saves a PNG of the page into $STUDIO_SCREENSHOTS (when it is set); returns its path."""
        folder = os.environ.get("STUDIO_SCREENSHOTS")
        if not folder:
            return None
        os.makedirs(folder, exist_ok=True)
        self.after_paint()
        path = os.path.join(folder, name)
        if not self.driver.save_screenshot(path):
            raise Failure(f"could not save the screenshot {path}")
        return path

    def api(self, path):
        """GET a JSON answer from the server's API."""
        with urllib.request.urlopen(self.base_url + path, timeout=10) as answer:
            return json.load(answer)


def outside(note, region):
    """Whether no cell of the note lies inside the region."""
    return (note["pitch"] < region["lowPitch"] or note["pitch"] > region["highPitch"]
            or note["step"] + note["length"] <= region["startStep"] or note["step"] >= region["endStep"])


# ---- the checks --------------------------------------------------------------------------

def check_loads_cleanly(page):
    page.load()
    severe = page.severe_console_lines()
    if severe:
        raise Failure(f"console errors on load: {severe[:3]}")
    if page.error_text():
        raise Failure(f"an error is shown on load: {page.error_text()}")


def check_styles(page):
    with urllib.request.urlopen(page.base_url + "/api/model", timeout=10) as answer:
        model = json.load(answer)
    shown = [option.get_attribute("value") for option in Select(page.element("style")).options]
    if shown != model["styles"]:
        raise Failure(f"style select shows {shown}, the model has {model['styles']}")
    selected = Select(page.element("style")).first_selected_option.get_attribute("value")
    if model.get("defaultStyle") and selected != model["defaultStyle"]:
        raise Failure(f"style select starts at {selected}, the model's default is {model['defaultStyle']}")


def check_pencil_undo_redo(page):
    page.set_input("blank-bars", 2)
    page.click("blank-btn")
    piece = page.hook("currentPiece()")
    if piece["steps"] != 2 * piece["beatsPerBar"] * 4 or piece["notes"]:
        raise Failure(f"a blank 2-bar piece is {piece['steps']} steps with {len(piece['notes'])} notes")
    page.click("tool-pencil")
    start = page.cell_point(4, 60)
    end = page.cell_point(9, 60)
    page.drag(start, end)
    notes = page.hook("currentPiece()")["notes"]
    if len(notes) != 1 or notes[0]["pitch"] != 60 or notes[0]["step"] != 4 or notes[0]["length"] != 6:
        raise Failure(f"a pencil drag over steps 4–9 of C4 gave {notes}")
    page.focus_roll()
    page.press(Keys.CONTROL, "z")
    notes = page.hook("currentPiece()")["notes"]
    if notes:
        raise Failure(f"undo left {notes}")
    page.press(Keys.CONTROL, Keys.SHIFT, "z")
    notes = page.hook("currentPiece()")["notes"]
    if len(notes) != 1 or notes[0]["pitch"] != 60:
        raise Failure(f"redo gave {notes}")


def generate_two_takes(page):
    """Asks for a new 1-bar piece in 2 takes with a random seed; returns the history length
    before, and what generate_and_wait returns."""
    page.set_input("gen-bars", 1)
    Select(page.element("takes")).select_by_value("2")
    page.set_input("seed", "")
    history_before = page.hook("historyLength()")
    return history_before, page.generate_and_wait("gen-new")


def check_generate_new(page):
    history_before, (progress, takes, events) = generate_two_takes(page)
    if not progress:
        raise Failure("no progress was shown while generating")
    if takes["count"] != 2:
        raise Failure(f"asked for 2 takes, the page offers {takes['count']}")
    tabs = page.element("take-tabs").find_elements(By.TAG_NAME, "button")
    if [tab.text for tab in tabs] != ["Take 1", "Take 2"]:
        raise Failure(f"take tabs read {[tab.text for tab in tabs]}")
    page.focus_roll()
    page.press("2")
    if page.hook("takes()")["index"] != 1:
        raise Failure("key 2 did not switch to take 2")
    take_two = page.hook("currentPiece()")
    page.click("keep")
    if page.hook("historyLength()") != history_before + 1:
        raise Failure("keeping a take did not add one history step")
    if page.hook("currentPiece()") != take_two:
        raise Failure("the kept piece is not the take on show")
    entry = page.hook("historyEntries()")[-1]
    if entry["seed"] is None:
        raise Failure(f"the kept take's history entry has no seed: {entry}")
    if str(entry["seed"]) not in page.element("history").text or str(entry["seed"]) not in page.element("last-seed").text:
        raise Failure(f"seed {entry['seed']} is not shown in the page")
    if take_two["steps"] != take_two["beatsPerBar"] * 4:
        raise Failure(f"a 1-bar piece came back {take_two['steps']} steps long")


def check_region_regenerate(page):
    before = page.hook("committedPiece()")
    page.click("tool-region")
    beat_steps = 4
    start = page.cell_point(beat_steps + 1, 72)   # inside beat 2, at C5
    end = page.cell_point(3 * beat_steps - 2, 55)  # inside beat 3, at G3
    page.drag(start, end)
    region = page.hook("region()")
    expected = {"startStep": 4, "endStep": 12, "lowPitch": 55, "highPitch": 72}
    if region != expected:
        raise Failure(f"a region drag from beat 2 to beat 3 gave {region}, expected {expected} (snapped to beats)")
    Select(page.element("takes")).select_by_value("1")
    page.focus_roll()
    history_before = page.hook("historyLength()")
    regenerate_with_r(page)
    page.click("keep")
    after = page.hook("committedPiece()")
    if page.hook("historyLength()") != history_before + 1:
        raise Failure("keeping the regenerated take did not add one history step")
    lost = [n for n in before["notes"] if outside(n, region) and not survives(n, after["notes"], region)]
    if lost:
        raise Failure(f"regenerating {region} lost or changed notes outside it: {lost[:4]}")
    onsets_before = {(n["pitch"], n["step"]) for n in before["notes"]}
    added = [n for n in after["notes"] if outside(n, region) and (n["pitch"], n["step"]) not in onsets_before]
    if added:
        raise Failure(f"regenerating {region} added notes outside it: {added[:4]}")


def survives(note, notes, region):
    """Whether `note` (outside the region) is still in `notes`: same onset, pitch, velocity and
    length, except that a note ending where the region starts may now run on into it."""
    for other in notes:
        if (other["pitch"], other["step"], other["velocity"]) != (note["pitch"], note["step"], note["velocity"]):
            continue
        if other["length"] == note["length"]:
            return True
        ends_at_region = note["step"] + note["length"] == region["startStep"]
        if ends_at_region and other["length"] > note["length"]:
            return True
    return False


def regenerate_with_r(page):
    """R regenerates the selected region (the keyboard path of the same job)."""
    before = page.hook("progressEvents()")
    page.press("r")
    deadline = time.time() + GENERATION_TIMEOUT
    while time.time() < deadline:
        takes = page.hook("takes()")
        if takes and not page.hook("generating()"):
            return True, takes, page.hook("progressEvents()") - before
        if page.error_text():
            raise Failure(f"regenerating the region failed in the page: {page.error_text()}")
        time.sleep(0.05)
    raise Failure(f"no takes after {GENERATION_TIMEOUT} s of regenerating the region")


def check_reload_restores(page):
    page.wait_saved()
    piece = page.hook("committedPiece()")
    history = page.hook("historyEntries()")
    session = page.hook("sessionId()")
    page.driver.refresh()
    page.wait_ready("the page to be ready after reloading")
    if page.hook("sessionId()") != session:
        raise Failure(f"after reloading the session is {page.hook('sessionId()')}, was {session}")
    if page.hook("committedPiece()") != piece:
        raise Failure("after reloading the piece differs from the one saved")
    if page.hook("historyEntries()") != history:
        raise Failure("after reloading the history differs from the one saved")


def check_pencil_delete(page):
    """Draw a note with the pencil, select it with the Select tool, delete it with Delete."""
    page.set_input("blank-bars", 2)
    page.click("blank-btn")
    if page.hook("currentPiece()")["notes"]:
        raise Failure("the blank piece is not empty")
    page.click("tool-pencil")
    page.drag(page.cell_point(8, 64), page.cell_point(11, 64))
    notes = page.hook("currentPiece()")["notes"]
    if [(n["pitch"], n["step"], n["length"]) for n in notes] != [(64, 8, 4)]:
        raise Failure(f"a pencil drag over steps 8–11 of E4 gave {notes}")
    page.focus_roll()
    page.press(Keys.ESCAPE)
    if page.hook("selection()"):
        raise Failure(f"Escape left the selection {page.hook('selection()')}")
    page.click("tool-select")
    page.click_at(page.cell_point(9, 64))
    if page.hook("selection()") != [0]:
        raise Failure(f"clicking the note with the Select tool selected {page.hook('selection()')}")
    history_before = page.hook("historyLength()")
    page.press(Keys.DELETE)
    notes = page.hook("currentPiece()")["notes"]
    if notes:
        raise Failure(f"Delete left {notes}")
    if page.hook("historyLength()") != history_before + 1 or page.hook("historyEntries()")[-1]["label"] != "Delete 1 note":
        raise Failure(f"deleting did not add a 'Delete 1 note' history step: {page.hook('historyEntries()')[-2:]}")
    page.click("tool-pencil")


def check_switch_takes(page):
    """Takes = 2: key 2 shows take 2 (a different piece, its tab marked), Enter keeps it."""
    history_before, (_, takes, _) = generate_two_takes(page)
    if takes["count"] != 2 or takes["index"] != 0:
        raise Failure(f"asked for 2 takes, the page offers {takes}")
    if page.selected_take_tab() != "Take 1":
        raise Failure(f"before choosing, the selected take tab is {page.selected_take_tab()!r}, not 'Take 1'")
    take_one = page.hook("currentPiece()")
    page.focus_roll()
    page.press("2")
    if page.hook("takes()")["index"] != 1:
        raise Failure("key 2 did not switch to take 2")
    if page.selected_take_tab() != "Take 2":
        raise Failure(f"after key 2 the selected take tab is {page.selected_take_tab()!r}, not 'Take 2'")
    take_two = page.hook("currentPiece()")
    if take_two == take_one:
        raise Failure(f"take 2 shows the same piece as take 1 ({len(take_one['notes'])} notes)")
    page.press(Keys.ENTER)
    if page.hook("takes()") is not None or page.element("bar-takes").is_displayed():
        raise Failure("Enter did not keep the take (the takes are still on offer)")
    if page.hook("historyLength()") != history_before + 1:
        raise Failure("keeping take 2 did not add one history step")
    if page.hook("committedPiece()") != take_two:
        raise Failure("the kept piece is not take 2")
    label = page.hook("historyEntries()")[-1]["label"]
    if not label.endswith("(take 2)"):
        raise Failure(f"the kept take's history entry reads {label!r}, not '… (take 2)'")


# ---- the song check ----------------------------------------------------------------------

def variable_length(value):
    """A MIDI variable-length quantity."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def write_test_song(path):
    """A small MIDI file of its own (format 0, 480 ticks a beat, 120 BPM, 4/4, 8 bars): I–vi–IV–V
    half-note chords under an eighth-note melody, for when $STUDIO_SONG names no file."""
    ticks = 480
    chords = [(48, 52, 55), (45, 48, 52), (41, 45, 48), (43, 47, 50)]
    melody = [72, 74, 76, 79, 77, 76, 74, 72, 71, 69, 71, 72, 74, 76, 74, 71]
    events = []  # (tick, order, bytes): note-offs (order 0) before note-ons at one tick
    for bar in range(8):
        for half in range(2):
            start = (bar * 4 + half * 2) * ticks
            for pitch in chords[bar % 4]:
                events.append((start, 1, bytes([0x90, pitch, 64 + 8 * half])))
                events.append((start + 2 * ticks - 20, 0, bytes([0x80, pitch, 0])))
        for eighth in range(8):
            start = bar * 4 * ticks + eighth * ticks // 2
            pitch = melody[(bar * 8 + eighth) % len(melody)]
            events.append((start, 1, bytes([0x91, pitch, 70 + 6 * (eighth % 4)])))
            events.append((start + ticks // 2 - 20, 0, bytes([0x81, pitch, 0])))
    events.sort()
    track = bytearray(b"\x00\xff\x51\x03\x07\xa1\x20" + b"\x00\xff\x58\x04\x04\x02\x18\x08")
    now = 0
    for tick, _, message in events:
        track += variable_length(tick - now) + message
        now = tick
    track += b"\x00\xff\x2f\x00"
    with open(path, "wb") as file:
        file.write(b"MThd" + struct.pack(">IHHH", 6, 0, 1, ticks) + b"MTrk" + struct.pack(">I", len(track)) + track)


def cells_of(piece):
    """The piece as cells: (pitch, step) -> ("onset", velocity) or "sustain". A sustain cell
    carries no velocity of its own: the velocity is the onset's (a note's), and a sustain cell
    outside a region that continues a note begun inside it sounds at that new note's velocity."""
    cells = {}
    for note in piece["notes"]:
        cells[(note["pitch"], note["step"])] = ("onset", note["velocity"])
        for step in range(note["step"] + 1, note["step"] + note["length"]):
            cells[(note["pitch"], step)] = "sustain"
    return cells


def cell_changes(before, after, region, inside):
    """The cells (inside or outside the region) that differ between two pieces."""
    a, b = cells_of(before), cells_of(after)
    changes = []
    for key in sorted(set(a) | set(b)):
        pitch, step = key
        within = region["lowPitch"] <= pitch <= region["highPitch"] and region["startStep"] <= step < region["endStep"]
        if within == inside and a.get(key) != b.get(key):
            changes.append((key, a.get(key), b.get(key)))
    return changes


def song_path():
    """The song to open: $STUDIO_SONG when it names a file, else one written here (and said so)."""
    named = os.environ.get("STUDIO_SONG")
    if named and os.path.isfile(named):
        return os.path.abspath(named)  # the driver wants an absolute path for the file input
    path = os.path.join(tempfile.mkdtemp(prefix="studio-song-"), "test-song.mid")
    write_test_song(path)
    why = f"$STUDIO_SONG {named} is missing" if named else "$STUDIO_SONG is not set"
    print(f"note {why}: the song check opens a MIDI file of its own, {path}")
    return path


def check_song_region(page):
    """Open a song through the file input, drag a region over bars 3–4 and every pitch of the
    song, regenerate it with R, keep it, and check that every cell outside is unchanged, and
    that the saved session's last history entry is the kept piece."""
    path = song_path()
    page.set_viewport(*SCREENSHOT_VIEWPORT)
    try:
        song_region(page, path)
    finally:
        page.set_viewport(*WINDOW)
        if os.path.basename(path) == "test-song.mid" and os.path.basename(os.path.dirname(path)).startswith("studio-song-"):
            shutil.rmtree(os.path.dirname(path), ignore_errors=True)


def song_region(page, path):
    name = os.path.basename(path)
    page.new_session()  # a session of its own: its history is a blank piece and the song
    history_before = page.hook("historyLength()")
    page.element("open-file").send_keys(path)
    page.wait(lambda: page.hook("historyLength()") == history_before + 1 or page.error_text(), 20, f"{name} to open")
    if page.error_text():
        raise Failure(f"opening {name} failed in the page: {page.error_text()}")
    before = page.hook("committedPiece()")
    label = page.hook("historyEntries()")[-1]["label"]
    if label != f"Open {name}" or not before["notes"]:
        raise Failure(f"opening {name} gave the history entry {label!r} with {len(before['notes'])} notes")
    bar = before["beatsPerBar"] * 4
    if before["steps"] < 4 * bar:
        raise Failure(f"{name} is {before['steps']} steps long, shorter than 4 bars")
    page.wait_saved()  # the session saved (and its picker relabelled) before aiming at cells
    page.screenshot("01-song-open.png")

    # Zoom in (the + button) to a readable width, scroll back to the start with the wheel, and
    # zoom out vertically (the ▾ button) until every pitch of the song is in view.
    for _ in range(8):
        if page.roll_scale() * 1.4 > 7:
            break
        page.click("zoom-x-in")
    page.scroll_roll(-100000, 0)
    low = max(0, min(n["pitch"] for n in before["notes"]) - 2)
    high = min(127, max(n["pitch"] for n in before["notes"]) + 2)
    for _ in range(6):
        if page.pitch_in_view(low) and page.pitch_in_view(high):
            break
        page.click("zoom-y-out")
    page.click("tool-region")
    start = page.cell_point(2 * bar + 1, high)   # early in bar 3, at the top
    end = page.cell_point(4 * bar - 2, low)      # late in bar 4, at the bottom
    page.drag(start, end, shift=True)            # shift snaps the region to bars
    region = page.hook("region()")
    expected = {"startStep": 2 * bar, "endStep": 4 * bar, "lowPitch": low, "highPitch": high}
    if region != expected:
        raise Failure(f"a shift-drag over bars 3–4 gave the region {region}, expected {expected}")
    page.screenshot("02-song-region.png")
    page.screenshot("studio.png")

    Select(page.element("takes")).select_by_value("1")
    page.set_input("seed", "")
    page.focus_roll()
    regenerate_with_r(page)
    if page.hook("region()") != region:
        raise Failure(f"the region changed while regenerating: {page.hook('region()')}")
    page.screenshot("03-song-regenerated.png")
    offered = page.hook("currentPiece()")
    page.click("keep")
    after = page.hook("committedPiece()")
    if after != offered or page.hook("historyLength()") != history_before + 2:
        raise Failure("keeping the regenerated take did not commit it as one history step")

    changed = cell_changes(before, after, region, inside=False)
    if changed:
        raise Failure(f"{len(changed)} cells outside {region} changed, e.g. (pitch, step), before, after: {changed[:4]}")
    if not cell_changes(before, after, region, inside=True):
        raise Failure(f"no cell inside {region} changed: was the region regenerated at all?")

    page.wait_saved()
    session = page.hook("sessionId()")
    hash_id = page.js("const m = /session=([^&]+)/.exec(location.hash); return m ? decodeURIComponent(m[1]) : null;")
    if hash_id != session:
        raise Failure(f"the address names session {hash_id}, the page's is {session}")
    doc = page.api(f"/api/sessions/{urllib.request.quote(session)}")
    history = doc.get("history") or []
    if len(history) != page.hook("historyLength()") or doc.get("position") != len(history) - 1:
        raise Failure(f"the saved session has {len(history)} entries at position {doc.get('position')}, "
                      f"the page {page.hook('historyLength()')} at {page.hook('position()')}")
    if history[-1]["piece"] != after:
        saved = history[-1]["piece"]
        raise Failure(f"the saved session's last entry ({history[-1].get('label')}, {len(saved['notes'])} notes) "
                      f"is not the kept piece ({len(after['notes'])} notes)")
    if history[-2]["piece"] != before:
        raise Failure("the saved session's entry before the regeneration is not the song as opened")
    if doc.get("title") != name:
        raise Failure(f"the session opened with {name} is titled {doc.get('title')!r}")
    page.wait(lambda: Select(page.element("session-select")).first_selected_option.text.startswith(name), 5,
              f"the session picker to list the session as {name}")


def check_play(page):
    """Space plays the song: the decoded render is not silent and the playhead moves."""
    page.focus_roll()
    start = page.hook("playhead()")
    page.press(Keys.SPACE)
    page.wait(lambda: "Pause" in page.element("play").text or page.error_text(), 60, "playback to start (the button to read Pause)")
    if page.error_text():
        raise Failure(f"playing failed in the page: {page.error_text()}")
    level = page.hook("audioLevel()")
    if level is None:
        raise Failure("playing, but the page has no decoded render of the piece on show")
    if not level > 1e-3:
        raise Failure(f"the decoded render of {len(page.hook('currentPiece()')['notes'])} notes is silent (RMS {level})")
    page.wait(lambda: page.hook("playhead()") > start + 2, 10, "the playhead to move while playing")
    page.press(Keys.SPACE)
    page.wait(lambda: "Play" in page.element("play").text, 5, "space to pause (the button to read Play)")
    paused = page.hook("playhead()")
    time.sleep(0.3)
    if page.hook("playhead()") != paused:
        raise Failure("the playhead goes on moving after pausing")


def check_find_session_again(page):
    """Open the bare address (no #session=): the page finds the last session again; then start
    a new session and pick the first one again in the session picker."""
    page.wait_saved()
    session = page.hook("sessionId()")
    piece = page.hook("committedPiece()")
    history = page.hook("historyEntries()")
    page.driver.get(page.base_url + "/")
    page.wait_ready("the page to be ready at its bare address")
    if page.hook("sessionId()") != session or page.hook("committedPiece()") != piece:
        raise Failure(f"at the bare address the page opened session {page.hook('sessionId()')}, not the last one ({session})")
    if session not in [entry["id"] for entry in page.api("/api/sessions")]:
        raise Failure(f"GET /api/sessions does not list session {session}")
    page.new_session()
    if page.hook("sessionId()") == session or page.hook("committedPiece()")["notes"]:
        raise Failure("a new session does not start with a blank piece")
    picker = Select(page.element("session-select"))
    if session not in [option.get_attribute("value") for option in picker.options]:
        raise Failure(f"the session picker does not offer session {session}")
    picker.select_by_value(session)
    page.wait(lambda: page.hook("sessionId()") == session, 10, "the picked session to open")
    page.wait(lambda: page.hook("committedPiece()") == piece, 5, "the picked session's piece")
    if page.hook("historyEntries()") != history:
        raise Failure("the picked session's history differs from the one saved")


def check_bad_midi_shows_error(page):
    with tempfile.NamedTemporaryFile(suffix=".mid", delete=False) as garbage:
        garbage.write(b"\x00\x13garbage, not a MIDI file\xff\xfe")
        path = garbage.name
    try:
        page.element("open-file").send_keys(path)
        page.wait(lambda: page.error_text(), 10, "an error message for a malformed MIDI file")
    finally:
        os.unlink(path)


CHECKS = [
    ("page loads without console errors", check_loads_cleanly),
    ("model styles in the style select", check_styles),
    ("pencil, undo, redo on a blank 2-bar piece", check_pencil_undo_redo),
    ("new 1-bar piece: progress, takes, keep with seed", check_generate_new),
    ("regenerating a region keeps the notes outside it", check_region_regenerate),
    ("pencil draws a note, Delete removes it", check_pencil_delete),
    ("takes = 2: key 2 shows the other take, Enter keeps it", check_switch_takes),
    ("song: open, regenerate bars 3-4, every cell outside kept, session saved", check_song_region),
    ("space plays the song: rendered audio not silent, playhead moves", check_play),
    ("a reload restores the session", check_reload_restores),
    ("the session is found again: bare address and session picker", check_find_session_again),
    ("a malformed MIDI file shows an error", check_bad_midi_shows_error),
]


def main():
    if len(sys.argv) != 2:
        print("usage: studio_browser_test.py http://127.0.0.1:PORT", file=sys.stderr)
        return 2
    started = time.time()
    try:
        page = StudioPage(sys.argv[1])
    except WebDriverException as error:
        print(f"FAIL could not start headless Chromium: {error.msg}")
        return 1
    failures = []
    try:
        for name, check in CHECKS:
            try:
                check(page)
                print(f"ok   {name}")
            except Failure as failure:
                failures.append(f"FAIL {name}: {failure}")
                print(failures[-1])
                if name == "page loads without console errors" and not page.js("return Boolean(window.studio)"):
                    break  # nothing else can work
            except WebDriverException as error:
                failures.append(f"FAIL {name}: the browser reported {error.msg}")
                print(failures[-1])
        # Console errors after load: the malformed file's 400 answer is expected, nothing else.
        severe = [line for line in page.severe_console_lines() if "/api/midi" not in line]
        if severe:
            failures.append(f"FAIL console errors while testing: {severe[:3]}")
            print(failures[-1])
    finally:
        page.close()
    print(f"{len(CHECKS) - len([f for f in failures if not f.startswith('FAIL console')])}/{len(CHECKS)} checks passed in {time.time() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
