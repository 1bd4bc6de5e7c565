# SPDX-License-Identifier: BSD-3-Clause
# A figure of assets rendered without --name carries its provenance but is not in the store:
# trace says so (exit 3) instead of calling it modified; its metadata still names the assets.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" -q init > /dev/null
"$TRACEMESH" -q publish skull --dicom in > /dev/null
"$TRACEMESH" -q render skull --size 120x120 -o fig.png
exiftool -s -s -s -XMP-tmesh:Assets fig.png | grep -qx 'skull@1'
exiftool -s -s -s -XMP-tmesh:Figure_id fig.png | grep -Eqx 'scene-[0-9a-f]{16}'
"$TRACEMESH" trace fig.png
