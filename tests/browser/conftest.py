"""Browser journeys use the Playwright fixtures of tests/conftest.py (shared with other folders)."""
