"""Index stage: the site's own Chinese search, built in Python and run in the reader's browser.

`normalize` folds text the same way here and in static/js/search/; `index` writes the sharded
index files that the browser loads as scripts (so search works from file:// too)."""
