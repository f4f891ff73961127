#!/usr/bin/env bash
# Installs (or names) the system packages VoiceBuddy needs. Debian/Ubuntu: apt-get when run as
# root, otherwise it prints the exact command. macOS: Homebrew packages; nothing is installed.
set -euo pipefail

DEBIAN_PACKAGES=(
  python3-venv python3-dev build-essential cmake   # the venv and the llama.cpp build
  libportaudio2                                    # sounddevice: microphone and speaker
  libespeak-ng1 espeak-ng                          # pyttsx3's speech engine; test speech
  pulseaudio pulseaudio-utils libasound2-plugins   # the virtual microphone/speaker of the tests
  util-linux                                       # unshare: the offline test
  libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon-x11-0 libx11-xcb1     # Qt's window
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-randr0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libxcb-sync1 libxcb-shm0
  fonts-dejavu-core fonts-wqy-microhei             # Latin and Chinese text
  xvfb xauth xdotool x11-xserver-utils             # a virtual screen and real key presses (tests)
  desktop-file-utils                               # desktop-file-validate: the launcher test
  dbus-daemon                                      # a private session bus: the portal test
)

case "$(uname -s)" in
  Darwin)
    for tool in cmake; do
      command -v "$tool" >/dev/null || echo "note: install $tool with: brew install $tool"
    done
    brew list portaudio >/dev/null 2>&1 || echo "note: brew install portaudio"
    brew list espeak-ng >/dev/null 2>&1 || echo "note (tests only): brew install espeak-ng"
    exit 0 ;;
  Linux) ;;
  *) echo "Unsupported system $(uname -s): install PortAudio and eSpeak NG yourself."; exit 0 ;;
esac

if ! command -v dpkg-query >/dev/null; then
  echo "Not a Debian-like system: install PortAudio, eSpeak NG, cmake, a C++ compiler and PulseAudio."
  exit 0
fi

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  # a Python that is not Debian's (pyenv, conda) brings its own venv and headers
  if [[ $package == python3-venv || $package == python3-dev ]] && python3 -m venv --help >/dev/null 2>&1 \
     && python3 -c 'import sysconfig,os,sys; sys.exit(not os.path.exists(sysconfig.get_paths()["include"]+"/Python.h"))'; then
    continue
  fi
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "VoiceBuddy needs these system packages; please run:"
  echo "  sudo apt-get install -y ${missing[*]}"
  exit 1
fi
