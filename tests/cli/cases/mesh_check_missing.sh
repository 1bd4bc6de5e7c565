# SPDX-License-Identifier: BSD-3-Clause
# A missing file is named in the message.
"$TRACEMESH" check nothing.stl
