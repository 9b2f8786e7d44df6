"""The data sources a connection shares, one data source's page and its row form (with the catalog cache)."""
