"""Read-only passes that gather facts before any rewrite."""
