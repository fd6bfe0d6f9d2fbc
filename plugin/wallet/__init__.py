"""pyclawrouter.wallet"""
