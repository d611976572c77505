"""The HTTP edge: the only code that imports Flask, Werkzeug and the servers.

`app.create_app` builds the Flask app; `served.Current` holds the prepared documents
of the current version, which `delivery.FastPath` sends before Flask runs; `assets`
(`/files/`), `health` (`/healthz`) and `faults` (error pages, the once-per-cause
log) are what Flask answers; `notify` and `websub` tell hubs of changed feeds;
`process` gives the app its run folder and live blog; `server` runs `feeds serve`.
"""
