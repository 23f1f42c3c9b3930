"""Deployment: export to other runtimes (`export`), streaming prediction
(`streaming`) and model cards (`card`)."""
