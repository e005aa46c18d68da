"""Task-queue entry points (Celery): each job calls service functions and commits, nothing more.

Importing this package registers every job and the failure hook; create_app does it.
"""
