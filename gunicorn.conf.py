"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py 'portfolio:create_app()'`.

The timeout is the outermost of the app's time budgets (README, "Production"): database
statements (20 s) and store calls (3 s + 15 s) give up well before it, so a request answers
with the app's own message rather than being killed. With a task queue no request reads an
upload back (the check, and each part reported sent, are the workers' jobs); without one, a
report of a part sent reads that part (16 MB) back in the request, and joining an imported
portfolio's parts gets one try of 100 s.
"""

timeout = 120
graceful_timeout = 30
keepalive = 5
