"""`build.py import`: the files authors receive (Excel honour lists, Word experience reports)
turned into the site's own formats, written where the build reads them."""
