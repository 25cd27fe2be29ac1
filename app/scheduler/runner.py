"""What `flask scheduler run` runs: one blocking APScheduler and its jobs.

Never started by create_app(): every gunicorn worker and the reloader's parent would each run
one and send every reminder several times. One blocking APScheduler with one idempotent
interval job that polls the outbox; the outbox rows, not APScheduler's job store, are the
source of truth, so a restart loses nothing. Beside it: the packet renderer, the calibration
refresh (on the renderer's thread, never delaying reminders), and once a day
the retention rule (erase candidates inactive for LOOPKIT_RETENTION_MONTHS; 0 turns it off).
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime

from apscheduler.events import EVENT_SCHEDULER_START
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from ..calibration.refresh import refresh_calibration
from ..erasure.candidates import erase_inactive
from ..notify.dispatcher import dispatch_due
from ..packets.renderer import lower_thread_priority, render_requested
from ..webhooks.delivery import deliver_due

log = logging.getLogger(__name__)


def run_scheduler(app: Flask, interval_seconds: float) -> None:
    scheduler = BlockingScheduler(timezone=UTC)
    stopping = threading.Event()

    def outbox_job(send, what: str):
        """A job that sends one outbox (mail, webhooks) and logs what the run did."""

        def job() -> None:
            # Jobs run on pool threads: each run gets its own app context (and DB session).
            with app.app_context():
                try:
                    report = send(stop=stopping)
                except Exception:  # noqa: BLE001  (log and try again next interval)
                    log.exception("%s run failed", what)
                    return
                if report.sent or report.retrying or report.failed:
                    log.info(
                        "%s: %s sent, %s to retry, %s failed",
                        what,
                        len(report.sent),
                        len(report.retrying),
                        len(report.failed),
                    )

        return job

    for send, what, job_id in (
        (dispatch_due, "reminders", "dispatch-reminders"),
        (deliver_due, "webhooks", "deliver-webhooks"),
    ):
        scheduler.add_job(
            outbox_job(send, what),
            "interval",
            seconds=interval_seconds,
            id=job_id,
            next_run_time=datetime.now(UTC),  # first run at start, not one interval later
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )

    def render_job() -> None:
        # PDF packets, off the request path: this thread (the "packets" executor's only one)
        # and the render worker run niced, one render at a time, WeasyPrint imported at the
        # first render (in the worker process, not at CLI start).
        lower_thread_priority()
        with app.app_context():
            try:
                report = render_requested(stop=stopping)
            except Exception:  # noqa: BLE001  (log and try again next interval)
                log.exception("packet render run failed")
                return
            if report.rendered or report.failed:
                log.info(
                    "packets: %s rendered, %s failed", len(report.rendered), len(report.failed)
                )

    scheduler.add_executor(ThreadPoolExecutor(max_workers=1), "packets")
    scheduler.add_job(
        render_job,
        "interval",
        executor="packets",
        seconds=float(app.config["PACKET_POLL_SECONDS"]),
        id="render-packets",
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )

    def retention_job() -> None:
        with app.app_context():
            months = int(app.config["RETENTION_MONTHS"])
            try:
                report = erase_inactive(months)
            except Exception:  # noqa: BLE001  (log and try again tomorrow)
                log.exception("retention run failed")
                return
            if report.candidates:
                log.info(
                    "retention: erased %s candidates inactive for %s months (%s)",
                    len(report.candidates),
                    months,
                    report.database,
                )

    def calibration_job() -> None:
        with app.app_context():
            try:
                report = refresh_calibration()
            except Exception:  # noqa: BLE001  (log and try again next interval)
                log.exception("calibration refresh failed")
                return
            log.info("calibration: %s scorecards in %.2f s", report.scorecards, report.seconds)

    # On the packets' single thread: a long refresh must never hold up reminders.
    scheduler.add_job(
        calibration_job,
        "interval",
        executor="packets",
        minutes=float(app.config["CALIBRATION_REFRESH_MINUTES"]),
        id="refresh-calibration",
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )

    if int(app.config["RETENTION_MONTHS"]) > 0:
        # Daily, and once at start: a scheduler restarted every night still runs it.
        scheduler.add_job(
            retention_job,
            "interval",
            days=1,
            id="erase-inactive-candidates",
            next_run_time=datetime.now(UTC),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )

    # The shutdown runs on a thread of its own, never in the signal handler: the handler
    # interrupts the main thread wherever it is, and there APScheduler may be submitting a
    # job under the executor's (non-reentrant) lock, which shutdown() takes too.
    shutting_down = threading.Lock()

    def shut_down_if_running() -> None:
        with shutting_down:  # once, whichever of the two below gets here first
            if scheduler.running:
                scheduler.shutdown(wait=False)

    def stop(signum, frame) -> None:
        if stopping.is_set():
            # A second signal while stopping (Ctrl-C in `make run`, then its script's own
            # SIGTERM): already under way.
            return
        log.info("stopping the scheduler (signal %s)", signum)
        stopping.set()  # the running dispatch finishes the mail in hand and returns

    def shut_down_when_asked() -> None:
        stopping.wait()
        shut_down_if_running()

    def stop_if_asked_while_starting(event) -> None:
        if stopping.is_set():
            shut_down_if_running()  # the signal came before it was running

    scheduler.add_listener(stop_if_asked_while_starting, EVENT_SCHEDULER_START)
    threading.Thread(target=shut_down_when_asked, name="scheduler-stop", daemon=True).start()
    # APScheduler installs no handlers of its own: stop cleanly on SIGTERM and Ctrl-C.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("scheduler started: dispatching reminders every %s s", interval_seconds)
    scheduler.start()
    log.info("scheduler stopped")
