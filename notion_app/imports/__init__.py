"""CSV imports: parse, map, preview, send through the outbox, progress, cancel and resume,
results."""
