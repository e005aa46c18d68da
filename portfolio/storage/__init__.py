"""Object storage behind one protocol: S3-compatible stores and local disk."""
