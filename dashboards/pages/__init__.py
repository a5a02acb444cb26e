"""One module per kind of page; each returns a whole HTML page as a string."""
