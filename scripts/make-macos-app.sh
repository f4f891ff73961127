#!/usr/bin/env bash
# Makes a minimal VoiceBuddy.app that starts this checkout's VoiceBuddy (its .venv), for the
# Dock and Launchpad. macOS only; NOT TESTED: the project's machines run Linux.
#   scripts/make-macos-app.sh [DESTINATION]   (default: ~/Applications)
set -euo pipefail

checkout="$(cd "$(dirname "$0")/.." && pwd)"
launcher="$checkout/.venv/bin/voicebuddy"
[ -x "$launcher" ] || { echo "Run 'make run' once first: $launcher is missing."; exit 1; }
app="${1:-$HOME/Applications}/VoiceBuddy.app"

mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
cat > "$app/Contents/MacOS/VoiceBuddy" <<SCRIPT
#!/bin/sh
exec "$launcher" "\$@"
SCRIPT
chmod +x "$app/Contents/MacOS/VoiceBuddy"

if command -v iconutil >/dev/null; then
  set_dir="$(mktemp -d)/voicebuddy.iconset"
  mkdir -p "$set_dir"
  for size in 16 32 128 256; do
    cp "$checkout/assets/icons/voicebuddy-$size.png" "$set_dir/icon_${size}x${size}.png"
  done
  iconutil -c icns "$set_dir" -o "$app/Contents/Resources/voicebuddy.icns"
fi

cat > "$app/Contents/Info.plist" <<PLIST
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>CFBundleName</key><string>VoiceBuddy</string>
  <key>CFBundleDisplayName</key><string>VoiceBuddy</string>
  <key>CFBundleIdentifier</key><string>org.voicebuddy.VoiceBuddy</string>
  <key>CFBundleExecutable</key><string>VoiceBuddy</string>
  <key>CFBundleIconFile</key><string>voicebuddy</string>
  <key>CFBundlePackageType</key><string>APPL</string>
  <key>CFBundleShortVersionString</key><string>0.1</string>
  <key>NSMicrophoneUsageDescription</key><string>VoiceBuddy listens while you talk to it. Nothing leaves this Mac.</string>
  <key>LSMinimumSystemVersion</key><string>12.0</string>
</dict>
</plist>
PLIST
echo "Made $app"
