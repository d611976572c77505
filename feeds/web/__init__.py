"""The HTTP edge: the only code that imports Flask, Werkzeug and the servers."""
