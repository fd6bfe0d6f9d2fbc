"""pyclawrouter.usage"""
