# SPDX-License-Identifier: BSD-3-Clause
# An unknown preset is a usage error listing the known ones, before any loading.
"$TRACEMESH" build no-such-folder --preset nope -o out.stl
