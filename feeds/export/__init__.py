"""The static export (`feeds build`): every address to files in an output folder."""
