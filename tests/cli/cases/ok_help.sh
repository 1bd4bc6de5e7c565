# SPDX-License-Identifier: BSD-3-Clause
# Help comes from the option tables, and the exit codes are documented.
"$TRACEMESH" --help | grep -q "^  scan "
"$TRACEMESH" help exit-codes | grep -q "4  verification failed"
"$TRACEMESH" info --help | grep -q -- "--assume-axial"
"$TRACEMESH" help volume | grep -q -- "-o, --output FILE"
"$TRACEMESH" --version | grep -q "^tracemesh [0-9]"
