"""gunicorn settings for Loopkit (read by gunicorn from the working directory).

Every value can be overridden on the command line; the environment variables below are the
knobs a deployment usually turns.
"""

import gc
import os

bind = os.environ.get("LOOPKIT_BIND", "127.0.0.1:8000")
# Sync workers: an autosave is a few milliseconds of CPU and one short transaction. On SQLite
# keep them few (one write lock); on PostgreSQL about two per core.
workers = int(os.environ.get("LOOPKIT_WORKERS", "3"))
timeout = 30
graceful_timeout = 10
# A worker restarts after this many requests (with jitter), bounding slow leaks.
max_requests = 5000
max_requests_jitter = 500
# The app writes its own JSON request lines (loopkit.request); gunicorn adds its errors.
accesslog = None
errorlog = "-"
# gunicorn 25.1+ opens a control socket at one path per user; two servers would share it.
control_socket_disable = True


def post_worker_init(worker):
    # Everything imported so far lives for the worker's lifetime: keep it out of the
    # collector's scans, which otherwise walk the whole app on every full collection.
    gc.freeze()
