# SPDX-License-Identifier: BSD-3-Clause
# A gzip file cut short.
"$PHANTOM" in --size 32x32x1 --gzip
head -c 200 in/IM00001.dcm.gz > in/broken.dcm.gz
rm in/IM00001.dcm.gz
"$TRACEMESH" info in
