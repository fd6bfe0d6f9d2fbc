"""pyclawrouter.routing"""
