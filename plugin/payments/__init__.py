"""pyclawrouter.payments"""
