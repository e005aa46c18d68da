"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py 'portfolio:create_app()'`.

The timeout is the outermost of the app's time budgets (README, "Production"): database
statements (20 s) and store calls (3 s + 15 s) give up well before it, so a request answers
with the app's own message rather than being killed. Completing a 2 GB upload reads it back
(about 30 s on a quiet 2-core machine), hence 120 s until that work moves to the task queue.
"""

timeout = 120
graceful_timeout = 30
keepalive = 5
