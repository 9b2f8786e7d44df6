"""Notion connections: the dashboard, OAuth connect and callback, reconnect, disconnect;
tokens and their refresh."""
