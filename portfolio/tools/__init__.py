"""Small command-line tools anyone can run without the app, its database or its settings."""
