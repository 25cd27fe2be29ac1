"""Cross-cutting web pieces: error pages, security headers and the Origin check, input
hygiene, time formatting, request logs."""
