"""Running the app: deployment checks, secret-redacting logs, security headers, CLI, the dev sandbox starter, the worker, the health check."""
