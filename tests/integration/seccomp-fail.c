// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * seccomp-fail: run a program under a seccomp filter that makes chosen
 * system calls fail, for the tests that need the kernel to refuse one:
 * tests/security/fault-creds.sh (the credential switch of the daemon's
 * threads) and tests/integration/uring.sh (io_uring_setup, as Docker's
 * default profile refuses it).  It lives here, with the integration
 * helpers, because tests/security builds on tests/integration, not the
 * other way round.
 *
 *   seccomp-fail FAULT[,FAULT...] PROGRAM [ARG...]
 *   seccomp-fail none PROGRAM [ARG...]     (the filter, with no fault)
 *
 * The filter is installed in this process and survives execv(), so every
 * thread the program starts has it.  Each fault hits only the calls that
 * switch to a caller (or back), or set up a ring, never the rest of the
 * program's start-up, so the daemon mounts and serves before anything
 * fails:
 *
 *   setgroups         setgroups(n > 0, ...)  -> EPERM
 *   setfsuid          setfsuid(id), id not 0 and not -1 -> returns 0 and
 *   setfsgid          changes nothing: what a refused switch looks like
 *                     (the previous id, which is the daemon's 0; setfsuid
 *                     never reports an error)
 *   unshare           unshare(...)           -> EPERM (a private umask)
 *   umask             umask(...)             -> EPERM
 *   capset            capset(...)            -> EPERM (kernel mode)
 *   restore-setfsuid  setfsuid(0) / setfsgid(0) -> returns 0 and changes
 *   restore-setfsgid  nothing: switching back to the daemon fails
 *   io_uring_setup    io_uring_setup(...)    -> EPERM (no FUSE over
 *                     io_uring: the daemon must fall back to /dev/fuse)
 *
 * The calls with -1 are let through: they read the current fsuid/fsgid.
 * Exit status: 2 for bad arguments, 1 if the filter cannot be installed
 * or PROGRAM cannot be run; otherwise whatever PROGRAM does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The ABI the filter serves, and the first syscall number not of it. */
#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#define NATIVE_NR_LIMIT __X32_SYSCALL_BIT
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#define NATIVE_NR_LIMIT 0x40000000u /* one ABI: no call numbered so high */
#else
#error "seccomp-fail: add this architecture's AUDIT_ARCH"
#endif

/* The low 32 bits of the first argument (ids are 32-bit). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG0_LOW offsetof(struct seccomp_data, args[0])
#else
#define ARG0_LOW (offsetof(struct seccomp_data, args[0]) + 4)
#endif

/* Which calls of a syscall a fault hits, by its first argument. */
enum when {
	WHEN_ANY,
	WHEN_NONZERO,	/* arg0 != 0 */
	WHEN_SWITCH_ID, /* arg0 != 0 && arg0 != (u32)-1 */
	WHEN_ZERO,	/* arg0 == 0 */
};

struct fault {
	const char *name;
	long nr;
	enum when when;
	unsigned int err; /* the errno returned; 0: "success", no effect */
};

static const struct fault faults[] = {
	{ "setgroups", SYS_setgroups, WHEN_NONZERO, EPERM },
	{ "setfsuid", SYS_setfsuid, WHEN_SWITCH_ID, 0 },
	{ "setfsgid", SYS_setfsgid, WHEN_SWITCH_ID, 0 },
	{ "unshare", SYS_unshare, WHEN_ANY, EPERM },
	{ "umask", SYS_umask, WHEN_ANY, EPERM },
	{ "capset", SYS_capset, WHEN_ANY, EPERM },
	{ "restore-setfsuid", SYS_setfsuid, WHEN_ZERO, 0 },
	{ "restore-setfsgid", SYS_setfsgid, WHEN_ZERO, 0 },
	{ "io_uring_setup", SYS_io_uring_setup, WHEN_ANY, EPERM },
};

#define NFAULTS (sizeof(faults) / sizeof(*faults))
/* Per fault at most 6 instructions; the ABI check and the end 6. */
#define MAX_PROG (NFAULTS * 6 + 6)

