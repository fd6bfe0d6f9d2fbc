"""The JSON Schema of the plugin's config and its loader."""
