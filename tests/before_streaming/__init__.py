"""The Brainscape and Quizlet readers as they were before they read a line at a time.

Kept only as the reference of the differential tests (``tests/test_line_readers.py``): the
streaming readers must give exactly the notes and diagnostics these give, on any input.
Not part of the package. A deliberate change to what either reader reads must be made here
too (or the differential test retired for that reader, once the goldens cover the shape):
the test holds the readers to these, not to what is right.
"""
