"""The Celery app for workers and beat: `celery -A portfolio.worker worker` / `... beat`.

It builds the Flask app from the environment (PORTFOLIO_ENV, DATABASE_URL, TASK_BROKER_URL, ...)
exactly as the web processes do, so a job sees the same settings as the request that queued it.
"""

from portfolio import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
