"""pyclawrouter.openclaw"""
