"""The data sources a connection shares, one data source's page and its row form, and the
catalog cache."""