struct prog {
	struct sock_filter insn[MAX_PROG];
	unsigned short len;
};

static void emit(struct prog *p, unsigned short code, unsigned char jt,
		 unsigned char jf, unsigned int k)
{
	p->insn[p->len++] = (struct sock_filter){ code, jt, jf, k };
}

/*
 * One block per fault: load the syscall number, skip the block unless it
 * matches, load arg0, skip unless the condition holds, return the errno.
 * Jumps are relative, so each block is built knowing its own length.
 */
static void emit_fault(struct prog *p, const struct fault *f)
{
	static const unsigned char cond_len[] = {
		[WHEN_ANY] = 0,
		[WHEN_NONZERO] = 2,
		[WHEN_SWITCH_ID] = 3,
		[WHEN_ZERO] = 2,
	};
	unsigned char rest = (unsigned char)(cond_len[f->when] + 1);

	emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0,
	     offsetof(struct seccomp_data, nr));
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, rest, (unsigned int)f->nr);
	switch (f->when) {
	case WHEN_ANY:
		break;
	case WHEN_NONZERO:
		emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, ARG0_LOW);
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0);
		break;
	case WHEN_SWITCH_ID:
		emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, ARG0_LOW);
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 0);
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0xffffffffu);
		break;
	case WHEN_ZERO:
		emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, ARG0_LOW);
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
		break;
	}
	emit(p, BPF_RET | BPF_K, 0, 0,
	     SECCOMP_RET_ERRNO | (f->err & SECCOMP_RET_DATA));
}

static const struct fault *find_fault(const char *name)
{
	for (size_t i = 0; i < NFAULTS; i++)
		if (!strcmp(faults[i].name, name))
			return &faults[i];
	return NULL;
}

/* Build the filter for the comma-separated @list; -1 on an unknown name. */
static int build(struct prog *p, char *list)
{
	char *save = NULL;

	p->len = 0;
	/*
	 * Another ABI's syscall numbers name other calls, so a call made
	 * through one (i386 on x86_64, arm32 on aarch64) would pass the
	 * faults unfiltered: kill it instead.  x32 reports AUDIT_ARCH_X86_64
	 * too and is told apart by __X32_SYSCALL_BIT in the number.
	 */
	emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0,
	     offsetof(struct seccomp_data, arch));
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 2, NATIVE_ARCH);
	emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0,
	     offsetof(struct seccomp_data, nr));
	emit(p, BPF_JMP | BPF_JGE | BPF_K, 0, 1, NATIVE_NR_LIMIT);
	emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS);
	if (strcmp(list, "none") != 0) {
		for (char *name = strtok_r(list, ",", &save); name;
		     name = strtok_r(NULL, ",", &save)) {
			const struct fault *f = find_fault(name);

			if (!f) {
				fprintf(stderr,
					"seccomp-fail: unknown fault %s\n",
					name);
				return -1;
			}
			if ((size_t)p->len + 6 + 1 > MAX_PROG) {
				fprintf(stderr,
					"seccomp-fail: too many faults\n");
				return -1;
			}
			emit_fault(p, f);
		}
	}
	emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
	return 0;
}

int main(int argc, char **argv)
{
	struct prog p;
	struct sock_fprog fprog;

	if (argc < 3) {
		fprintf(stderr, "usage: seccomp-fail FAULT[,FAULT...]|none "
				"PROGRAM [ARG...]\nfaults:");
		for (size_t i = 0; i < NFAULTS; i++)
			fprintf(stderr, " %s", faults[i].name);
		fputc('\n', stderr);
		return 2;
	}
	if (build(&p, argv[1]) < 0)
		return 2;
	fprog = (struct sock_fprog){ .len = p.len, .filter = p.insn };
	/* Root has CAP_SYS_ADMIN and needs no NO_NEW_PRIVS; set it only if
	 * the plain install is refused. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0) {
		if (errno != EACCES ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) <
			    0) {
			perror("seccomp-fail: seccomp");
			return 1;
		}
	}
	execv(argv[2], argv + 2);
	perror(argv[2]);
	return 1;
}
