#!/usr/bin/env bash
# Regenerates the sample IVR prompts: espeak-ng (en-us, 150 wpm) resampled by sox to 8 kHz mono 16-bit PCM WAV.
# Needs: apt-get install -y --no-install-recommends espeak-ng sox
# Usage: ivr-scripts/prompts/generate.sh   (writes next to this script; idempotent)
set -euo pipefail
cd "$(dirname "$0")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

say() { # say <name> <text>
  local out="$1.wav"
  mkdir -p "$(dirname "$out")"
  espeak-ng -v en-us -s 150 -w "$tmp/raw.wav" "$2"
  sox "$tmp/raw.wav" -r 8000 -c 1 -b 16 -e signed-integer "$out"
}

say welcome "Thank you for calling Acme customer service. Calls may be recorded for quality."
say main-menu "For billing, press 1. For technical support, press 2. For claims and complaints, press 3. To speak with an operator, press 0."
say invalid-option "Sorry, that is not a valid option."
say no-input "Sorry, we did not receive your selection."
say enter-account "Please enter your account number, followed by the pound key."
say invalid-account "Sorry, that account number is not valid."
say long-wait "We are experiencing a high volume of calls."
say long-wait-offer "To receive a call back when an agent is free, press 1. To keep waiting, press 2."
say callback-confirm "Thank you. We will call you back when it is your turn. Goodbye."
say after-hours "Our office is now closed. Our hours are Monday to Friday, 8 AM to 8 PM, and Saturday, 9 AM to 2 PM, Eastern time."
say after-hours-menu "To request a call back tomorrow, press 1. To leave a message, press 2."
say leave-message "Please leave your message after the tone."
say message-saved "Your message has been saved. Goodbye."
say please-hold "Please stay on the line. Your call will be answered in the order it was received."
say operator "Please hold for the next available operator."
say goodbye "Thank you for calling. Goodbye."

# Number words used by the `say` node (digits, numbers, durations).
words=(zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen)
for i in "${!words[@]}"; do say "say/$i" "${words[$i]}"; done
tens=(twenty thirty forty fifty sixty seventy eighty ninety)
for i in "${!tens[@]}"; do say "say/$(( (i + 2) * 10 ))" "${tens[$i]}"; done
say say/hundred "hundred"
say say/thousand "thousand"
say say/minute "minute"
say say/minutes "minutes"
say you-are-caller-number "You are caller number"
say your-estimated-wait-is-about "Your estimated wait is about"

# Feature codes (*45 log in/out, *46 pause, *47 available, *48 disposition, *90 supervise): confirmations.
say features/logged-in "You are logged in."
say features/logged-out "You are logged out."
say features/paused "You are paused."
say features/available "You are available."
say features/disposition-saved "Disposition saved."
say features/enter-code "Please enter the code, followed by the pound key."
say features/invalid-code "Sorry, that code is not valid."
say features/not-allowed "Sorry, you are not allowed to do that."
say features/not-on-call "That agent is not on a call."
say features/no-call "There is no recent call for a disposition."
say features/failed "Sorry, that did not work. Please try again later."
# Pause reasons of the sample contact center, spoken after "You are paused." (a reason without a file is not spoken).
for reason in break lunch training meeting after-call-work; do say "features/reasons/$reason" "${reason//-/ }."; done

# Record beep: 1 kHz, 300 ms.
sox -n -r 8000 -c 1 -b 16 -e signed-integer beep.wav synth 0.3 sine 1000 vol 0.5

# Music on hold: a slow synthesized arpeggio (our own, no licence questions), 24 s, looped by the player.
mkdir -p moh
notes=(C4 E4 G4 C5 A3 C4 E4 A4 F3 A3 C4 F4 G3 B3 D4 G4)
parts=()
for n in "${notes[@]}"; do
  sox -n -r 8000 -c 1 -b 16 -e signed-integer "/tmp/moh-$n-${#parts[@]}.wav" synth 1.5 pluck "$n" fade 0 1.5 0.6 vol 0.35
  parts+=("/tmp/moh-$n-${#parts[@]}.wav")
done
sox "${parts[@]}" moh/arpeggio.wav
rm -f "${parts[@]}"
