"""Notion connections: the dashboard, the OAuth connect and callback, reconnect, disconnect; tokens and refresh."""
