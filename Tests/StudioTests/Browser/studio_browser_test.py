#!/usr/bin/env python3
"""Browser test of FractalMIDI Studio's page, through its real UI, against a running server.

    python3 studio_browser_test.py http://127.0.0.1:8765

Needs headless Chromium and its driver (Debian: apt-get install chromium chromium-driver) and
selenium 4.27.1 (pip install selenium==4.27.1). The driver is /usr/bin/chromedriver (or
$CHROMEDRIVER); selenium-manager is never asked to download anything (SE_OFFLINE=true).

Exits 0 when every check passes, else 1 with one line per failure. Each check drives the page
with clicks and key presses and reads the outcome from the page, or from window.studio, the
page's read-only hook on its state.
"""

import json
import os
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
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

GENERATION_TIMEOUT = 60  # seconds for one generation of 1 bar (the server takes a few)


class Failure(Exception):
    """A check that did not hold; its message is the report's line."""


class StudioPage:
    """The page in a headless Chromium, with helpers that act as a musician would."""

    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")
        options = webdriver.ChromeOptions()
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--window-size=1500,950", "--autoplay-policy=no-user-gesture-required",
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


def check_generate_new(page):
    page.set_input("gen-bars", 1)
    Select(page.element("takes")).select_by_value("2")
    page.set_input("seed", "")
    history_before = page.hook("historyLength()")
    progress, takes, events = page.generate_and_wait("gen-new")
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
    page.wait(lambda: page.js("return Boolean(window.studio && window.studio.ready())"), 20, "the page to be ready after reloading")
    if page.hook("sessionId()") != session:
        raise Failure(f"after reloading the session is {page.hook('sessionId()')}, was {session}")
    if page.hook("committedPiece()") != piece:
        raise Failure("after reloading the piece differs from the one saved")
    if page.hook("historyEntries()") != history:
        raise Failure("after reloading the history differs from the one saved")


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
    ("a reload restores the session", check_reload_restores),
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
