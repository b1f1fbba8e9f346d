"""Output formats. Only :mod:`ankipress.writers.apkg` imports genanki."""
