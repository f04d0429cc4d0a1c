"""Spiders of the 시정소식 boards."""
