#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run the daemon under valgrind's memcheck: any memory error, or a definite
# leak at exit, makes it exit 99, which lib.sh's cleanup turns into a test
# failure.  Used as $UIDMAPFS by the diff-kernel-valgrind test; the real
# binary is $UIDMAPFS_REAL.  Always over /dev/fuse (-o nouring): valgrind
# 3.19 does not treat io_uring_enter() as a blocking call, so a queue
# thread waiting for a ring request holds valgrind's lock and every other
# thread of the daemon stops (seen: the mount hangs when enable_uring=Y).
exec valgrind --quiet --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite \
	--track-fds=no "$UIDMAPFS_REAL" "$@" -o nouring
