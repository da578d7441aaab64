"""Qt/napari widgets: thin shells that build configs and start core jobs."""
