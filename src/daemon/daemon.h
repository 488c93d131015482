/* daemon.h — the running server (`opentrail serve`): owns every component and thread, their
 * start order and their stop order.
 *
 * Start: bind the port (a busy port or a bad certificate stops us before the data dir is
 * touched), open the components of daemon.c's `components` table top to bottom, then serve.
 * Stop (SIGINT/SIGTERM): stop serving and wait for requests in progress, then close the
 * components bottom to top.
 *
 * The threads of `serve`, and what each owns:
 *   main thread       start-up and shutdown; then waits for SIGINT/SIGTERM with sigwait (the
 *                     signals are blocked in every other thread), and reloads the
 *                     credentials file on SIGHUP.
 *   HTTP workers      (api/http_server.c; libmicrohttpd's epoll thread and a pool of
 *                     --http-threads) one request each at a time: authenticate, dispatch by
 *                     SigV4 scope, answer. An ingest request appends to the WAL and waits for
 *                     its group commit before it answers.
 *   deadline reaper   (api/http_deadline.c) cuts connections whose headers or body are late.
 *   WAL flusher       (wal/wal.c) owns the WAL's active segment: takes every pending record,
 *                     writes them with one writev, fsyncs once and wakes the appenders.
 *   digest writer     (digest/digest_writer.c) owns the digest chains: signs and writes one
 *                     digest per chain each interval.
 *   history feeder    (history/history_feed.c) owns history.db's writes: indexes durable WAL
 *                     records for LookupEvents, then expires rows past the retention.
 *   delivery          (deliver/deliver.c) owns the open batches and delivery's tables in
 *                     state.db: routes records to trails, seals and writes the log files.
 *   alarm evaluator   (cw/cw_thread.c) every 10 s evaluates the CloudWatch alarms and runs
 *                     the pending actions of their state changes (SNS publishes,
 *                     daemon/alarm_actions.c).
 *   rule router       (respond/router.c) owns router.db's outbox writes: envelopes each durable
 *                     record, matches it against the EventBridge rules and stores the
 *                     invocations with its WAL position.
 *   rule dispatcher   (respond/router_dispatch.c) sends the outbox's invocations to their
 *                     targets (SNS, log groups, API destinations), retries, dead letters.
 * API threads also reach the digest writer and delivery synchronously (a trail that stops
 * logging is flushed and its final digest written before the call returns). */
#ifndef OT_DAEMON_H
#define OT_DAEMON_H

#include "config/config.h"

/* Binds the port, opens the data dir, serves until SIGINT or SIGTERM (SIGHUP reloads the
 * credentials file), then stops everything.
 * Returns the process exit status (0, or 1 if start-up failed). */
int ot_daemon_run(const ot_config *cfg);

#endif
