# SPDX-License-Identifier: BSD-3-Clause
# A recipe file error names the file and the line.
"$PHANTOM" in --size 16x16x4
printf 'preset bone\n# note\nhollow 2 middle\n' > bad.recipe
"$TRACEMESH" segment in --recipe bad.recipe -o out.nii.gz
