"""Fixtures every test folder may use: the PostgreSQL cluster and the two-backend store."""

pytest_plugins = ("tests.postgres",)
