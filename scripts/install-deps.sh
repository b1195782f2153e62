#!/usr/bin/env bash
# Installs the Debian packages FractalMIDI builds and tests against, if any is missing
# (FluidSynth and its 6 MB General MIDI soundfont render `--wav` and the studio's audio;
# Chromium, its driver and the pinned selenium run the studio's browser test).
# Safe to run repeatedly: it does nothing when everything is present.
set -euo pipefail

packages=(libopenblas-dev zlib1g-dev libgif-dev libpng-dev pkg-config fluidsynth timgm6mb-soundfont chromium chromium-driver)
selenium=selenium==4.27.1

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python3 -c 'import selenium, sys; sys.exit(selenium.__version__ != "4.27.1")' 2>/dev/null \
    || python3 -m pip install -q --disable-pip-version-check "$selenium"

command -v swift >/dev/null || { echo "error: the Swift toolchain (6.0 or later) is not on PATH; install it from swift.org" >&2; exit 1; }
