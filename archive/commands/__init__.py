"""The commands of ``python -m archive``, by what they do: reading (:mod:`.read`), exporting
(:mod:`.export`) and maintenance that writes (:mod:`.maintenance`); what they share (the
``--db`` option, opening the archive to read or to write) is :mod:`.options`. The group that
runs them, and turns every failure into one line, is :mod:`archive.cli`."""
