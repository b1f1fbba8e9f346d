"""The build: planning, writing, its state between runs, the project file and the lock file."""
