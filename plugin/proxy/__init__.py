"""pyclawrouter.proxy"""
