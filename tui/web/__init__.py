"""``dagtop serve``: the console in a browser, through textual-serve (one console process per browser tab)."""
