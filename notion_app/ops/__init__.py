"""Running the app: deployment checks, secret-redacting logs, security headers, the CLI, the
dev sandbox starter, the worker and the health check."""
