"""pzbuild: a static, validated catalog of photo-z data products."""

__version__ = "0.1.0"
