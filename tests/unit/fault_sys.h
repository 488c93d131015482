/* fault_sys.h — a fault-injecting ot_sys table for unit tests (header only: each test program
 * includes it once).
 *
 * fault_arm() points ot_sys at a copy of the real table whose fsync/fdatasync and
 * write/pwrite/pwritev count their calls and fail on request:
 *   fault.fsync_fail_from = n   the n-th sync from now and every later one fail with EIO;
 *   fault.write_short_at = n    the n-th write from now writes only half of what it was given,
 *                               and every later one fails with ENOSPC (a disk filling up), or
 *                               succeeds when fault.short_only is set.
 * fault_clear() puts the real table back. Counting starts at 0 with fault_arm(). */
#ifndef OT_TEST_FAULT_SYS_H
#define OT_TEST_FAULT_SYS_H

#include <errno.h>
#include <stdbool.h>
#include <unistd.h>

#include "sys/sysio.h"

static struct {
    int syncs, writes;
    int fsync_fail_from; /* -1: never */
    int write_short_at;  /* -1: never */
    bool short_only;     /* the writes after the short one succeed */
} fault;

static ot_sysio fault_table;

/* 0: do the call, 1: write half of it, -1: fail it (errno set). */
static int fault_write_verdict(void)
{
    int n = __atomic_fetch_add(&fault.writes, 1, __ATOMIC_SEQ_CST);
    if (fault.write_short_at < 0 || n < fault.write_short_at ||
        (fault.short_only && n > fault.write_short_at))
        return 0;
    if (n == fault.write_short_at)
        return 1;
    errno = ENOSPC;
    return -1;
}

static bool fault_sync_fails(void)
{
    int n = __atomic_fetch_add(&fault.syncs, 1, __ATOMIC_SEQ_CST);
    if (fault.fsync_fail_from < 0 || n < fault.fsync_fail_from)
        return false;
    errno = EIO;
    return true;
}

static size_t fault_half(size_t n) { return n > 1 ? n / 2 : n; }

static int fault_fsync(int fd) { return fault_sync_fails() ? -1 : fsync(fd); }
static int fault_fdatasync(int fd) { return fault_sync_fails() ? -1 : fdatasync(fd); }

static ssize_t fault_write(int fd, const void *buf, size_t n)
{
    int v = fault_write_verdict();
    return v < 0 ? -1 : write(fd, buf, v ? fault_half(n) : n);
}

static ssize_t fault_pwrite(int fd, const void *buf, size_t n, off_t off)
{
    int v = fault_write_verdict();
    return v < 0 ? -1 : pwrite(fd, buf, v ? fault_half(n) : n, off);
}

static ssize_t fault_pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
    int v = fault_write_verdict();
    if (v < 0)
        return -1;
    if (v == 0 || cnt == 0)
        return pwritev(fd, iov, cnt, off);
    return pwrite(fd, iov[0].iov_base, fault_half(iov[0].iov_len), off);
}

static void fault_arm(void)
{
    fault_table = ot_sys_default;
    fault_table.fsync = fault_fsync;
    fault_table.fdatasync = fault_fdatasync;
    fault_table.write = fault_write;
    fault_table.pwrite = fault_pwrite;
    fault_table.pwritev = fault_pwritev;
    fault.syncs = fault.writes = 0;
    fault.fsync_fail_from = fault.write_short_at = -1;
    fault.short_only = false;
    ot_sys = &fault_table;
}

static void fault_clear(void) { ot_sys = &ot_sys_default; }

#endif
