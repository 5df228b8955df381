"""Course packages (``docs/course-format.md``): ``sources`` reads a folder or a .zip, ``fields`` reads typed
fields and the files they name, ``checking`` checks a package whole, ``writing`` imports it in one
transaction, ``exporting`` writes a course back out."""
