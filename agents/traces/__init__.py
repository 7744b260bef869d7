"""Trace viewer, reproduction, export and platform support access pages (URL namespace "traces")."""
