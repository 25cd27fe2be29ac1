"""Storage: the database wiring (SQLite settings, write intent), column types, backups."""
