"""Quality rules (expectations/) and running them on the loaded data."""
