/* wal_check.h — the structured report behind ot_wal_check() (wal.h), for `opentrail wal check`
 * and its --json output. Offline only: run it on a log no server has open (repair refuses a
 * locked log). */
#ifndef OT_WAL_CHECK_H
#define OT_WAL_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util/buf.h"
#include "wal/wal.h"

typedef struct ot_wal_seginfo {
    char name[32];         /* <first LSN, 20 digits>.wal */
    uint64_t bytes;        /* file size as found */
    uint64_t records;      /* valid records before any damage */
    uint64_t first_lsn;    /* from the name */
    uint64_t last_lsn;     /* last valid record; first_lsn - 1 when there is none */
    const char *status;    /* "ok", "torn", "corrupt" (static string) */
    uint64_t bad_offset;   /* where the damage starts (status != "ok") */
    uint64_t cut_bytes;    /* bytes a repair removes (or removed) from this segment */
    bool orphaned;         /* a repair moves (or moved) this segment aside */
    char detail[200];
} ot_wal_seginfo;

typedef struct ot_wal_report {
    char dir[4096];
    ot_wal_seginfo *segs;  /* ascending LSN, as found before any repair */
    size_t nsegs;
    int result;            /* as found: 0, OT_ETORN or OT_ECORRUPT */
    bool repaired;
    ot_wal_recovery rec;   /* totals; after a repair, what is left */
} ot_wal_report;

/* Scans dir (and with repair, cuts the log at its first damage). *out is the caller's, freed with
 * ot_wal_report_free, and is set whenever the scan itself succeeded. Returns 0 when the log is
 * clean or was repaired, OT_ETORN / OT_ECORRUPT when it is damaged, OT_ENOTFOUND if dir does not
 * exist, OT_EEXIST if repair finds the log in use, OT_EIO on other I/O errors. */
int ot_wal_inspect(const char *dir, bool repair, ot_wal_report **out);
void ot_wal_report_free(ot_wal_report *r);
void ot_wal_report_print(const ot_wal_report *r, FILE *out);
int ot_wal_report_json(const ot_wal_report *r, ot_buf *out);

#endif
