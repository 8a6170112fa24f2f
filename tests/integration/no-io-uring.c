// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * no-io-uring: run a program where io_uring_setup(2) fails with EPERM, as
 * under Docker's default seccomp profile or kernel.io_uring_disabled=2, for
 * tests/integration/uring.sh (the daemon must fall back to /dev/fuse).
 *
 *   no-io-uring PROGRAM [ARG...]
 *
 * The filter is installed in this process and survives execv().  Exit
 * status: 2 for bad arguments, 1 if the filter cannot be installed or
 * PROGRAM cannot be run; otherwise whatever PROGRAM does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "no-io-uring: add this architecture's AUDIT_ARCH"
#endif

int main(int argc, char **argv)
{
	struct sock_filter insn[] = {
		/* Another architecture's syscall numbers mean other calls:
		 * let them through untouched. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(insn) / sizeof(insn[0]),
		.filter = insn,
	};

	if (argc < 2) {
		fprintf(stderr, "usage: no-io-uring PROGRAM [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		fprintf(stderr, "no-io-uring: cannot install the filter: %s\n",
			strerror(errno));
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "no-io-uring: cannot run %s: %s\n", argv[1],
		strerror(errno));
	return 1;
}
