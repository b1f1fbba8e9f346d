"""The Brainscape and Quizlet readers as they were before they read a line at a time.

Kept only as the reference of the differential tests (``tests/test_line_readers.py``): the
streaming readers must give exactly the notes and diagnostics these give, on any input.
Not part of the package; do not fix bugs here without fixing them in the readers.
"""
