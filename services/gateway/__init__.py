"""Gateway service.

Dashboard, event stream for dashboards, signed webhooks and merged documentation.
"""
