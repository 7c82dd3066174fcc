#!/bin/sh
# Regenerates the audio fixtures of Acd.Media.Tests with sox and espeak-ng (Debian: apt-get install sox espeak-ng).
# The tests read the committed outputs; run this only to change them. Deterministic except espeak-ng versions.
set -eu
cd "$(dirname "$0")"
python3 - <<'PY'
import struct
# every 16-bit value, little-endian, in order -32768..32767
with open("all16.s16", "wb") as f:
    f.write(b"".join(struct.pack("<h", v) for v in range(-32768, 32768)))
# every 8-bit code 0..255
with open("all8.bin", "wb") as f:
    f.write(bytes(range(256)))
PY
# G.711 encode (no dither) and decode by sox.
sox -D -t s16 -r 8000 -c 1 all16.s16 -t ul all16.ul
sox -D -t s16 -r 8000 -c 1 all16.s16 -t al all16.al
sox -t ul -r 8000 -c 1 all8.bin -t s16 ulaw-decoded.s16
sox -t al -r 8000 -c 1 all8.bin -t s16 alaw-decoded.s16

# WAV inputs in the forms prompts arrive in.
sox -n -r 8000 -c 1 -b 16 -e signed-integer tone1k-8k-pcm.wav synth 1 sine 1000 gain -6
sox -n -r 8000 -c 1 -e u-law tone1k-8k-ulaw.wav synth 1 sine 1000 gain -6
sox -n -r 8000 -c 1 -e a-law tone1k-8k-alaw.wav synth 1 sine 1000 gain -6
# 44.1 kHz stereo: 1 kHz on the left, 6 kHz on the right (must be filtered out, not alias to 2 kHz).
sox -n -r 44100 -c 2 -b 16 tone-44k-stereo.wav synth 0.5 sine 1000 sine 6000 gain -6
sox -n -r 8000 -c 3 -b 16 three-channels.wav synth 0.1 sine 1000 sine 1000 sine 1000

# DTMF: "123A456B789C*0#D", 60 ms tones, 60 ms gaps, at several levels and twists.
dtmf() { # name level_low_dB level_high_dB tone_ms gap_ms [noise_dB]
  name=$1; lo=$2; hi=$3; on=$4; off=$5
  files=""
  i=0
  for d in 1 2 3 A 4 5 6 B 7 8 9 C '*' 0 '#' D; do
    case $d in
      1) r=697; c=1209;; 2) r=697; c=1336;; 3) r=697; c=1477;; A) r=697; c=1633;;
      4) r=770; c=1209;; 5) r=770; c=1336;; 6) r=770; c=1477;; B) r=770; c=1633;;
      7) r=852; c=1209;; 8) r=852; c=1336;; 9) r=852; c=1477;; C) r=852; c=1633;;
      '*') r=941; c=1209;; 0) r=941; c=1336;; '#') r=941; c=1477;; D) r=941; c=1633;;
    esac
    sox -n -r 8000 -c 1 -b 16 lo.wav synth 0.$on sine $r gain $lo
    sox -n -r 8000 -c 1 -b 16 hi.wav synth 0.$on sine $c gain $hi
    sox -m lo.wav hi.wav tmp-d$i.wav
    sox -n -r 8000 -c 1 -b 16 tmp-g$i.wav trim 0 0.$off
    files="$files tmp-d$i.wav tmp-g$i.wav"
    i=$((i+1))
  done
  sox $files "$name.nonoise.wav"
  if [ $# -ge 6 ]; then
    len=$(soxi -D "$name.nonoise.wav")
    sox -n -r 8000 -c 1 -b 16 noise.wav synth "$len" whitenoise gain "$6"
    sox -m "$name.nonoise.wav" noise.wav "$name.wav"
    rm -f "$name.nonoise.wav" noise.wav
  else
    mv "$name.nonoise.wav" "$name.wav"
  fi
  rm -f lo.wav hi.wav tmp-*.wav
}
dtmf dtmf-loud -6 -6 06 06
dtmf dtmf-quiet -28 -28 06 06
dtmf dtmf-twist-high -14 -7 06 06
dtmf dtmf-twist-low -9 -12 06 06
dtmf dtmf-noise -12 -12 06 06 -30
dtmf dtmf-short -6 -6 02 06
# Off-frequency: +1.5% (accept) on both tones of digit 5.
sox -n -r 8000 -c 1 -b 16 lo.wav synth 0.1 sine 781.5 gain -8
sox -n -r 8000 -c 1 -b 16 hi.wav synth 0.1 sine 1356 gain -8
sox -m lo.wav hi.wav dtmf-5-plus1p5.wav
rm -f lo.wav hi.wav

# Speech for talk-off: several sentences, 8 kHz mono 16-bit.
espeak-ng -v en-us -s 150 -w speech-raw.wav "Thank you for calling. Your call is important to us. Please hold while we connect you to the next available agent. For billing, press one. For technical support, press two. Seven eight nine, star, pound. The quick brown fox jumps over the lazy dog."
sox speech-raw.wav -r 8000 -c 1 -b 16 -e signed-integer speech.wav
espeak-ng -v en-us+f3 -s 170 -w speech-raw.wav "Hello, my account number is four five six, one two three. Yes, that is correct. Goodbye."
sox speech-raw.wav -r 8000 -c 1 -b 16 -e signed-integer speech-female.wav
rm -f speech-raw.wav
