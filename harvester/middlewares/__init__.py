"""Downloader middlewares for gateway calls: API errors, quota, signing (one job each)."""
