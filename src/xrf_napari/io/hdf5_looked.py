"""The HDF5 files whose first look in a child process (io.hdf5.first_look) this process has had.
Apart from io.hdf5 because the project writer (io.project_h5), which io.hdf5 reads through, marks
the files it writes; and apart from io.isolate, which runs any work in a child, not HDF5's."""

from __future__ import annotations

#: The files whose look in a child (io.hdf5.first_look) finished in this process, by file_key
#: (+ (dataset,) for a look at a named dataset's read).
LOOKED: set[tuple] = set()


def file_key(path) -> tuple:
    """(real path, device, inode, size, mtime_ns, ctime_ns): a file replaced or rewritten is
    another. ctime too: a file rewritten in place to the same size with its modification time
    set back (cp -p, rsync --inplace -t, touch -r) had kept its key, so the read used the old
    file's layout: the wrong dataset, or a KeyError for one it no longer holds. The system sets
    ctime at each change, and nothing sets it back."""
    import os

    st = os.stat(path)
    return (
        os.path.realpath(path),
        st.st_dev,
        st.st_ino,
        st.st_size,
        st.st_mtime_ns,
        st.st_ctime_ns,
    )


def remember_looked(path) -> None:
    """Mark a file this process has just written (project_h5.write_*) as looked at: a look in a
    child would find nothing new."""
    LOOKED.add(file_key(path))
