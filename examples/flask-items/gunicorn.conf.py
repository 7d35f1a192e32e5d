"""gunicorn settings for the items API (read by ``gunicorn -c gunicorn.conf.py``)."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8080')}"
# One worker process (the app creates its tables and consumer group at import time,
# and the exporter's thread lives in that process), a few threads for concurrency.
workers = 1
worker_class = "gthread"
threads = 4
graceful_timeout = 10
accesslog = "-"
# No preload: the app, and with it the tracer provider and its export thread, is
# created in the worker process, never in the master before a fork.
preload_app = False
# gunicorn 24+ opens a control socket under ~/.gunicorn by default; we do not use it, and
# several instances on one machine (tests) would share that path.
control_socket_disable = True


def worker_exit(server, worker):
    # Runs in the worker process as it stops (SIGTERM included): flush queued spans.
    import telemetry

    telemetry.shutdown()
