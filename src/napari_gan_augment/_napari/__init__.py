"""Thin npe2 contributions (reader, writer, sample data) over the core data layer."""
