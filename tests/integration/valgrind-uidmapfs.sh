#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run the daemon under valgrind's memcheck: any memory error, or a definite
# leak at exit, makes it exit 99, which lib.sh's cleanup turns into a test
# failure.  Used as $UIDMAPFS by the diff-kernel-valgrind test; the real
# binary is $UIDMAPFS_REAL.
exec valgrind --quiet --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite \
	--track-fds=no "$UIDMAPFS_REAL" "$@"
