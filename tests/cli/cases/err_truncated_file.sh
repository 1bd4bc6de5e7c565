# SPDX-License-Identifier: BSD-3-Clause
# A file cut inside its pixel data: the load names it.
"$PHANTOM" in --size 32x32x8
head -c 3000 in/IM00003.dcm > cut && mv cut in/IM00003.dcm
"$TRACEMESH" info in
